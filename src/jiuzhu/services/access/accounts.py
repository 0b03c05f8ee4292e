"""Staff accounts (工作人员账号): create, password change and reset, roles, enable/disable.

Passwords are stored as scrypt hashes; every change is audited without secrets
(宁医保发〔2023〕102号 第九条 全程痕迹管理).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import hash_secret, verify_secret
from jiuzhu.adapters.db.tables import StaffUser
from jiuzhu.adapters.db.uow import audit
from jiuzhu.domain.errors import Conflict, InputError, NotFound
from jiuzhu.services.access.roles import PERMISSIONS, known_role, role_table

MIN_PASSWORD = 8


def create_user(
    session: Session,
    username: str,
    password: str,
    roles: list[str],
    actor: str,
    display_name: str | None = None,
) -> StaffUser:
    unknown = [r for r in roles if not known_role(session, r)]
    if unknown:
        raise Conflict(
            f"unknown role(s): {', '.join(unknown)}; known: {', '.join(PERMISSIONS)}",
            field="roles",
        )
    if session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise Conflict(f"user '{username}' exists", field="username")
    u = StaffUser(
        username=username,
        display_name=display_name or username,
        password_hash=hash_secret(password),
        roles=roles,
    )
    session.add(u)
    session.flush()
    audit(session, actor, "create", "staff_user", username, None, {"roles": roles})
    return u


def _user(session: Session, username: str) -> StaffUser:
    u = session.scalar(select(StaffUser).where(StaffUser.username == username))
    if u is None:
        raise NotFound(f"no user {username}", field="username")
    return u


def check_password_rule(new: str, field: str = "new_password") -> None:
    if len(new) < MIN_PASSWORD:
        raise InputError(f"密码至少 {MIN_PASSWORD} 位 password too short", column=field)
    if new.isdigit() or new.isalpha():
        raise InputError("密码须同时含字母和数字 letters and digits", column=field)


def change_password(session: Session, username: str, old: str, new: str) -> None:
    """The user's own change: the old password must be right; audited (no secrets)."""
    u = _user(session, username)
    if not verify_secret(old, u.password_hash):
        raise InputError("原密码不正确 the current password is wrong", column="old_password")
    if old == new:
        raise InputError("新密码不能与原密码相同 new equals old", column="new_password")
    check_password_rule(new)
    u.password_hash = hash_secret(new)
    audit(session, f"staff:{username}", "change_password", "staff_user", username)


def reset_password(session: Session, username: str, new: str, actor: str) -> None:
    check_password_rule(new, "password")
    u = _user(session, username)
    u.password_hash = hash_secret(new)
    audit(session, actor, "reset_password", "staff_user", username)


def set_roles(session: Session, username: str, roles: list[str], actor: str) -> StaffUser:
    known = {r.code for r in role_table(session)}
    bad = [r for r in roles if r not in known and r not in PERMISSIONS]
    if bad:
        raise Conflict(f"unknown role(s): {', '.join(bad)}", field="roles")
    u = _user(session, username)
    before = {"roles": list(u.roles or [])}
    u.roles = list(roles)
    audit(session, actor, "set_roles", "staff_user", username, before, {"roles": list(roles)})
    return u


def set_active(session: Session, username: str, active: bool, actor: str) -> StaffUser:
    u = _user(session, username)
    if u.active != active:
        audit(
            session,
            actor,
            "enable" if active else "disable",
            "staff_user",
            username,
            {"active": u.active},
            {"active": active},
        )
        u.active = active
    return u
