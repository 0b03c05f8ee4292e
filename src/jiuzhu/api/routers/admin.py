"""系统管理: staff accounts, hospitals' API keys and the audit trail (staff only).

Keys and passwords are stored hashed; a new key is shown once. Every change is audited
(宁医保发〔2023〕102号 第九条 全程痕迹管理); reading the trail needs the role ``auditor``
or ``admin``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import ROLES, Principal, forget_keys, get_uow, require
from jiuzhu.api.schemas import (
    ERROR_RESPONSES,
    AuditOut,
    KeyIn,
    KeyOut,
    NewKeyOut,
    UserIn,
    UserOut,
)
from jiuzhu.services import audit_log
from jiuzhu.services.access import queries
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.api_keys import create_api_key, key_of, revoke_key

router = APIRouter(prefix="/api/v1/admin", tags=["系统管理 admin"], responses=ERROR_RESPONSES)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(sep=" ", timespec="seconds") if t else None


def user_out(u: queries.UserView) -> dict[str, Any]:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "roles": list(u.roles),
        "active": u.active,
        "created_at": _iso(u.created_at),
    }


def key_out(k: queries.ApiKeyView) -> dict[str, Any]:
    return {
        "id": k.id,
        "institution": k.institution,
        "prefix": k.prefix,
        "label": k.label,
        "created_at": _iso(k.created_at),
        "revoked_at": _iso(k.revoked_at),
    }


@router.get("/roles", summary="角色 the staff roles")
def list_roles(_: Principal = Depends(require("admin"))) -> dict[str, str]:
    return ROLES


@router.get("/users", response_model=list[UserOut], summary="工作人员 staff accounts")
def list_users(
    _: Principal = Depends(require("admin")), uow: UnitOfWork = Depends(get_uow)
) -> list[dict[str, Any]]:
    with uow.read() as s:
        return [user_out(u) for u in queries.list_users(s)]


@router.post("/users", response_model=UserOut, status_code=201, summary="新建工作人员账号")
def post_user(
    body: UserIn, p: Principal = Depends(require("admin")), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    with uow.begin() as s:
        create_user(s, body.username, body.password, body.roles, p.actor, body.display_name)
        return user_out(queries.get_user(s, body.username))


@router.get("/keys", response_model=list[KeyOut], summary="医药机构接口密钥 API keys")
def list_keys(
    institution: str | None = None,
    _: Principal = Depends(require("admin")),
    uow: UnitOfWork = Depends(get_uow),
) -> list[dict[str, Any]]:
    with uow.read() as s:
        return [key_out(k) for k in queries.list_api_keys(s, institution)]


@router.post("/keys", response_model=NewKeyOut, status_code=201, summary="新建接口密钥")
def post_key(
    body: KeyIn, p: Principal = Depends(require("admin")), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    with uow.begin() as s:
        key = create_api_key(s, body.institution, p.actor, body.label)
        return {**key_out(key_of(s, key)), "key": key}


@router.post("/keys/{key_id}:revoke", response_model=KeyOut, summary="吊销接口密钥")
def post_revoke(
    key_id: int,
    request: Request,
    p: Principal = Depends(require("admin")),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    out = revoke_key(uow, key_id, p.actor)
    forget_keys(request.app)
    return key_out(out)


@router.get("/audit", response_model=list[AuditOut], summary="审计轨迹 the audit trail")
def list_audit(
    entity: str | None = Query(None, description="e.g. settlement, api_key, staff_user"),
    entity_id: str | None = None,
    actor: str | None = Query(None, description="e.g. institution:H00000000001, staff:admin"),
    action: str | None = None,
    since: dt.datetime | None = Query(None, description="from this time (UTC)"),
    limit: int = Query(100, ge=1, le=1000),
    _: Principal = Depends(require("auditor")),
    uow: UnitOfWork = Depends(get_uow),
) -> list[dict[str, Any]]:
    """Newest first. Entries hold no clear ID numbers or names (masked when written)."""
    with uow.read() as s:
        rows = audit_log.search(
            s,
            audit_log.AuditFilter(
                entity=entity,
                entity_id=entity_id,
                actor=actor,
                action=action,
                since=since.replace(tzinfo=None) if since else None,
            ),
            limit=limit,
        )
    return [
        {
            "id": a.id,
            "at": _iso(a.at),
            "actor": a.actor,
            "action": a.action,
            "entity": a.entity,
            "entity_id": a.entity_id,
            "before": a.before,
            "after": a.after,
        }
        for a in rows
    ]
