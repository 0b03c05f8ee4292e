"""The daily summary of settlements (结算日汇总), kept with every settlement and reversal.

One row per day (the settlement's ``setl_time``), region, county, class, visit type
(``med_type``) and slot: the count and the sums in fen of the settled (not reversed)
settlements. Written in the settlement's own statement
(:meth:`jiuzhu.adapters.db.settlement_sql.Raw.record_settlement`) and by the reversal's
handler on the message bus, so it never drifts from the settlements; the 工作台 reads a
month here instead of summing its settlements. ``slot`` spreads concurrent settlements
of one day and class over a few rows, one per database session (no single hot row that
concurrent settlements wait for); readers sum over it.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, Index, SmallInteger, String, text
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import Base, Settlement

SLOTS = 32
"""Rows one (day, region, county, class, visit type) is spread over (PostgreSQL: by the
session's backend pid)."""


class SettlementDay(Base):
    __tablename__ = "settlement_day"
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    region: Mapped[str] = mapped_column(String(20), primary_key=True)
    county: Mapped[str] = mapped_column(String(6), primary_key=True)
    """'' when the settlement has none"""
    class_id: Mapped[str] = mapped_column(String(20), primary_key=True)
    """'' for a settlement without a class (no identity)"""
    med_type: Mapped[str] = mapped_column(String(10), primary_key=True)
    slot: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    n: Mapped[int] = mapped_column(BigInteger)
    base: Mapped[int] = mapped_column(BigInteger)
    maf_pay: Mapped[int] = mapped_column(BigInteger)
    tilt_pay: Mapped[int] = mapped_column(BigInteger)


# the check "应补报未补报" looks up back-pays of a settlement (migration 1402; PostgreSQL
# also indexes the body's deposit there, an expression index kept out of the metadata)
Index(
    "ix_settlement_backpay_of",
    Settlement.backpay_of,
    postgresql_where=text("backpay_of IS NOT NULL"),
    sqlite_where=text("backpay_of IS NOT NULL"),
)

__all__ = ["SLOTS", "SettlementDay"]
