"""The fund's money in and out beyond settlements: funding, the insurer's schedule, budgets.

- ``fund_move``: one row per funding step a bookkeeper records (income into the 财政专户,
  transfer 财政专户 → 支出户, year-end remittance, year-end closing into 一般基金结余, a
  payment to or from the insurer), naming its journal entry (双鸭山实施办法 第十五–十六条;
  宁医保发〔2023〕102号 第二十七条).
- ``fund_plan`` / ``fund_request``: the monthly 用款计划 of each agency and the one request
  to finance that sums them (双鸭山实施办法 第十六条).
- ``insurer_event``: the insurer-run model's schedule with due dates and status
  (梅州规程 第十六–十九条).
- ``fund_budget`` / ``fund_budget_line``: next year's budget per county and item, recorded
  and audited (宁医保发〔2023〕102号 第二十六条; 双鸭山实施办法 第十四条).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import BIG_ID, Base, _now


class FundMove(Base):
    """资金往来: a funding step and the journal entry that books it."""

    __tablename__ = "fund_move"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    """income | transfer | remit | close | insurer"""
    document: Mapped[str] = mapped_column(String(80))
    county: Mapped[str | None] = mapped_column(String(6))
    source: Mapped[str | None] = mapped_column(String(30))
    """income: the income role (income_upper …); insurer: the stream"""
    amount: Mapped[int] = mapped_column(BigInteger)
    day: Mapped[dt.date] = mapped_column(Date)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    request_id: Mapped[int | None] = mapped_column(ForeignKey("fund_request.id"))
    memo: Mapped[str] = mapped_column(String(300), default="")
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (
        UniqueConstraint("region", "kind", "document", name="uq_fund_move_document"),
        CheckConstraint("amount >= 0", name="nonneg"),
        CheckConstraint("kind IN ('income', 'transfer', 'remit', 'close', 'insurer')", name="kind"),
    )


class FundRequest(Base):
    """用款申请: one per region and month, the sum of the agencies' plans."""

    __tablename__ = "fund_request"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))
    document: Mapped[str] = mapped_column(String(80))
    total: Mapped[int] = mapped_column(BigInteger)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("region", "month", name="uq_fund_request_month"),)


class FundPlan(Base):
    """用款计划 of one agency (city or county) for a month."""

    __tablename__ = "fund_plan"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    month: Mapped[str] = mapped_column(String(7))
    county: Mapped[str] = mapped_column(String(6))
    amount: Mapped[int] = mapped_column(BigInteger)
    memo: Mapped[str] = mapped_column(String(300), default="")
    request_id: Mapped[int | None] = mapped_column(ForeignKey("fund_request.id"))
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (
        UniqueConstraint("region", "month", "county", name="uq_fund_plan_month_county"),
        CheckConstraint("amount >= 0", name="nonneg"),
    )


class InsurerEvent(Base):
    """One step of the insurer-run model's year (梅州规程 第十六–十九条), with its due date."""

    __tablename__ = "insurer_event"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    stream: Mapped[str] = mapped_column(String(20))
    """subsidy (资助参保) | premium (费用救助保费) | revolving (周转金)"""
    step: Mapped[str] = mapped_column(String(30))
    seq: Mapped[int] = mapped_column(Integer, default=1)
    due_date: Mapped[dt.date | None] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger, default=0)
    status: Mapped[str] = mapped_column(String(20), default="planned")
    """planned | done | cancelled"""
    done_on: Mapped[dt.date | None] = mapped_column(Date)
    document: Mapped[str | None] = mapped_column(String(80))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("journal_entry.id"))
    ref: Mapped[str] = mapped_column(String(300))
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (
        UniqueConstraint("region", "year", "stream", "step", "seq", name="uq_insurer_event_step"),
        CheckConstraint("status IN ('planned', 'done', 'cancelled')", name="status"),
    )


class FundBudget(Base):
    """预算: a year's budget of a region as recorded, and its audit by finance."""

    __tablename__ = "fund_budget"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    year: Mapped[int] = mapped_column(Integer)
    document: Mapped[str] = mapped_column(String(80))
    recorded_on: Mapped[dt.date] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="recorded")
    """recorded | audited"""
    audited_by: Mapped[str | None] = mapped_column(String(80))
    audited_on: Mapped[dt.date | None] = mapped_column(Date)
    basis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (
        UniqueConstraint("region", "year", name="uq_fund_budget_year"),
        CheckConstraint("status IN ('recorded', 'audited')", name="status"),
    )


class FundBudgetLine(Base):
    """One county's budget for one item (a visit type's assistance, 资助参保, …), in fen."""

    __tablename__ = "fund_budget_line"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    budget_id: Mapped[int] = mapped_column(ForeignKey("fund_budget.id"), index=True)
    county: Mapped[str] = mapped_column(String(6))
    item: Mapped[str] = mapped_column(String(30))
    amount: Mapped[int] = mapped_column(BigInteger)
    __table_args__ = (
        UniqueConstraint("budget_id", "county", "item", name="uq_fund_budget_line"),
        CheckConstraint("amount >= 0", name="nonneg"),
    )


__all__ = [
    "FundBudget",
    "FundBudgetLine",
    "FundMove",
    "FundPlan",
    "FundRequest",
    "InsurerEvent",
]
