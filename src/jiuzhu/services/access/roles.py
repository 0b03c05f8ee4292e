"""Staff roles as data (岗位): what each role grants.

A user's ``roles`` hold role codes (``staff_role``: 经办员, 初审, 复审, 审批, 财务, 稽核,
管理员) and/or the service's permission codes (:data:`PERMISSIONS`); what a user may do is
the union of the grants (宁医保发〔2023〕102号 第五–九条 岗位职责、分级审批).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import audit
from jiuzhu.adapters.db.web_tables import StaffRole
from jiuzhu.domain.errors import Conflict, NotFound

PERMISSIONS = {
    "admin": "系统管理员",
    "registry": "救助对象管理（身份、名单导入）",
    "enrolment": "资助参保",
    "settlement": "结算管理（撤销、补报）",
    "intake": "零星报销受理",
    "first_review": "初审",
    "second_review": "复审",
    "approval": "审批",
    "finance": "基金财务",
    "auditor": "稽核（只读）",
    "warning": "预警监测（推送、反馈）",
    "checks": "核查（发现处理、追回）",
}
"""The permission codes the service checks (``api.auth.require``, ``web.security.need``); roles grant them."""


def role_table(session: Session) -> list[StaffRole]:
    return list(session.scalars(select(StaffRole).order_by(StaffRole.sort, StaffRole.code)))


def effective_roles(session: Session, codes: Iterable[str]) -> frozenset[str]:
    """The permission codes a user holds: each role's grants, plus codes held directly."""
    codes = list(codes or [])
    if not codes:
        return frozenset()
    grants: set[str] = set()
    rows = {r.code: r for r in session.scalars(select(StaffRole).where(StaffRole.code.in_(codes)))}
    for c in codes:
        row = rows.get(c)
        if row is None:
            grants.add(c)
        else:
            grants.update(row.grants or [])
    return frozenset(grants)


def known_role(session: Session, code: str) -> bool:
    return code in PERMISSIONS or session.get(StaffRole, code) is not None


def roles_of(session: Session, codes: Iterable[str]) -> tuple[frozenset[str], tuple[str, ...]]:
    """(the permissions, the role names) of a user's codes, in one query."""
    codes = list(codes or [])
    rows = {r.code: r for r in role_table(session)}
    grants: set[str] = set()
    for c in codes:
        grants.update(rows[c].grants or [] if c in rows else [c])
    return frozenset(grants), tuple(
        rows[c].name if c in rows else PERMISSIONS.get(c, c) for c in codes
    )


def role_names(session: Session, codes: Iterable[str]) -> list[str]:
    names = {r.code: r.name for r in role_table(session)}
    return [names.get(c, c) for c in codes]


def set_role_grants(session: Session, code: str, grants: list[str], actor: str) -> StaffRole:
    bad = [g for g in grants if g not in PERMISSIONS]
    if bad:
        raise Conflict(f"unknown permission(s): {', '.join(bad)}", field="grants")
    row = session.get(StaffRole, code)
    if row is None:
        raise NotFound(f"no role {code}", field="code")
    before: dict[str, Any] = {"grants": list(row.grants or [])}
    row.grants = list(grants)
    audit(session, actor, "set_grants", "staff_role", code, before, {"grants": list(grants)})
    return row
