"""Who is calling, as FastAPI dependencies: a hospital by its API key (``X-API-Key``), or
staff by bearer token (:mod:`jiuzhu.services.access.login`). Roles decide what staff may do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from fastapi import Depends, Request

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import PermissionDenied
from jiuzhu.services.access.login import Principal, authenticate
from jiuzhu.services.access.roles import PERMISSIONS

ROLES = PERMISSIONS


def get_uow(request: Request) -> UnitOfWork:
    return request.app.state.uow  # type: ignore[no-any-return]


def current_principal(request: Request, uow: UnitOfWork = Depends(get_uow)) -> Principal:
    cached = getattr(request.state, "principal", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
    api_key = request.headers.get("x-api-key")
    auth = request.headers.get("authorization", "")
    bearer = auth[7:].strip() if auth.lower().startswith("bearer ") else None
    p = cached_key_principal(request.app, api_key) if api_key else None
    if p is None:
        with uow.read() as s:
            p = authenticate(s, api_key, bearer)
        if api_key:
            request.app.state.key_cache[api_key] = (p, time.monotonic() + KEY_CACHE_SECONDS)
    request.state.principal = p
    return p


KEY_CACHE_SECONDS = 30.0
"""How long a server trusts a checked API key before looking again (a key revoked
from another process stops working within this time; in-process revocation clears it)."""


def cached_key_principal(app: Any, api_key: str) -> Principal | None:
    """The principal of a recently checked API key, without touching the database."""
    hit = app.state.key_cache.get(api_key)
    if hit is None or hit[1] < time.monotonic():
        return None
    return hit[0]  # type: ignore[no-any-return]


def forget_keys(app: Any) -> None:
    """Drop every cached key (after a key is revoked)."""
    app.state.key_cache.clear()


def require(*roles: str) -> Callable[..., Principal]:
    """Dependency: the caller must hold one of ``roles`` (admin holds all)."""

    def dep(p: Principal = Depends(current_principal)) -> Principal:
        if not p.has(*roles):
            raise PermissionDenied(f"this needs one of the roles: {', '.join(roles)}")
        return p

    return dep
