"""Enrolment records from outside the registry (参保登记名单): another region's or the
insurance system's list of who is enrolled where in a year, found by keyed hash of the ID
number (the number itself is not stored). 梅州规程 第二十条（二）重复参保 compares them
with the registry's own enrolment (services/checks/insured.py)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import Base, _now


class InsuredRecord(Base):
    __tablename__ = "insured_record"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certno_hash: Mapped[str] = mapped_column(String(64), index=True)
    psn_no: Mapped[str | None] = mapped_column(String(40))
    """the registry's person with that ID number, when there is one"""
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(40))
    """the pooling area (统筹区) the person is enrolled in, as the list names it"""
    scheme: Mapped[str] = mapped_column(String(20))
    """resident | employee (居民医保 / 职工医保)"""
    source: Mapped[str] = mapped_column(String(20))
    batch_file: Mapped[str] = mapped_column(String(200))
    line: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


__all__ = ["InsuredRecord"]
