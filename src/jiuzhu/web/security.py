"""Who is at the browser: session cookie, idle timeout, CSRF, and the permission check.

A session is a random cookie (HttpOnly, SameSite=Strict, Secure when served over HTTPS);
only its hash is stored (``web_session``). A session unused for ``IDLE_MINUTES`` ends.
Every request that changes anything carries the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``); without it the request is refused (403).
Refusals are the domain's errors (``SessionEnded``: to the login page; ``PermissionDenied``:
403), raised by the access service and mapped to an answer in ``jiuzhu.web`` once.
Each page, button and URL names the permissions that may use it (:func:`need`): the check
is made here on the server, hiding a menu item is only a courtesy
(宁医保发〔2023〕102号 第五–九条 岗位职责、分级审批、全程痕迹管理).
"""

from __future__ import annotations

import datetime as dt
import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from fastapi import Request
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import PermissionDenied, SessionEnded
from jiuzhu.services.access.web_sessions import (
    OpenSession,
    end_sessions_of,
    open_session,
    sign_in,
    sign_out,
    touch,
)

__all__ = ["end_sessions_of", "sign_in", "sign_out"]

COOKIE = "jz_session"
LOGIN_COOKIE = "jz_login"
IDLE_MINUTES = 20
TOUCH_SECONDS = 30  # last_seen is written at most this often per session


class CsrfFailed(PermissionDenied):
    """A changing request without the session's CSRF token (403, like any refusal)."""

    code = "csrf_failed"


WebUser = OpenSession
"""The signed-in staff member: role codes, what they grant, and the CSRF token."""


def uow_of(request: Request) -> UnitOfWork:
    return request.app.state.uow  # type: ignore[no-any-return]


def _load(request: Request) -> WebUser:
    sid = request.cookies.get(COOKIE)
    if not sid:
        raise SessionEnded("请先登录 please sign in")
    uow = uow_of(request)
    t = utcnow()
    o = open_session(uow, sid)
    idle = t - o.last_seen_at
    user = o
    if idle > dt.timedelta(minutes=IDLE_MINUTES):
        sign_out(uow, sid, "idle")
        raise SessionEnded(f"超过 {IDLE_MINUTES} 分钟未操作，已自动退出，请重新登录 idle timeout")
    if idle > dt.timedelta(seconds=TOUCH_SECONDS):
        touch(uow, user.session_id, t)
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
        user.require(*perms)
        await check_csrf(request, user)
        return user

    dep.perms = perms  # type: ignore[attr-defined]
    return dep


def optional_user(request: Request) -> WebUser | None:
    try:
        return _load(request)
    except SessionEnded:
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
