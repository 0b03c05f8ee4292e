"""Who is calling: a hospital by its API key (``X-API-Key``), or staff by bearer token.

Keys and passwords are stored hashed (adapters.crypto). Roles decide what staff may do.
"""

from __future__ import annotations

import datetime as dt
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from fastapi import Depends, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import api_key_hash, hash_secret
from jiuzhu.adapters.db.tables import ApiKey, StaffToken, StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import Conflict, PermissionDenied, Unauthorized
from jiuzhu.services.staff import PERMISSIONS, effective_roles, known_role

ROLES = PERMISSIONS
HOSPITAL = "hospital"
TOKEN_HOURS = 12


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    kind: str  # "institution" | "staff"
    name: str  # institution code or username
    roles: frozenset[str] = field(default_factory=frozenset)
    institution: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or any(r in self.roles for r in roles)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_api_key(session: Session, institution: str, actor: str, label: str | None = None) -> str:
    """A new key for an institution; only its hash is stored. Returns the key once."""
    key = "jz_" + secrets.token_urlsafe(32)
    row = ApiKey(institution=institution, prefix=key[:10], key_hash=api_key_hash(key), label=label)
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "create",
        "api_key",
        str(row.id),
        None,
        {"institution": institution, "prefix": row.prefix},
    )
    return key


def create_user(
    session: Session,
    username: str,
    password: str,
    roles: list[str],
    actor: str,
    display_name: str | None = None,
) -> StaffUser:
    unknown = [r for r in roles if not known_role(session, r)]
    if unknown:
        raise Conflict(
            f"unknown role(s): {', '.join(unknown)}; known: {', '.join(ROLES)}", field="roles"
        )
    if session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise Conflict(f"user '{username}' exists", field="username")
    u = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=hash_secret(password),
        roles=roles,
    )
    session.add(u)
    session.flush()
    audit(session, actor, "create", "staff_user", username, None, {"roles": roles})
    return u


def verify_login(session: Session, username: str, password: str, via: str = "web") -> StaffUser:
    """The staff account if the password is right: :func:`jiuzhu.services.login.verify_login`
    (lockout, audited failures, equal work for unknown users) in transactions of its own;
    call it before ``session`` has written anything."""
    from jiuzhu.services.login import verify_login as check

    who = check(UnitOfWork(session.get_bind().engine), username, password, via=via)  # type: ignore[union-attr]
    u = session.get(StaffUser, who.user_id)
    assert u is not None
    return u


def issue_token(session: Session, user_id: int) -> tuple[str, dt.datetime]:
    """A bearer token for a staff account whose password was just checked."""
    token = "st_" + secrets.token_urlsafe(32)
    expires = _now() + dt.timedelta(hours=TOKEN_HOURS)
    session.add(StaffToken(user_id=user_id, token_hash=api_key_hash(token), expires_at=expires))
    return token, expires


def login(
    uow: UnitOfWork, username: str, password: str, via: str = "api"
) -> tuple[str, dt.datetime]:
    """Check the password (:func:`jiuzhu.services.login.verify_login`: lockout, audit,
    the same time for unknown users) and issue a token."""
    from jiuzhu.services.login import verify_login

    who = verify_login(uow, username, password, via=via)
    with uow.begin() as s:
        return issue_token(s, who.user_id)


def authenticate(session: Session, api_key: str | None, bearer: str | None) -> Principal:
    if api_key:
        row = session.scalar(select(ApiKey).where(ApiKey.key_hash == api_key_hash(api_key)))
        if row is None or row.revoked_at is not None:
            raise Unauthorized("invalid or revoked API key", field="X-API-Key")
        return Principal("institution", row.institution, frozenset({HOSPITAL}), row.institution)
    if bearer:
        tok = session.scalar(
            select(StaffToken).where(StaffToken.token_hash == api_key_hash(bearer))
        )
        if tok is None or tok.expires_at < _now():
            raise Unauthorized("invalid or expired token", field="Authorization")
        u = session.get(StaffUser, tok.user_id)
        if u is None or not u.active:
            raise Unauthorized("account disabled", field="Authorization")
        return Principal("staff", u.username, effective_roles(session, u.roles or []))
    raise Unauthorized(
        "missing credentials: send X-API-Key (institutions) or Authorization: Bearer (staff)"
    )


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
