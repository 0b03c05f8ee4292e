"""Tables of early warning (预警监测), pushes to departments, checks (核查) and claw-backs.

Amounts are integer fen. ``warning_sums`` holds a person-year's running sums in fixed
slots (slot i = the i-th running sum of the region's lines, policy/warning.py ``sum_keys``)
so that real-time settlement adds to them in one upsert.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import Base, _now


class WarningSums(Base):
    __tablename__ = "warning_sums"
    psn_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    s1: Mapped[int] = mapped_column(BigInteger, default=0)
    s2: Mapped[int] = mapped_column(BigInteger, default=0)
    s3: Mapped[int] = mapped_column(BigInteger, default=0)
    fired: Mapped[str] = mapped_column(String(200), default="")
    """Line ids already fired this person-year, comma-separated."""


class WarningEntry(Base):
    """监测名单: a person-year on watch under one line (calc-contract §11)."""

    __tablename__ = "warning_entry"
    __table_args__ = (UniqueConstraint("psn_no", "year", "line"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    psn_no: Mapped[str] = mapped_column(String(40), index=True)
    year: Mapped[int] = mapped_column(Integer)
    line: Mapped[str] = mapped_column(String(40))
    setl_id: Mapped[str] = mapped_column(String(60))
    identity: Mapped[str] = mapped_column(String(20), default="")
    amount: Mapped[int] = mapped_column(BigInteger)
    threshold: Mapped[int] = mapped_column(BigInteger)
    sums: Mapped[dict[str, Any]] = mapped_column()
    trace: Mapped[list[Any]] = mapped_column()
    ref: Mapped[str] = mapped_column(String(200))
    departments: Mapped[list[Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(30), default="new", index=True)
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class PushBatch(Base):
    """A numbered push to one department (新疆规程 第二十一条; 双鸭山 第二十四–二十五条)."""

    __tablename__ = "warning_push_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    department: Mapped[str] = mapped_column(String(20))
    actor: Mapped[str] = mapped_column(String(80))
    entries: Mapped[int] = mapped_column(Integer)
    file_name: Mapped[str] = mapped_column(String(200))
    file_sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class PushItem(Base):
    __tablename__ = "warning_push_item"
    batch_id: Mapped[int] = mapped_column(ForeignKey("warning_push_batch.id"), primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("warning_entry.id"), primary_key=True)


class DeathRecord(Base):
    """A death (or exit) reported by civil affairs or public security, found by keyed hash."""

    __tablename__ = "death_record"
    __table_args__ = (UniqueConstraint("certno_hash", "source"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certno_hash: Mapped[str] = mapped_column(String(64), index=True)
    psn_no: Mapped[str | None] = mapped_column(String(40), index=True)
    death_date: Mapped[dt.date] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    batch_file: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class CheckRun(Base):
    __tablename__ = "check_run"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    trigger: Mapped[str] = mapped_column(String(20))
    """demand | schedule"""
    actor: Mapped[str] = mapped_column(String(80))
    rules: Mapped[list[Any]] = mapped_column()
    counts: Mapped[dict[str, Any]] = mapped_column()
    started_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Finding(Base):
    """核查发现: one rule met by one subject, with its evidence (梅州 第二十–二十三条)."""

    __tablename__ = "check_finding"
    __table_args__ = (UniqueConstraint("rule", "subject"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("check_run.id"))
    rule: Mapped[str] = mapped_column(String(40))  # the unique (rule, subject) serves it (1404)
    category: Mapped[str] = mapped_column(String(20))
    article: Mapped[str] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(120))
    """What the finding is about: ``psn:P1``, ``setl:S1``, ``inst:H1`` …"""
    psn_no: Mapped[str | None] = mapped_column(String(40), index=True)
    setl_id: Mapped[str | None] = mapped_column(String(60))
    institution: Mapped[str | None] = mapped_column(String(40))
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    evidence: Mapped[dict[str, Any]] = mapped_column()
    status: Mapped[str] = mapped_column(String(30), default="open", index=True)
    assignee: Mapped[str | None] = mapped_column(String(80))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class ClawBack(Base):
    """追回 (新疆规程 第二十四条): a settlement's payment recovered from its hospital."""

    __tablename__ = "claw_back"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    finding_id: Mapped[int] = mapped_column(ForeignKey("check_finding.id"))
    setl_id: Mapped[str] = mapped_column(String(60), unique=True)
    psn_no: Mapped[str] = mapped_column(String(40))
    institution: Mapped[str | None] = mapped_column(String(40), index=True)
    maf_pay: Mapped[int] = mapped_column(BigInteger)
    tilt_pay: Mapped[int] = mapped_column(BigInteger)
    amount: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(80))
    fund_posted: Mapped[int] = mapped_column(Integer, default=0)
    """1 once the fund's books have the receivable (see services/checks/clawback.py)."""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
