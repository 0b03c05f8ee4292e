"""Enrolment of a beneficiary per year (资助参保), the facts the exemption ledger needs.

梅州规程 第六条 distinguishes: not enrolled; enrolled in another city's resident scheme;
self-paid this year's resident premium (before or after recognition, 第七条（三））;
employee insurance. One row per person and year records which applies.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import Base, PersonIdentity, _now

ENROLMENT_STATUSES: dict[str, str] = {
    "unenrolled": "未参加基本医疗保险",
    "local": "已参加本市居民医保（资助登记）",
    "elsewhere": "已参加本市以外居民医保",
    "elsewhere_return": "已参加本市以外居民医保，选择回身份认定地参保（新疆规程 第十一条）",
    "self_paid": "已自行缴纳本市当年度居民医保",
    "employee": "已参加职工基本医疗保险",
}
"""梅州规程 第六条（一）–（四）, 第七条（三）; 新疆规程 第十一条 (return or not)."""


class PersonEnrolment(Base):
    """A person's basic-insurance enrolment in one year, as the agency knows it."""

    __tablename__ = "person_enrolment"
    psn_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    self_paid_on: Mapped[dt.date | None] = mapped_column(Date)
    """day the person paid the resident premium themselves (status self_paid)"""
    self_paid_fen: Mapped[int | None] = mapped_column(BigInteger)
    note: Mapped[str | None] = mapped_column(String(200))
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


# the full-list comparison reads every identity of one source (新疆规程 第六条 每月全面比对)
Index("ix_person_identity_source_code", PersonIdentity.source, PersonIdentity.code)

__all__ = ["ENROLMENT_STATUSES", "PersonEnrolment"]
