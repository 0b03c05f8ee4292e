"""Reads of the access service: staff accounts and API keys as typed views.

Front ends (API, CLI, web pages) format these at their edge; nothing here is formatted.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import ApiKey, StaffUser
from jiuzhu.domain.errors import NotFound
from jiuzhu.services.access.roles import PERMISSIONS, role_table


@dataclass(frozen=True)
class UserView:
    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    role_names: tuple[str, ...]
    active: bool
    created_at: dt.datetime | None


@dataclass(frozen=True)
class ApiKeyView:
    id: int
    institution: str
    prefix: str
    label: str | None
    created_at: dt.datetime | None
    revoked_at: dt.datetime | None


def key_view(k: ApiKey) -> ApiKeyView:
    return ApiKeyView(k.id, k.institution, k.prefix, k.label, k.created_at, k.revoked_at)


def _user_view(u: StaffUser, names: dict[str, str]) -> UserView:
    codes = tuple(u.roles or [])
    return UserView(
        u.id,
        u.username,
        u.display_name,
        codes,
        tuple(names.get(c, PERMISSIONS.get(c, c)) for c in codes),
        bool(u.active),
        u.created_at,
    )


def list_users(session: Session) -> list[UserView]:
    names = {r.code: r.name for r in role_table(session)}
    rows = session.scalars(select(StaffUser).order_by(StaffUser.username))
    return [_user_view(u, names) for u in rows]


def get_user(session: Session, username: str) -> UserView:
    u = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if u is None:
        raise NotFound(f"no user {username}", field="username")
    return _user_view(u, {r.code: r.name for r in role_table(session)})


def find_user(session: Session, username: str) -> UserView | None:
    u = session.scalar(select(StaffUser).where(StaffUser.username == username))
    return None if u is None else _user_view(u, {r.code: r.name for r in role_table(session)})


def list_api_keys(
    session: Session, institution: str | None = None, newest_first: bool = False
) -> list[ApiKeyView]:
    q = select(ApiKey).order_by(ApiKey.id.desc() if newest_first else ApiKey.id)
    if institution:
        q = q.where(ApiKey.institution == institution)
    return [key_view(k) for k in session.scalars(q)]
