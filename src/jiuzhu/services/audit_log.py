"""Reads of the audit trail (审计日志) for the API, the web page and the CLI.

Newest first; entries hold no clear ID numbers or names (masked when written).
宁医保发〔2023〕102号 第九条 全程痕迹管理.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import AuditLog
from jiuzhu.adapters.db.uow import UnitOfWork, audit


@dataclass(frozen=True)
class AuditFilter:
    """Exact matches on the named fields; ``since`` inclusive, ``until`` exclusive (UTC)."""

    actor: str | None = None
    action: str | None = None
    entity: str | None = None
    entity_id: str | None = None
    since: dt.datetime | None = None
    until: dt.datetime | None = None


@dataclass(frozen=True)
class AuditView:
    id: int
    at: dt.datetime
    actor: str
    action: str
    entity: str
    entity_id: str | None
    before: Any
    after: Any


def _query(f: AuditFilter) -> Select[Any]:
    q = select(AuditLog)
    for name in ("actor", "action", "entity", "entity_id"):
        value = getattr(f, name)
        if value:
            q = q.where(getattr(AuditLog, name) == value)
    if f.since is not None:
        q = q.where(AuditLog.at >= f.since)
    if f.until is not None:
        q = q.where(AuditLog.at < f.until)
    return q


def search(session: Session, f: AuditFilter, limit: int, offset: int = 0) -> list[AuditView]:
    q = _query(f).order_by(AuditLog.id.desc()).limit(limit).offset(offset)
    return [
        AuditView(a.id, a.at, a.actor, a.action, a.entity, a.entity_id, a.before, a.after)
        for a in session.scalars(q)
    ]


def count(session: Session, f: AuditFilter, cap: int) -> int:
    """How many entries match, counting at most ``cap + 1`` (a big trail is not counted)."""
    sub = _query(f).limit(cap + 1).subquery()
    return session.scalar(select(func.count()).select_from(sub)) or 0


def chain_at(session: Session, seq: int) -> str | None:
    """The chain value recorded at sequence number ``seq`` (None if there is none)."""
    return session.scalar(select(AuditLog.chain).where(AuditLog.seq == seq))


def record(
    uow: UnitOfWork, actor: str, action: str, entity: str, entity_id: str, after: dict[str, Any]
) -> None:
    """Record something done that changes no row (a simulation run, an export) in a
    transaction of its own."""
    with uow.begin() as s:
        audit(s, actor, action, entity, entity_id, None, after)
