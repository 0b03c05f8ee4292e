"""Who is at the browser: session cookie, idle timeout, CSRF, and the permission check.

A session is a random cookie (HttpOnly, SameSite=Strict, Secure when served over HTTPS);
only its hash is stored (``web_session``). A session unused for ``IDLE_MINUTES`` ends.
Every request that changes anything carries the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``); without it the request is refused (403).
Each page, button and URL names the permissions that may use it (:func:`need`): the check
is made here on the server, hiding a menu item is only a courtesy
(宁医保发〔2023〕102号 第五–九条 岗位职责、分级审批、全程痕迹管理).
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import api_key_hash
from jiuzhu.adapters.db.tables import StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.web_tables import WebSession
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.services.staff import roles_of

COOKIE = "jz_session"
LOGIN_COOKIE = "jz_login"
IDLE_MINUTES = 20
TOUCH_SECONDS = 30  # last_seen is written at most this often per session


class LoginRequired(JiuzhuError):
    code = "login_required"
    http_status = 401


class Forbidden(JiuzhuError):
    code = "forbidden"
    http_status = 403


class CsrfFailed(Forbidden):
    code = "csrf_failed"


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class WebUser:
    """The signed-in staff member: role codes, what they grant, and the CSRF token."""

    id: int
    username: str
    display_name: str
    roles: tuple[str, ...]
    role_names: tuple[str, ...]
    perms: frozenset[str]
    csrf: str
    session_id: int

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"

    def can(self, *perms: str) -> bool:
        """Holds any of ``perms`` (管理员 holds all); ``need()`` with no perms: anyone."""
        if not perms or "admin" in self.perms:
            return True
        return any(p in self.perms for p in perms)


def uow_of(request: Request) -> UnitOfWork:
    return request.app.state.uow  # type: ignore[no-any-return]


def sign_in(uow: UnitOfWork, username: str, password: str) -> str:
    """Check the password (services.login.verify_login: lockout, audited failures) and
    open a session; returns the cookie."""
    from jiuzhu.services.login import verify_login as check

    who = check(uow, username, password, via="web")
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
            .values(ended_at=now(), ended_why=why)
        )


def end_sessions_of(uow: UnitOfWork, user_id: int, why: str, keep: int | None = None) -> None:
    """End every open session of a user (password changed, account disabled)."""
    with uow.begin() as s:
        q = update(WebSession).where(WebSession.user_id == user_id, WebSession.ended_at.is_(None))
        if keep is not None:
            q = q.where(WebSession.id != keep)
        s.execute(q.values(ended_at=now(), ended_why=why))


def _load(request: Request) -> WebUser:
    sid = request.cookies.get(COOKIE)
    if not sid:
        raise LoginRequired("请先登录 please sign in")
    uow = uow_of(request)
    t = now()
    with uow.read() as s:
        row = s.execute(
            select(WebSession, StaffUser)
            .join(StaffUser, StaffUser.id == WebSession.user_id)
            .where(WebSession.sid_hash == api_key_hash(sid))
        ).one_or_none()
        if row is None:
            raise LoginRequired("会话无效，请重新登录 session unknown")
        ws, u = row
        if ws.ended_at is not None or not u.active:
            raise LoginRequired("会话已结束，请重新登录 session ended")
        idle = t - ws.last_seen_at
        perms, names = roles_of(s, u.roles or [])
        user = WebUser(
            u.id, u.username, u.display_name, tuple(u.roles or []), names, perms, ws.csrf, ws.id
        )
    if idle > dt.timedelta(minutes=IDLE_MINUTES):
        sign_out(uow, sid, "idle")
        raise LoginRequired(f"超过 {IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录 idle timeout")
    if idle > dt.timedelta(seconds=TOUCH_SECONDS):
        with uow.begin() as s:
            s.execute(
                update(WebSession).where(WebSession.id == user.session_id).values(last_seen_at=t)
            )
    return user


async def check_csrf(request: Request, user: WebUser) -> None:
    """A request that may change something must carry the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.headers.get("x-csrf-token")
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent, user.csrf):
        raise CsrfFailed("请求缺少有效的 CSRF 令牌，已拒绝 missing or wrong CSRF token")


def need(*perms: str) -> Callable[..., Any]:
    """Dependency of every page and action: signed in, holding one of ``perms``, and for
    anything but GET the CSRF token. ``need()`` alone: any signed-in user."""

    async def dep(request: Request) -> WebUser:
        user = _load(request)
        request.state.web_user = user
        if not user.can(*perms):
            raise Forbidden("您的岗位无权访问此页面或操作 your role may not use this")
        await check_csrf(request, user)
        return user

    dep.perms = perms  # type: ignore[attr-defined]
    return dep


def optional_user(request: Request) -> WebUser | None:
    try:
        return _load(request)
    except LoginRequired:
        return None


@contextmanager
def reading(request: Request) -> Iterator[Session]:
    """A read-only session whose loaded rows stay readable after it ends (templates render
    after the transaction): the rows are detached before the rollback."""
    session = uow_of(request)._sessions()
    try:
        yield session
    finally:
        session.expunge_all()
        session.rollback()
        session.close()
