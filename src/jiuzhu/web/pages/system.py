"""系统管理: staff accounts and their roles (岗位, roles as data), hospitals' API keys.

Only 管理员 (permission ``admin``). Every change audited (宁医保发〔2023〕102号 第九条);
a new key is shown once, only its hash is stored.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jiuzhu.api.auth import forget_keys
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.services.access import accounts, queries, roles
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.api_keys import create_api_key, revoke_key
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page
from jiuzhu.web.security import WebUser, end_sessions_of, need, reading, uow_of

router = APIRouter(prefix="/system")
ADMIN = ("admin",)
add_menu("system.users", "用户与角色", "/system/users", ADMIN, "system", 10)
add_menu("system.roles", "岗位权限", "/system/roles", ADMIN, "system", 20)
add_menu("system.keys", "医药机构接口密钥", "/system/keys", ADMIN, "system", 30)


def _users_ctx(request: Request, **extra: Any) -> dict[str, Any]:
    with reading(request) as s:
        role_rows = roles.role_table(s)
        users = [
            {
                "username": u.username,
                "display_name": u.display_name,
                "roles": list(u.role_names),
                "active": u.active,
                "created_at": u.created_at,
            }
            for u in queries.list_users(s)
        ]
    return {
        "title": "用户与角色",
        "breadcrumbs": [("系统管理", None), ("用户与角色", None)],
        "users": users,
        "roles": role_rows,
        "problems": [],
        **extra,
    }


@router.get("/users")
def users(request: Request, user: WebUser = Depends(need(*ADMIN))) -> Response:
    return page(request, "system/users.html", _users_ctx(request))


@router.post("/users")
def users_create(
    request: Request,
    username: str = Form(""),
    display_name: str = Form(""),
    new_password: str = Form(""),
    roles: list[str] = Form(default=[]),
    user: WebUser = Depends(need(*ADMIN)),
) -> Response:
    try:
        if not username.strip() or not roles:
            raise JiuzhuError("用户名和岗位必填 username and a role are required")
        accounts.check_password_rule(new_password, "password")
        with uow_of(request).begin() as s:
            create_user(
                s, username.strip(), new_password, roles, user.actor, display_name.strip() or None
            )
    except JiuzhuError as exc:
        return page(
            request,
            "system/users.html",
            _users_ctx(request, problems=[exc.message]),
            status_code=400,
        )
    return page(
        request, "system/users.html", _users_ctx(request, flash=f"已创建用户 {username.strip()}")
    )


def _one(request: Request, username: str) -> dict[str, Any]:
    with reading(request) as s:
        u = queries.get_user(s, username)
        return {
            "title": f"用户 {u.username}",
            "breadcrumbs": [
                ("系统管理", None),
                ("用户与角色", "/system/users"),
                (u.username, None),
            ],
            "u": {
                "username": u.username,
                "display_name": u.display_name,
                "roles": list(u.roles),
                "active": u.active,
                "id": u.id,
            },
            "roles": roles.role_table(s),
            "perms": roles.PERMISSIONS,
            "problems": [],
        }


@router.get("/users/{username}")
def user_page(request: Request, username: str, user: WebUser = Depends(need(*ADMIN))) -> Response:
    return page(request, "system/user.html", _one(request, username))


@router.post("/users/{username}/roles")
def user_roles(
    request: Request,
    username: str,
    roles: list[str] = Form(default=[]),
    user: WebUser = Depends(need(*ADMIN)),
) -> Response:
    with uow_of(request).begin() as s:
        accounts.set_roles(s, username, roles, user.actor)
    return page(request, "system/user.html", {**_one(request, username), "flash": "岗位已保存"})


@router.post("/users/{username}/password")
def user_password(
    request: Request,
    username: str,
    new_password: str = Form(""),
    user: WebUser = Depends(need(*ADMIN)),
) -> Response:
    try:
        with uow_of(request).begin() as s:
            accounts.reset_password(s, username, new_password, user.actor)
    except JiuzhuError as exc:
        return page(
            request,
            "system/user.html",
            {**_one(request, username), "problems": [exc.message]},
            status_code=400,
        )
    ctx = _one(request, username)
    end_sessions_of(uow_of(request), ctx["u"]["id"], "reset")
    return page(request, "system/user.html", {**ctx, "flash": "密码已重置，该用户需重新登录"})


@router.post("/users/{username}/active")
def user_active(
    request: Request,
    username: str,
    active: str = Form("0"),
    user: WebUser = Depends(need(*ADMIN)),
) -> Response:
    on = active == "1"
    if not on and username == user.username:
        raise JiuzhuError("不能停用自己的账号")
    with uow_of(request).begin() as s:
        u = accounts.set_active(s, username, on, user.actor)
        uid = u.id
    if not on:
        end_sessions_of(uow_of(request), uid, "disabled")
    return page(
        request,
        "system/user.html",
        {**_one(request, username), "flash": "账号已启用" if on else "账号已停用"},
    )


@router.get("/roles")
def roles_page(request: Request, user: WebUser = Depends(need(*ADMIN))) -> Response:
    with reading(request) as s:
        rows = roles.role_table(s)
    return page(
        request,
        "system/roles.html",
        {
            "title": "岗位权限",
            "breadcrumbs": [("系统管理", None), ("岗位权限", None)],
            "roles": rows,
            "perms": roles.PERMISSIONS,
        },
    )


@router.post("/roles/{code}")
def role_save(
    request: Request,
    code: str,
    grants: list[str] = Form(default=[]),
    user: WebUser = Depends(need(*ADMIN)),
) -> Response:
    with uow_of(request).begin() as s:
        roles.set_role_grants(s, code, grants, user.actor)
    return RedirectResponse("/system/roles", status_code=303)


def _keys_ctx(request: Request, **extra: Any) -> dict[str, Any]:
    with reading(request) as s:
        keys = queries.list_api_keys(s, newest_first=True)
    return {
        "title": "医药机构接口密钥",
        "breadcrumbs": [("系统管理", None), ("医药机构接口密钥", None)],
        "keys": keys,
        "problems": [],
        **extra,
    }


@router.get("/keys")
def keys(request: Request, user: WebUser = Depends(need(*ADMIN))) -> Response:
    return page(request, "system/keys.html", _keys_ctx(request))


@router.post("/keys")
def key_create(
    request: Request,
    institution: str = Form(""),
    label: str = Form(""),
    user: WebUser = Depends(need(*ADMIN)),
) -> Response:
    inst = institution.strip()
    if not inst:
        return page(
            request,
            "system/keys.html",
            _keys_ctx(request, problems=["机构编码必填"]),
            status_code=400,
        )
    with uow_of(request).begin() as s:
        key = create_api_key(s, inst, user.actor, label.strip() or None)
    return page(request, "system/keys.html", _keys_ctx(request, new_key=key, new_inst=inst))


@router.post("/keys/{key_id}/revoke")
def key_revoke(request: Request, key_id: int, user: WebUser = Depends(need(*ADMIN))) -> Response:
    revoke_key(uow_of(request), key_id, user.actor)
    forget_keys(request.app)
    return page(request, "system/keys.html", _keys_ctx(request, flash=f"密钥 {key_id} 已吊销"))
