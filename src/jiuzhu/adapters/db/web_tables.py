"""Tables of the staff web application: roles as data (岗位) and browser sessions.

Roles (宁医保发〔2023〕102号 第五–九条: 岗位职责、分级审批) are rows, each granting a set of
the service's permission codes (``api.auth.ROLES``); a user holds role codes and/or
permission codes. A browser session is a random cookie whose hash is stored here with its
CSRF token and last activity (idle timeout).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import AuditLog, Base, Settlement, _now


class StaffRole(Base):
    """岗位: a named set of permissions (经办员, 初审, 复审, 审批, 财务, 稽核, 管理员)."""

    __tablename__ = "staff_role"
    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    grants: Mapped[list[Any]] = mapped_column(JSON, default=list)
    description: Mapped[str | None] = mapped_column(String(300))
    sort: Mapped[int] = mapped_column(Integer, default=0)
    builtin: Mapped[bool] = mapped_column(Boolean, default=False)


class WebSession(Base):
    """One signed-in browser: cookie hash, CSRF token, last activity."""

    __tablename__ = "web_session"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sid_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"), index=True)
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    ended_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    ended_why: Mapped[str | None] = mapped_column(String(20))


BUILTIN_ROLES: list[dict[str, Any]] = [
    {
        "code": "caseworker",
        "name": "经办员",
        "grants": ["registry", "enrolment", "settlement", "intake"],
        "description": "受理、救助对象登记与名单导入、资助参保、结算撤销与补报",
    },
    {
        "code": "first_review",
        "name": "初审",
        "grants": ["first_review"],
        "description": "零星报销初审",
    },
    {
        "code": "second_review",
        "name": "复审",
        "grants": ["second_review"],
        "description": "零星报销复审",
    },
    {"code": "approval", "name": "审批", "grants": ["approval"], "description": "零星报销审批"},
    {"code": "finance", "name": "财务", "grants": ["finance"], "description": "支付批次、基金财务"},
    {"code": "auditor", "name": "稽核", "grants": ["auditor"], "description": "只读查询与审计日志"},
    {
        "code": "admin",
        "name": "管理员",
        "grants": ["admin"],
        "description": "用户、角色、接口密钥、政策参数",
    },
]
"""Seeded by migration 1000; an administrator may change a role's grants afterwards."""


# list pages: settlements newest first, by hospital; the audit log by actor (migration 1000)
Index(
    "ix_settlement_setl_time",
    Settlement.setl_time,
    postgresql_include=["status", "class_id", "maf_pay", "tilt_pay"],  # migration 1002
)
Index(
    "ix_settlement_institution_time",
    Settlement.institution,
    Settlement.setl_time,
    postgresql_include=["identity", "status", "maf_pay", "tilt_pay"],  # migration 1401
)
Index("ix_audit_actor", AuditLog.actor, AuditLog.id)


class OperatorParam(Base):
    """A dated value of a region's operator parameter set by an administrator (audited);
    merged over the operator file's series when the service starts or the value is set."""

    __tablename__ = "operator_param"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    name: Mapped[str] = mapped_column(String(60))
    valid_from: Mapped[dt.date] = mapped_column(Date)
    value: Mapped[str] = mapped_column(String(2000))
    ref: Mapped[str] = mapped_column(String(300))
    set_by: Mapped[str] = mapped_column(String(80))
    set_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("region", "name", "valid_from"),)
