"""Hospital clearing and payment, and reconciliation (migration 1200).

Clearing (宁医保发〔2023〕102号 第三十条; 双鸭山实施办法 第二十七条; 梅州规程 第十二条): a
hospital's statement of a period (3201 totals and/or 3202 detail), its differences from
our settlements, its approval, the payment batch and the bank account it is paid to.
Reconciliation (宁医保发〔2023〕102号 第二十八条; 新疆规程 第二十条): imported bank lines
and finance's balances, and the differences from the journal until each is resolved.
Amounts are integer fen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import BIG_ID, Base, _now


class HospitalAccount(Base):
    """The bank account a hospital is paid to, registered by an operator (audited)."""

    __tablename__ = "hospital_account"
    fixmedins_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    fixmedins_name: Mapped[str] = mapped_column(String(200))
    account_name: Mapped[str] = mapped_column(String(200))
    bank_name: Mapped[str] = mapped_column(String(200))
    account_no: Mapped[str] = mapped_column(String(40))
    registered_by: Mapped[str] = mapped_column(String(80))
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class HospitalPaymentBatch(Base):
    """拨付批次 to hospitals; its bank file and the bank's confirmation."""

    __tablename__ = "hospital_payment_batch"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    batch_no: Mapped[str] = mapped_column(String(40), unique=True)
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
    paid_on: Mapped[dt.date | None] = mapped_column(Date)
    bank_reference: Mapped[str | None] = mapped_column(String(100))


class ClearingStatement(Base):
    """A hospital's statement of a period (对账单), compared at submission."""

    __tablename__ = "clearing_statement"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    stmt_no: Mapped[str] = mapped_column(String(40), unique=True)
    region: Mapped[str] = mapped_column(String(20))
    fixmedins_code: Mapped[str] = mapped_column(String(40))
    stmt_begndate: Mapped[dt.date] = mapped_column(Date)
    stmt_enddate: Mapped[dt.date] = mapped_column(Date)
    has_totals: Mapped[int] = mapped_column(Integer)
    has_detail: Mapped[int] = mapped_column(Integer)
    detail_lines: Mapped[int] = mapped_column(Integer, default=0)
    theirs_setl_cnt: Mapped[int | None] = mapped_column(Integer)
    theirs_medfee_sumamt: Mapped[int | None] = mapped_column(BigInteger)
    theirs_fund_pay_sumamt: Mapped[int | None] = mapped_column(BigInteger)
    ours_setl_cnt: Mapped[int] = mapped_column(Integer)
    ours_medfee_sumamt: Mapped[int] = mapped_column(BigInteger)
    ours_fund_pay_sumamt: Mapped[int] = mapped_column(BigInteger)
    by_county: Mapped[dict[str, Any]] = mapped_column(JSON)
    """our fund pay per county ({"640104": fen, "": fen}): what the payment clears"""
    stmt_rslt: Mapped[str] = mapped_column(String(1))
    stmt_rslt_dscr: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(20))
    submitted_by: Mapped[str] = mapped_column(String(80))
    submitted_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    decision_note: Mapped[str | None] = mapped_column(String(500))
    payment_batch_id: Mapped[int | None] = mapped_column(ForeignKey("hospital_payment_batch.id"))
    __table_args__ = (Index("ix_clearing_statement_hospital", "fixmedins_code", "stmt_begndate"),)


class ClearingDifference(Base):
    """One difference of a statement from our settlements."""

    __tablename__ = "clearing_difference"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    statement_id: Mapped[int] = mapped_column(ForeignKey("clearing_statement.id"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    setl_id: Mapped[str | None] = mapped_column(String(60))
    line: Mapped[int | None] = mapped_column(Integer)
    theirs_fund_pay: Mapped[int | None] = mapped_column(BigInteger)
    ours_fund_pay: Mapped[int | None] = mapped_column(BigInteger)
    detail: Mapped[str] = mapped_column(String(300))


class ReconImport(Base):
    """One imported file: a bank statement of an account, or finance's balances."""

    __tablename__ = "recon_import"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))
    """bank | finance"""
    region: Mapped[str] = mapped_column(String(20))
    account: Mapped[str | None] = mapped_column(String(20))
    county: Mapped[str | None] = mapped_column(String(6))
    file_name: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(Integer)
    imported_by: Mapped[str] = mapped_column(String(80))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class ReconBankLine(Base):
    """One bank statement line: ``amount`` > 0 money in (收入), < 0 money out (支出)."""

    __tablename__ = "recon_bank_line"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("recon_import.id"), index=True)
    region: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(20))
    county: Mapped[str] = mapped_column(String(6), default="")
    line: Mapped[int] = mapped_column(Integer)
    txn_date: Mapped[dt.date] = mapped_column(Date)
    txn_id: Mapped[str] = mapped_column(String(80))
    doc_no: Mapped[str | None] = mapped_column(String(80))
    amount: Mapped[int] = mapped_column(BigInteger)
    balance: Mapped[int | None] = mapped_column(BigInteger)
    matched_entry_id: Mapped[int | None] = mapped_column(BigInteger)
    __table_args__ = (
        UniqueConstraint("region", "account", "county", "txn_id", name="uq_recon_bank_line_txn"),
    )


class ReconFinanceBalance(Base):
    """Finance's (财政) figure: an account's balance at the end of a day."""

    __tablename__ = "recon_finance_balance"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    import_id: Mapped[int] = mapped_column(ForeignKey("recon_import.id"), index=True)
    region: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(20))
    county: Mapped[str] = mapped_column(String(6), default="")
    day: Mapped[dt.date] = mapped_column(Date)
    balance: Mapped[int] = mapped_column(BigInteger)
    line: Mapped[int] = mapped_column(Integer)


class ReconDifference(Base):
    """A difference between the books and the bank or finance, open until resolved."""

    __tablename__ = "recon_difference"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    region: Mapped[str] = mapped_column(String(20))
    account: Mapped[str] = mapped_column(String(20))
    county: Mapped[str] = mapped_column(String(6), default="")
    kind: Mapped[str] = mapped_column(String(20))
    """bank_only | books_only | balance_bank | balance_finance"""
    ref: Mapped[str] = mapped_column(String(120))
    """what it is about: bank line, journal entry, or day (one open difference per ref)"""
    day: Mapped[dt.date] = mapped_column(Date)
    amount: Mapped[int] = mapped_column(BigInteger)
    """the bank's or finance's figure (signed fen), or the line's amount"""
    books: Mapped[int | None] = mapped_column(BigInteger)
    """the journal's figure"""
    detail: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(10), default="open")
    """open | resolved"""
    found_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    resolved_by: Mapped[str | None] = mapped_column(String(80))
    resolved_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    reason: Mapped[str | None] = mapped_column(String(500))
    __table_args__ = (UniqueConstraint("kind", "ref", name="uq_recon_difference_kind_ref"),)


__all__ = [
    "ClearingDifference",
    "ClearingStatement",
    "HospitalAccount",
    "HospitalPaymentBatch",
    "ReconBankLine",
    "ReconDifference",
    "ReconFinanceBalance",
    "ReconImport",
]
