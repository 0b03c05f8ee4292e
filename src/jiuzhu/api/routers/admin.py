"""系统管理: staff accounts, hospitals' API keys and the audit trail (staff only).

Keys and passwords are stored hashed; a new key is shown once. Every change is audited
(宁医保发〔2023〕102号 第九条 全程痕迹管理); reading the trail needs the role ``auditor``
or ``admin``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from sqlalchemy import select

from jiuzhu.adapters.crypto import api_key_hash
from jiuzhu.adapters.db.tables import ApiKey, AuditLog, StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.api.auth import (
    ROLES,
    Principal,
    create_api_key,
    create_user,
    forget_keys,
    get_uow,
    require,
)
from jiuzhu.api.schemas import (
    ERROR_RESPONSES,
    AuditOut,
    KeyIn,
    KeyOut,
    NewKeyOut,
    UserIn,
    UserOut,
)
from jiuzhu.domain.errors import NotFound

router = APIRouter(prefix="/api/v1/admin", tags=["系统管理 admin"], responses=ERROR_RESPONSES)


def _iso(t: dt.datetime | None) -> str | None:
    return t.isoformat(sep=" ", timespec="seconds") if t else None


def user_out(u: StaffUser) -> dict[str, Any]:
    return {
        "username": u.username,
        "display_name": u.display_name,
        "roles": list(u.roles or []),
        "active": u.active,
        "created_at": _iso(u.created_at),
    }


def key_out(k: ApiKey) -> dict[str, Any]:
    return {
        "id": k.id,
        "institution": k.institution,
        "prefix": k.prefix,
        "label": k.label,
        "created_at": _iso(k.created_at),
        "revoked_at": _iso(k.revoked_at),
    }


def revoke_key(uow: UnitOfWork, key_id: int, actor: str) -> dict[str, Any]:
    """Revoke an API key (once; again changes nothing)."""
    with uow.begin() as s:
        k = s.get(ApiKey, key_id, with_for_update=True)
        if k is None:
            raise NotFound(f"no API key {key_id}", field="key_id")
        if k.revoked_at is None:
            k.revoked_at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
            s.flush()
            audit(
                s,
                actor,
                "revoke",
                "api_key",
                str(k.id),
                {"institution": k.institution, "prefix": k.prefix, "revoked": False},
                {"institution": k.institution, "prefix": k.prefix, "revoked": True},
            )
        return key_out(k)


@router.get("/roles", summary="角色 the staff roles")
def list_roles(_: Principal = Depends(require("admin"))) -> dict[str, str]:
    return ROLES


@router.get("/users", response_model=list[UserOut], summary="工作人员 staff accounts")
def list_users(
    _: Principal = Depends(require("admin")), uow: UnitOfWork = Depends(get_uow)
) -> list[dict[str, Any]]:
    with uow.read() as s:
        return [user_out(u) for u in s.scalars(select(StaffUser).order_by(StaffUser.username))]


@router.post("/users", response_model=UserOut, status_code=201, summary="新建工作人员账号")
def post_user(
    body: UserIn, p: Principal = Depends(require("admin")), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    with uow.begin() as s:
        u = create_user(s, body.username, body.password, body.roles, p.actor, body.display_name)
        return user_out(u)


@router.get("/keys", response_model=list[KeyOut], summary="医药机构接口密钥 API keys")
def list_keys(
    institution: str | None = None,
    _: Principal = Depends(require("admin")),
    uow: UnitOfWork = Depends(get_uow),
) -> list[dict[str, Any]]:
    with uow.read() as s:
        q = select(ApiKey).order_by(ApiKey.id)
        if institution:
            q = q.where(ApiKey.institution == institution)
        return [key_out(k) for k in s.scalars(q)]


@router.post("/keys", response_model=NewKeyOut, status_code=201, summary="新建接口密钥")
def post_key(
    body: KeyIn, p: Principal = Depends(require("admin")), uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    with uow.begin() as s:
        key = create_api_key(s, body.institution, p.actor, body.label)
        row = s.scalars(select(ApiKey).where(ApiKey.key_hash == api_key_hash(key))).one()
        return {**key_out(row), "key": key}


@router.post("/keys/{key_id}:revoke", response_model=KeyOut, summary="吊销接口密钥")
def post_revoke(
    key_id: int,
    request: Request,
    p: Principal = Depends(require("admin")),
    uow: UnitOfWork = Depends(get_uow),
) -> dict[str, Any]:
    out = revoke_key(uow, key_id, p.actor)
    forget_keys(request.app)
    return out


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
        q = select(AuditLog).order_by(AuditLog.id.desc()).limit(limit)
        if entity:
            q = q.where(AuditLog.entity == entity)
        if entity_id:
            q = q.where(AuditLog.entity_id == entity_id)
        if actor:
            q = q.where(AuditLog.actor == actor)
        if action:
            q = q.where(AuditLog.action == action)
        if since:
            q = q.where(AuditLog.at >= since.replace(tzinfo=None))
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
            for a in s.scalars(q)
        ]
