"""Reads of the monitoring list (监测名单) and push batches for the web pages and the API.

新疆规程 第二十一条; 双鸭山实施办法 第二十三–二十五条.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.warning_tables import PushBatch, WarningEntry
from jiuzhu.domain.warning_status import WatchStatus
from jiuzhu.services.browse import capped_count
from jiuzhu.services.warning.watch import EntryView, view


def page_entries(
    s: Session, *, status: str = "", line: str = "", limit: int, offset: int
) -> tuple[list[EntryView], int, bool]:
    """One page of entries by person, year and line; (rows, total up to the cap, capped).
    An unknown status is no filter (a search form's free text)."""
    q = select(WarningEntry)
    if status in {w.value for w in WatchStatus}:
        q = q.where(WarningEntry.status == status)
    if line:
        q = q.where(WarningEntry.line == line)
    total, capped = capped_count(s, q)
    order = (WarningEntry.psn_no, WarningEntry.year, WarningEntry.line)
    rows = [view(e) for e in s.scalars(q.order_by(*order).limit(limit).offset(offset))]
    return rows, total, capped


def push_file_name(s: Session, batch_id: int) -> str | None:
    """The encrypted file a push batch was written to (None: no such batch)."""
    return s.scalar(select(PushBatch.file_name).where(PushBatch.id == batch_id))
