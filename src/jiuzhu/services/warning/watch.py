"""The monitoring list 监测名单: read it, move an entry through its statuses (audited).

新疆规程 第二十一条 (及时预警分析并反馈有关部门); 双鸭山实施办法 第二十三–二十五条;
柳州任务清单 六（一）. Statuses and their transitions: ``domain/warning_status.py``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.warning_tables import WarningEntry
from jiuzhu.domain.errors import NotFound
from jiuzhu.domain.warning_status import (
    OPEN_WATCH,
    WATCH_ZH,
    WatchStatus,
    check_watch,
    watch_status,
)
from jiuzhu.policy.money import format_fen


@dataclass(frozen=True)
class EntryView:
    id: int
    region: str
    psn_no: str
    year: int
    line: str
    setl_id: str
    identity: str
    amount: str
    threshold: str
    sums: dict[str, Any]
    trace: list[Any]
    ref: str
    departments: list[Any]
    status: str
    status_zh: str
    note: str | None
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def view(e: WarningEntry) -> EntryView:
    return EntryView(
        e.id, e.region, e.psn_no, e.year, e.line, e.setl_id, e.identity,
        format_fen(e.amount), format_fen(e.threshold), e.sums, e.trace, e.ref,
        e.departments, e.status, WATCH_ZH[WatchStatus(e.status)], e.note,
        e.created_at.isoformat(sep=" ", timespec="seconds"),
    )  # fmt: skip


def list_entries(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    line: str | None = None,
    year: int | None = None,
    psn_no: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[EntryView]:
    with uow.read() as s:
        q = select(WarningEntry).order_by(WarningEntry.psn_no, WarningEntry.year, WarningEntry.line)
        if status:
            q = q.where(WarningEntry.status == watch_status(status).value)
        if line:
            q = q.where(WarningEntry.line == line)
        if year:
            q = q.where(WarningEntry.year == year)
        if psn_no:
            q = q.where(WarningEntry.psn_no == psn_no)
        return [view(e) for e in s.scalars(q.limit(limit).offset(offset))]


def get_entry(uow: UnitOfWork, entry_id: int) -> EntryView:
    with uow.read() as s:
        return view(_entry(s, entry_id))


def _entry(s: Session, entry_id: int) -> WarningEntry:
    e = s.get(WarningEntry, entry_id)
    if e is None:
        raise NotFound(f"no warning entry {entry_id}", field="id")
    return e


def move(
    s: Session, e: WarningEntry, target: WatchStatus, actor: str, note: str | None = None
) -> None:
    """One step of the table, with its audit record, in the caller's transaction."""
    before = e.status
    e.status = check_watch(e.status, target).value
    if note:
        e.note = note
    s.flush()
    audit(s, actor, "warning_status", "warning_entry", f"{e.psn_no}/{e.year}/{e.line}",
          {"status": before}, {"status": e.status, "note": note})  # fmt: skip


def set_status(
    uow: UnitOfWork, entry_id: int, target: str, *, actor: str, note: str | None = None
) -> EntryView:
    with uow.begin() as s:
        e = _entry(s, entry_id)
        move(s, e, watch_status(target), actor, note)
        return view(e)


def open_count(s: Session) -> int:
    """Entries still open (dashboard)."""
    return int(
        s.scalar(
            select(func.count())
            .select_from(WarningEntry)
            .where(WarningEntry.status.in_([x.value for x in OPEN_WATCH]))
        )
        or 0
    )
