"""Staff sessions of the web application: opened by the one login check, ended by sign-out,
idle timeout, a password reset or a disabled account. Only the cookie's hash is stored.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass

from sqlalchemy import select, update

from jiuzhu.adapters.crypto import api_key_hash
from jiuzhu.adapters.db.tables import StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.web_tables import WebSession
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import PermissionDenied, SessionEnded
from jiuzhu.services.access.login import verify_login
from jiuzhu.services.access.roles import roles_of


@dataclass(frozen=True)
class OpenSession:
    """A signed-in session: who, what they may do, its CSRF token and when last used."""

    user_id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    role_names: tuple[str, ...]
    perms: frozenset[str]
    csrf: str
    session_id: int
    last_seen_at: dt.datetime

    @property
    def id(self) -> int:
        return self.user_id

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"

    def can(self, *perms: str) -> bool:
        """Holds any of ``perms`` (管理员 holds all); no perms: anyone signed in."""
        if not perms or "admin" in self.perms:
            return True
        return any(p in self.perms for p in perms)

    def require(
        self, *perms: str, why: str = "您的岗位无权访问此页面或操作 your role may not use this"
    ) -> None:
        """:class:`PermissionDenied` unless the session holds one of ``perms``."""
        if not self.can(*perms):
            raise PermissionDenied(why)


def sign_in(uow: UnitOfWork, username: str, password: str) -> str:
    """Check the password (:func:`verify_login`: lockout, audited failures) and open a
    session; returns the cookie."""
    who = verify_login(uow, username, password, via="web")
    sid = secrets.token_urlsafe(32)
    with uow.begin() as s:
        s.add(
            WebSession(
                sid_hash=api_key_hash(sid), user_id=who.user_id, csrf=secrets.token_urlsafe(32)
            )
        )
        audit(s, f"staff:{who.username}", "web_login", "staff_user", who.username)
    return sid


def sign_out(uow: UnitOfWork, sid: str | None, why: str = "logout") -> None:
    if not sid:
        return
    with uow.begin() as s:
        s.execute(
            update(WebSession)
            .where(WebSession.sid_hash == api_key_hash(sid), WebSession.ended_at.is_(None))
            .values(ended_at=utcnow(), ended_why=why)
        )


def end_sessions_of(uow: UnitOfWork, user_id: int, why: str, keep: int | None = None) -> None:
    """End every open session of a user (password changed, account disabled)."""
    with uow.begin() as s:
        q = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        if keep is not None:
            q = q.where(WebSession.id != keep)
        s.execute(q.values(ended_at=utcnow(), ended_why=why))


def open_session(uow: UnitOfWork, sid: str) -> OpenSession:
    """The session of a cookie, or :class:`SessionEnded`."""
    with uow.read() as s:
        row = s.execute(
            select(WebSession, StaffUser)
            .join(StaffUser, StaffUser.id == WebSession.user_id)
            .where(WebSession.sid_hash == api_key_hash(sid))
        ).one_or_none()
        if row is None:
            raise SessionEnded("会话无效，请重新登录 session unknown")
        ws, u = row
        if ws.ended_at is not None or not u.active:
            raise SessionEnded("会话已结束，请重新登录 session ended")
        perms, names = roles_of(s, u.roles or [])
        return OpenSession(
            u.id,
            u.username,
            u.display_name,
            tuple(u.roles or []),
            names,
            perms,
            ws.csrf,
            ws.id,
            ws.last_seen_at,
        )


def touch(uow: UnitOfWork, session_id: int, at: dt.datetime) -> None:
    """Record that a session was used (for the idle timeout)."""
    with uow.begin() as s:
        s.execute(update(WebSession).where(WebSession.id == session_id).values(last_seen_at=at))
