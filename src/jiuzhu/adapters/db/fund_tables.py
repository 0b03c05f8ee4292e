"""The fund's books (医疗救助基金): journal entries and their lines in fen, closed months.

Entries are never updated or deleted (database triggers refuse it); a correction is a
reversing entry. On PostgreSQL a statement-level trigger checks that the lines each
statement inserts balance per entry, name an existing entry and fall in an open month
(migrations 1201, 1700; entries are written whole); on SQLite each entry written in a
transaction is checked before commit (:mod:`jiuzhu.adapters.db.journal`). A month closed
in ``fund_period`` takes no postings.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import BIG_ID, Base, _now


class JournalEntry(Base):
    """记账凭证: one entry per source document and kind (``kind``, ``source_id``)."""

    __tablename__ = "journal_entry"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    kind: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str] = mapped_column(String(80))
    memo: Mapped[str] = mapped_column(String(300))
    reverses: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    actor: Mapped[str | None] = mapped_column(String(80))
    """who made a manual entry; None for the postings of an event (its audit record says who)"""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (
        UniqueConstraint("kind", "source_id", name="uq_journal_entry_kind_source"),
        CheckConstraint(
            "kind IN ('settle', 'reverse', 'clawback', 'pay', 'subsidy', 'manual', 'opening')",
            name="kind",
        ),
    )


class JournalLine(Base):
    """One posting; ``entry_date`` and ``region`` repeat the entry's for one-table reports.

    PostgreSQL keys it on (entry_id, id) and checks the entry in the posting trigger
    (migration 1700: one index entry per line, no per-line key check); the mapping keeps
    ``id`` as the ORM's identity (SQLite's schema is unchanged)."""

    __tablename__ = "journal_line"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("journal_entry.id"), index=True)
    entry_date: Mapped[dt.date] = mapped_column(Date)
    region: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(20))
    debit: Mapped[int] = mapped_column(BigInteger, default=0)
    credit: Mapped[int] = mapped_column(BigInteger, default=0)
    party: Mapped[str | None] = mapped_column(String(40))
    county: Mapped[str | None] = mapped_column(String(6))
    __table_args__ = (
        CheckConstraint("debit >= 0 AND credit >= 0", name="nonneg"),
        CheckConstraint("(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)", name="oneside"),
    )


class FundPeriod(Base):
    """A closed month (月结): nothing posts into it any more."""

    __tablename__ = "fund_period"
    region: Mapped[str] = mapped_column(String(20), primary_key=True)
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    """YYYY-MM"""
    closed_by: Mapped[str] = mapped_column(String(80))
    closed_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


__all__ = ["JournalEntry", "JournalLine", "FundPeriod"]
