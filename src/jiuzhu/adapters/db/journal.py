"""Writing the journal: entries posted inside the caller's transaction.

An entry is booked on its event's day, unless that month is closed: then on the day it is
recorded (a closed month takes no postings, 梅州规程 第十五条 按月核算). The settlement hot path
(:mod:`jiuzhu.adapters.db.settlement_sql`) takes the entry its handler posted and writes it
in its own statement (no extra round trip); every other path writes here. SQLite has no
database triggers for it: the balance of each entry written in a transaction is checked
just before its commit instead (PostgreSQL: the statement-level trigger of 1201 and 1700).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import event, insert, select, text
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.fund_tables import FundPeriod, JournalEntry, JournalLine
from jiuzhu.domain.errors import WorkflowError
from jiuzhu.domain.journal import Entry, Line, Unbalanced

_DEFER = "journal_defer"
_PENDING = "journal_pending"
_WRITTEN = "journal_written"


class PeriodClosed(WorkflowError):
    """A posting into a closed month."""


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def month_of(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def is_closed(s: Session, region: str, day: dt.date) -> bool:
    return (
        s.execute(
            select(FundPeriod.month).where(
                FundPeriod.region == region, FundPeriod.month == month_of(day)
            )
        ).first()
        is not None
    )


def booking_day(s: Session, region: str, day: dt.date) -> dt.date:
    """The event's day, or today when the event's month is closed."""
    if not is_closed(s, region, day):
        return day
    now = today()
    if is_closed(s, region, now):
        raise PeriodClosed(
            f"会计期间 {month_of(now)} 已结账，不能记账 (month closed)", field="date"
        )
    return now


def defer(s: Session, on: bool) -> None:
    """While on, posted entries wait in the session for the settlement statement to write them."""
    s.info[_DEFER] = on


def deferred(s: Session) -> bool:
    """Whether the settlement statement is being prepared (handlers may ride along on it)."""
    return bool(s.info.get(_DEFER))


def take_pending(s: Session) -> list[tuple[Entry, str | None]]:
    out: list[tuple[Entry, str | None]] = s.info.pop(_PENDING, [])
    return out


def written(s: Session, entry_id: int) -> None:
    s.info.setdefault(_WRITTEN, []).append(entry_id)


def post(
    s: Session, entry: Entry, actor: str | None = None, *, strict_day: bool = False
) -> int | None:
    """Post ``entry`` in ``s``'s transaction; returns its id (None while deferred).

    ``strict_day``: a manual entry dated into a closed month is refused instead of moved.
    """
    if s.info.get(_DEFER):
        s.info.setdefault(_PENDING, []).append((entry, actor))
        return None
    if strict_day and is_closed(s, entry.region, entry.day):
        raise PeriodClosed(
            f"会计期间 {month_of(entry.day)} 已结账，不能记账 (month closed)", field="date"
        )
    day = booking_day(s, entry.region, entry.day)
    entry_id = s.execute(
        insert(JournalEntry).returning(JournalEntry.id),
        {
            "region": entry.region,
            "entry_date": day,
            "kind": entry.kind,
            "source_id": entry.source_id,
            "memo": entry.memo[:300],
            "reverses": entry.reverses,
            "actor": actor,
        },
    ).scalar_one()
    if entry.lines:
        # one statement for all the lines: PostgreSQL checks that each statement's lines
        # balance per entry (migration 0902)
        rows = [line_row(entry_id, day, entry.region, ln) for ln in entry.lines]
        s.execute(insert(JournalLine).values(rows))
    written(s, entry_id)
    return int(entry_id)


def line_row(entry_id: int, day: dt.date, region: str, ln: Line) -> dict[str, Any]:
    return {
        "entry_id": entry_id,
        "entry_date": day,
        "region": region,
        "account": ln.account,
        "debit": ln.debit,
        "credit": ln.credit,
        "party": ln.party,
        "county": ln.county,
    }


def entry_of(s: Session, kind: str, source_id: str) -> tuple[int, str, tuple[Line, ...]] | None:
    """(id, region, lines) of the entry of a source document, if posted."""
    row = s.execute(
        select(JournalEntry.id, JournalEntry.region).where(
            JournalEntry.kind == kind, JournalEntry.source_id == source_id
        )
    ).first()
    if row is None:
        return None
    lines = tuple(
        Line(r.account, int(r.debit), int(r.credit), r.party, r.county)
        for r in s.execute(
            select(JournalLine).where(JournalLine.entry_id == row.id).order_by(JournalLine.id)
        ).scalars()
    )
    return int(row.id), row.region, lines


@event.listens_for(Session, "before_commit")
def _check_balanced(s: Session) -> None:
    """SQLite: the entries this transaction wrote balance (PostgreSQL: its trigger)."""
    ids = s.info.pop(_WRITTEN, None)
    s.info.pop(_PENDING, None)
    if not ids:
        return
    if s.get_bind().dialect.name == "postgresql":
        return
    bad = s.execute(
        text(
            "SELECT entry_id, SUM(debit), SUM(credit) FROM journal_line WHERE entry_id IN ("
            + ", ".join(str(int(i)) for i in ids)
            + ") GROUP BY entry_id HAVING SUM(debit) <> SUM(credit)"
        )
    ).first()
    if bad is not None:
        raise Unbalanced(f"journal entry {bad[0]}: debits {bad[1]} ≠ credits {bad[2]} (fen)")


@event.listens_for(Session, "after_rollback")
def _forget(s: Session) -> None:
    s.info.pop(_WRITTEN, None)
    s.info.pop(_PENDING, None)
    s.info.pop(_DEFER, None)
