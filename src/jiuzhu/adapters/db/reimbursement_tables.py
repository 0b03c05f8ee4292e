"""Tables of manual reimbursement (零星/手工报销): applications, claimed settlements,
review decisions, payment batches, and the per-region yearly number sequence.

ID numbers, names and bank accounts are encrypted (adapters.crypto); amounts are fen.
宁医保发〔2023〕102号 第二十至二十三条; 新疆规程 第十七条; 梅州规程 第十二条（三）.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import Base
from jiuzhu.domain.clock import utcnow


def _now() -> dt.datetime:
    return utcnow()


class ReimbApplication(Base):
    """One application (申请). ``status``: returned | in_review | approved | rejected | paid.

    ``returned`` (退回) carries the one-time notice (一次性告知, 宁夏 第二十一条) in ``problems``;
    the others were accepted with a receipt (受理回执) and the decision ``deadline``.
    """

    __tablename__ = "reimb_application"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    app_no: Mapped[str] = mapped_column(String(30), unique=True)
    region: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), index=True)
    psn_no: Mapped[str] = mapped_column(String(40), index=True)
    applicant_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    applicant_certno_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    agent_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    agent_certno_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    agent_certno_hash: Mapped[str | None] = mapped_column(String(64))
    agent_relation: Mapped[str | None] = mapped_column(String(40))
    phone_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    bank_name: Mapped[str | None] = mapped_column(String(100))
    account_name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    account_no_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    materials: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """codes (or names) of the materials presented"""
    problems: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """the one-time notice: every reason the application was returned"""
    retro: Mapped[bool] = mapped_column(Boolean, default=False)
    retro_anchor: Mapped[dt.date | None] = mapped_column(Date)
    retro_window_start: Mapped[dt.date | None] = mapped_column(Date)
    account_year: Mapped[int | None] = mapped_column(Integer)
    terms_day: Mapped[dt.date | None] = mapped_column(Date)
    received_on: Mapped[dt.date] = mapped_column(Date, index=True)
    deadline_days: Mapped[int | None] = mapped_column(Integer)
    deadline: Mapped[dt.date | None] = mapped_column(Date, index=True)
    levels: Mapped[list[Any]] = mapped_column(JSON, default=list)
    """the review levels in force when the application was accepted, in order"""
    current_step: Mapped[int] = mapped_column(Integer, default=0)
    """index into ``levels`` of the next decision"""
    flow_ref: Mapped[str | None] = mapped_column(String(300))
    claimed_total: Mapped[int] = mapped_column(BigInteger, default=0)
    approved_maf: Mapped[int | None] = mapped_column(BigInteger)
    approved_tilt: Mapped[int | None] = mapped_column(BigInteger)
    approved_total: Mapped[int | None] = mapped_column(BigInteger)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_reason: Mapped[str | None] = mapped_column(Text)
    payment_batch_id: Mapped[int | None] = mapped_column(ForeignKey("reimb_payment_batch.id"))
    paid_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    intake_by: Mapped[str] = mapped_column(String(80))
    remarks: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)
    __table_args__ = (Index("ix_reimb_application_region_status", "region", "status"),)


class ReimbClaim(Base):
    """One settlement claimed in an application (same fields as the one-stop path)."""

    __tablename__ = "reimb_claim"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("reimb_application.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    setl_id: Mapped[str] = mapped_column(String(60), index=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    enddate: Mapped[dt.date] = mapped_column(Date)
    base: Mapped[int] = mapped_column(BigInteger, default=0)
    maf_pay: Mapped[int | None] = mapped_column(BigInteger)
    tilt_pay: Mapped[int | None] = mapped_column(BigInteger)
    answer: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    """the settlement's answer at approval (settle(source="manual"))"""


class ReimbDecision(Base):
    """One review decision (初审/复审/审批): level, person, time, reason, amount shown."""

    __tablename__ = "reimb_decision"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("reimb_application.id"), index=True)
    step: Mapped[int] = mapped_column(Integer)
    level: Mapped[str] = mapped_column(String(20))
    decision: Mapped[str] = mapped_column(String(10))
    """approve | reject"""
    reason: Mapped[str] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(80), index=True)
    actor_name: Mapped[str | None] = mapped_column(String(100))
    amount_shown: Mapped[int] = mapped_column(BigInteger)
    """the amount the reviewer saw (trial at that moment; the settled amount at approval)"""
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("application_id", "step", name="uq_reimb_decision_step"),)


class ReimbPaymentBatch(Base):
    """A payment batch (拨付批次) to the applicants' bank accounts. exported | paid."""

    __tablename__ = "reimb_payment_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(30), unique=True)
    region: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20))
    count: Mapped[int] = mapped_column(Integer)
    total: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    exported_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    export_sha256: Mapped[str | None] = mapped_column(String(64))
    confirmed_by: Mapped[str | None] = mapped_column(String(80))
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    bank_reference: Mapped[str | None] = mapped_column(String(100))


class ReimbSequence(Base):
    """Next serial number per region, kind and year (受理编号 NX-2026-000123)."""

    __tablename__ = "reimb_sequence"
    region: Mapped[str] = mapped_column(String(20), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)


__all__ = [
    "ReimbApplication",
    "ReimbClaim",
    "ReimbDecision",
    "ReimbPaymentBatch",
    "ReimbSequence",
]
