"""The monitoring list 监测名单: read it, move an entry through its statuses (audited).

新疆规程 第二十一条 (及时预警分析并反馈有关部门); 双鸭山实施办法 第二十三–二十五条;
柳州任务清单 六（一）. Statuses and their transitions: ``domain/warning_status.py``.
The reads and the entry's view are ``services/warning/queries.py``'s.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.warning_tables import WarningEntry
from jiuzhu.domain.warning_status import OPEN_WATCH, WatchStatus, check_watch, watch_status
from jiuzhu.services.warning.queries import EntryView, entry_row, get_entry, list_entries, view


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
        e = entry_row(s, entry_id)
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


__all__ = ["EntryView", "get_entry", "list_entries", "move", "open_count", "set_status", "view"]
