"""登录、退出、修改密码 (sign in, sign out, change password).

Login goes through the one password check (services.access.login.verify_login); the login form has its
own CSRF token (double submit: cookie and field) since no session exists yet.
"""

from __future__ import annotations

import hmac
import secrets

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.services.access import accounts
from jiuzhu.web.render import page, safe_next
from jiuzhu.web.security import (
    COOKIE,
    IDLE_MINUTES,
    LOGIN_COOKIE,
    WebUser,
    end_sessions_of,
    need,
    sign_in,
    sign_out,
    uow_of,
)

router = APIRouter()


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def _login_form(request: Request, message: str | None, status: int = 200) -> Response:
    token = secrets.token_urlsafe(24)
    resp = page(
        request,
        "login.html",
        {
            "title": "登录",
            "login_csrf": token,
            "next": safe_next(request.query_params.get("next")),
            "message": message or request.query_params.get("why"),
            "idle": IDLE_MINUTES,
        },
        status_code=status,
    )
    resp.set_cookie(
        LOGIN_COOKIE,
        token,
        httponly=True,
        samesite="strict",
        secure=_secure(request),
        path="/login",
    )
    return resp


@router.get("/login")
def login_page(request: Request) -> Response:
    return _login_form(request, None)


@router.post("/login")
def login_post(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    csrf_token: str = Form(""),
    next: str = Form("/"),
) -> Response:
    cookie = request.cookies.get(LOGIN_COOKIE, "")
    if not cookie or not csrf_token or not hmac.compare_digest(cookie, csrf_token):
        return _login_form(request, "登录表单已过期，请重新登录 (CSRF)", 403)
    try:
        sid = sign_in(uow_of(request), username.strip(), password)
    except JiuzhuError as exc:
        wrong = exc.code == "unauthorized" and exc.message == "wrong username or password"
        msg = "用户名或密码错误" if wrong else exc.message
        return _login_form(request, msg, 401 if exc.code == "unauthorized" else exc.http_status)
    resp = RedirectResponse(safe_next(next), status_code=303)
    resp.set_cookie(
        COOKIE, sid, httponly=True, samesite="strict", secure=_secure(request), path="/"
    )
    resp.delete_cookie(LOGIN_COOKIE, path="/login")
    return resp


@router.post("/logout")
def logout(request: Request, user: WebUser = Depends(need())) -> Response:
    sign_out(uow_of(request), request.cookies.get(COOKIE))
    resp = RedirectResponse("/login?why=已退出登录", status_code=303)
    resp.delete_cookie(COOKIE, path="/")
    return resp


@router.get("/account/password")
def password_page(request: Request, user: WebUser = Depends(need())) -> Response:
    return page(
        request,
        "account/password.html",
        {"title": "修改密码", "breadcrumbs": [("修改密码", None)], "problems": []},
    )


@router.post("/account/password")
def password_post(
    request: Request,
    old_password: str = Form(""),
    new_password: str = Form(""),
    new_password2: str = Form(""),
    user: WebUser = Depends(need()),
) -> Response:
    problems: list[str] = []
    if new_password != new_password2:
        problems.append("两次输入的新密码不一致")
    else:
        try:
            with uow_of(request).begin() as s:
                accounts.change_password(s, user.username, old_password, new_password)
        except JiuzhuError as exc:
            problems.append(exc.message)
    if problems:
        return page(
            request,
            "account/password.html",
            {"title": "修改密码", "breadcrumbs": [("修改密码", None)], "problems": problems},
            status_code=400,
        )
    end_sessions_of(uow_of(request), user.id, "password", keep=user.session_id)
    return page(
        request,
        "account/password.html",
        {
            "title": "修改密码",
            "breadcrumbs": [("修改密码", None)],
            "problems": [],
            "flash": "密码已修改；其他已登录的浏览器已退出。",
        },
    )
