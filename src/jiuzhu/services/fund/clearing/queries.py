"""Reads of clearing: statements with their differences, payment batches, hospitals'
accounts. Typed views with amounts in fen and times as times; ``jiuzhu.wire.fund`` gives
them their JSON form. A hospital sees only its own statements (``institution``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.clearing_tables import (
    ClearingDifference,
    ClearingStatement,
    HospitalAccount,
    HospitalPaymentBatch,
)
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.clearing import DIFF_ZH, STATUS_ZH
from jiuzhu.domain.errors import NotFound


def mask_account_no(no: str) -> str:
    """``6222020200112233445`` → ``6222***********3445`` (the bank file has it whole)."""
    return no if len(no) <= 8 else no[:4] + "*" * (len(no) - 8) + no[-4:]


@dataclass(frozen=True)
class DifferenceView:
    kind: str
    setl_id: str | None
    line: int | None
    theirs_fund_pay: int | None
    ours_fund_pay: int | None
    detail: str

    @property
    def kind_zh(self) -> str:
        return DIFF_ZH.get(self.kind, self.kind)


@dataclass(frozen=True)
class StatementView:
    stmt_no: str
    region: str
    fixmedins_code: str
    stmt_begndate: dt.date
    stmt_enddate: dt.date
    theirs_setl_cnt: int | None
    theirs_medfee_sumamt: int | None
    theirs_fund_pay_sumamt: int | None
    ours_setl_cnt: int
    ours_medfee_sumamt: int
    ours_fund_pay_sumamt: int
    detail_lines: int
    stmt_rslt: str
    stmt_rslt_dscr: str
    status: str
    submitted_by: str
    submitted_at: dt.datetime
    decided_by: str | None
    decision_note: str | None
    batch_no: str | None
    by_county: dict[str, int]
    differences_count: int
    differences: list[DifferenceView] = field(default_factory=list)

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)


@dataclass(frozen=True)
class BatchLineView:
    fixmedins_code: str
    account_name: str
    bank_name: str
    account_no_masked: str
    amount: int
    stmt_nos: list[str]


@dataclass(frozen=True)
class BatchView:
    batch_no: str
    region: str
    status: str
    count: int
    total: int
    created_by: str
    created_at: dt.datetime
    exported_at: dt.datetime | None
    export_sha256: str | None
    confirmed_by: str | None
    paid_on: dt.date | None
    bank_reference: str | None
    lines: list[BatchLineView] = field(default_factory=list)

    @property
    def status_zh(self) -> str:
        return STATUS_ZH.get(self.status, self.status)


@dataclass(frozen=True)
class AccountView:
    fixmedins_code: str
    fixmedins_name: str
    account_name: str
    bank_name: str
    account_no_masked: str
    registered_by: str
    registered_at: dt.datetime


def statement_view(s: Session, st: ClearingStatement, *, differences: bool = True) -> StatementView:
    batch_no = None
    if st.payment_batch_id is not None:
        batch_no = s.scalar(
            select(HospitalPaymentBatch.batch_no).where(
                HospitalPaymentBatch.id == st.payment_batch_id
            )
        )
    n = s.scalar(
        select(func.count()).select_from(ClearingDifference).where(ClearingDifference.statement_id == st.id)
    ) or 0  # fmt: skip
    diffs = []
    if differences:
        diffs = [
            DifferenceView(d.kind, d.setl_id, d.line, d.theirs_fund_pay, d.ours_fund_pay, d.detail)
            for d in s.scalars(
                select(ClearingDifference)
                .where(ClearingDifference.statement_id == st.id)
                .order_by(ClearingDifference.id)
            )
        ]
    return StatementView(
        st.stmt_no, st.region, st.fixmedins_code, st.stmt_begndate, st.stmt_enddate,
        st.theirs_setl_cnt, st.theirs_medfee_sumamt, st.theirs_fund_pay_sumamt,
        st.ours_setl_cnt, st.ours_medfee_sumamt, st.ours_fund_pay_sumamt, st.detail_lines,
        st.stmt_rslt, st.stmt_rslt_dscr, st.status, st.submitted_by, st.submitted_at,
        st.decided_by, st.decision_note, batch_no,
        {k: int(v) for k, v in (st.by_county or {}).items()}, int(n), diffs,
    )  # fmt: skip


def get_statement(
    uow: UnitOfWork, stmt_no: str, *, institution: str | None = None
) -> StatementView:
    """One statement with every difference; a hospital (``institution``) only its own."""
    with uow.read() as s:
        st = s.scalar(select(ClearingStatement).where(ClearingStatement.stmt_no == stmt_no))
        if st is None or (institution is not None and st.fixmedins_code != institution):
            raise NotFound(f"没有对账单 {stmt_no}", field="stmt_no")
        return statement_view(s, st)


def list_statements(
    uow: UnitOfWork,
    *,
    institution: str | None = None,
    status: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[StatementView]:
    with uow.read() as s:
        q = select(ClearingStatement).order_by(ClearingStatement.id.desc())
        if institution is not None:
            q = q.where(ClearingStatement.fixmedins_code == institution)
        if status:
            q = q.where(ClearingStatement.status == status)
        return [
            statement_view(s, st, differences=False)
            for st in s.scalars(q.limit(limit).offset(offset))
        ]


def _batch_view(s: Session, b: HospitalPaymentBatch) -> BatchView:
    sts = list(
        s.scalars(
            select(ClearingStatement)
            .where(ClearingStatement.payment_batch_id == b.id)
            .order_by(ClearingStatement.fixmedins_code, ClearingStatement.id)
        )
    )
    accounts = {
        a.fixmedins_code: a
        for a in s.scalars(
            select(HospitalAccount).where(
                HospitalAccount.fixmedins_code.in_({st.fixmedins_code for st in sts})
            )
        )
    }
    lines: dict[str, BatchLineView] = {}
    for st in sts:
        a = accounts.get(st.fixmedins_code)
        cur = lines.get(st.fixmedins_code)
        if cur is None:
            cur = BatchLineView(st.fixmedins_code, a.account_name if a else "", a.bank_name if a else "",
                                mask_account_no(a.account_no) if a else "", 0, [])  # fmt: skip
        lines[st.fixmedins_code] = BatchLineView(
            cur.fixmedins_code, cur.account_name, cur.bank_name, cur.account_no_masked,
            cur.amount + st.ours_fund_pay_sumamt, [*cur.stmt_nos, st.stmt_no],
        )  # fmt: skip
    return BatchView(
        b.batch_no, b.region, b.status, b.count, b.total, b.created_by, b.created_at,
        b.exported_at, b.export_sha256, b.confirmed_by, b.paid_on, b.bank_reference,
        list(lines.values()),
    )  # fmt: skip


def get_batch(uow: UnitOfWork, batch_no: str) -> BatchView:
    with uow.read() as s:
        b = s.scalar(select(HospitalPaymentBatch).where(HospitalPaymentBatch.batch_no == batch_no))
        if b is None:
            raise NotFound(f"没有拨付批次 {batch_no}", field="batch_no")
        return _batch_view(s, b)


def list_batches(uow: UnitOfWork, *, limit: int = 100, offset: int = 0) -> list[BatchView]:
    with uow.read() as s:
        q = select(HospitalPaymentBatch).order_by(HospitalPaymentBatch.id.desc())
        return [_batch_view(s, b) for b in s.scalars(q.limit(limit).offset(offset))]


def list_accounts(uow: UnitOfWork) -> list[AccountView]:
    with uow.read() as s:
        return [
            AccountView(a.fixmedins_code, a.fixmedins_name, a.account_name, a.bank_name,
                        mask_account_no(a.account_no), a.registered_by, a.registered_at)
            for a in s.scalars(select(HospitalAccount).order_by(HospitalAccount.fixmedins_code))
        ]  # fmt: skip
