"""Reads of the monitoring list (监测名单) and push batches for the web pages and the API,
as typed views: amounts in fen, times as times; ``jiuzhu.wire.warning`` formats them.

新疆规程 第二十一条; 双鸭山实施办法 第二十三–二十五条.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.adapters.db.warning_tables import PushBatch, WarningEntry
from jiuzhu.domain.errors import NotFound
from jiuzhu.domain.warning_status import WATCH_ZH, WatchStatus, watch_status
from jiuzhu.services.browse import capped_count


@dataclass(frozen=True)
class EntryView:
    """A person-year on watch under one line: the settlement that fired it, the amount
    and the line's threshold (fen), the running sums and trace, where it stands."""

    id: int
    region: str
    psn_no: str
    year: int
    line: str
    setl_id: str
    identity: str
    amount: int
    threshold: int
    sums: dict[str, Any]
    trace: list[Any]
    ref: str
    departments: list[Any]
    status: str
    status_zh: str
    note: str | None
    created_at: dt.datetime


def view(e: WarningEntry) -> EntryView:
    return EntryView(
        e.id, e.region, e.psn_no, e.year, e.line, e.setl_id, e.identity, e.amount, e.threshold,
        e.sums, e.trace, e.ref, e.departments, e.status, WATCH_ZH[WatchStatus(e.status)], e.note,
        e.created_at,
    )  # fmt: skip


def entry_row(s: Session, entry_id: int) -> WarningEntry:
    e = s.get(WarningEntry, entry_id)
    if e is None:
        raise NotFound(f"no warning entry {entry_id}", field="id")
    return e


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
        return view(entry_row(s, entry_id))


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
