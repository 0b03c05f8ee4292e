"""The steps of clearing, each one transaction, audited: a statement submitted (and
compared at once), approved or rejected by a case worker, gathered into a payment batch
(拨付), the bank's file, the bank's confirmation — which publishes :class:`Paid` through
the message bus, whose fund handler clears the payables (借 暂收款—应付定点医药机构 /
贷 支出户存款, per county). 宁医保发〔2023〕102号 第三十条; 双鸭山实施办法 第二十七条;
梅州规程 第十二条."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.clearing_tables import (
    ClearingDifference,
    ClearingStatement,
    HospitalAccount,
    HospitalPaymentBatch,
)
from jiuzhu.adapters.db.fund_tables import JournalLine
from jiuzhu.adapters.db.tables import ApiKey, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.clearing import (
    BATCH_FLOW,
    STATEMENT_FLOW,
    BatchStatus,
    StatementStatus,
    check_period,
    step,
)
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import Conflict, InputError, NotFound, WorkflowError
from jiuzhu.domain.events import Paid, PaidLine
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen
from jiuzhu.services import messagebus
from jiuzhu.services.fund.clearing.compare import compare
from jiuzhu.services.fund.clearing.parse import StatementIn
from jiuzhu.services.fund.clearing.queries import (
    BatchView,
    StatementView,
    _batch_view,
    mask_account_no,
    statement_view,
)
from jiuzhu.services.reimbursement.common import REGION_PREFIX, next_number

BANK_HEADERS = (
    "序号",
    "批次号",
    "定点医药机构编码",
    "收款户名",
    "开户银行",
    "银行账号",
    "金额（元）",
    "用途",
)


def _today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()


def _now() -> dt.datetime:
    return utcnow()


def _known_hospital(s: Session, code: str) -> bool:
    """A hospital is known by its API key (bound to its code) or by its settlements."""
    if s.execute(select(ApiKey.id).where(ApiKey.institution == code).limit(1)).first():
        return True
    return (
        s.execute(select(Settlement.setl_id).where(Settlement.institution == code).limit(1)).first()
        is not None
    )


def submit(
    uow: UnitOfWork, region: str, st: StatementIn, *, actor: str, today: dt.date | None = None
) -> StatementView:
    """对账: store the statement and its comparison with our settlements (once per period:
    a period overlapping a statement that is not rejected is refused)."""
    check_period(st.stmt_begndate, st.stmt_enddate, today or _today())
    if st.totals is None and st.detail is None:
        raise InputError(
            "a statement needs its totals (3201) or its detail (3202)", column="details"
        )
    with uow.begin() as s:
        if not _known_hospital(s, st.fixmedins_code):
            raise NotFound(
                f"未知的定点医药机构 {st.fixmedins_code} (unknown hospital)", field="fixmedins_code"
            )
        overlap = s.scalar(
            select(ClearingStatement.stmt_no)
            .where(
                ClearingStatement.fixmedins_code == st.fixmedins_code,
                ClearingStatement.status != StatementStatus.REJECTED,
                ClearingStatement.stmt_begndate <= st.stmt_enddate,
                ClearingStatement.stmt_enddate >= st.stmt_begndate,
            )
            .limit(1)
        )
        if overlap is not None:
            raise Conflict(
                f"{st.fixmedins_code} 的对账期间与对账单 {overlap} 重叠 (period already stated)",
                field="stmt_begndate",
            )
        c = compare(s, st)
        year = st.stmt_enddate.year
        stmt_no = f"{REGION_PREFIX.get(region, region.upper())}-DZ-{year}-{next_number(s, region, 'hstmt', year):06d}"
        t = st.totals
        row = ClearingStatement(
            stmt_no=stmt_no, region=region, fixmedins_code=st.fixmedins_code,
            stmt_begndate=st.stmt_begndate, stmt_enddate=st.stmt_enddate,
            has_totals=int(t is not None), has_detail=int(st.detail is not None),
            detail_lines=len(st.detail or ()),
            theirs_setl_cnt=t.setl_cnt if t else None,
            theirs_medfee_sumamt=t.medfee_sumamt if t else None,
            theirs_fund_pay_sumamt=t.fund_pay_sumamt if t else None,
            ours_setl_cnt=c.ours.setl_cnt, ours_medfee_sumamt=c.ours.medfee_sumamt,
            ours_fund_pay_sumamt=c.ours.fund_pay_sumamt, by_county=c.by_county,
            stmt_rslt=c.stmt_rslt, stmt_rslt_dscr=c.stmt_rslt_dscr[:500],
            status=StatementStatus.COMPARED, submitted_by=actor,
        )  # fmt: skip
        s.add(row)
        s.flush()
        if c.differences:
            s.execute(
                insert(ClearingDifference),
                [{"statement_id": row.id, "kind": str(d.kind), "setl_id": d.setl_id, "line": d.line,
                  "theirs_fund_pay": d.theirs_fund_pay, "ours_fund_pay": d.ours_fund_pay,
                  "detail": d.detail[:300]} for d in c.differences],
            )  # fmt: skip
        audit(s, actor, "submit", "clearing_statement", stmt_no, None,
              {"fixmedins_code": st.fixmedins_code, "period": f"{st.stmt_begndate}/{st.stmt_enddate}",
               "stmt_rslt": c.stmt_rslt, "differences": len(c.differences),
               "ours_fund_pay_sumamt": format_fen(c.ours.fund_pay_sumamt)})  # fmt: skip
        return statement_view(s, row)


def _statement(s: Session, stmt_no: str) -> ClearingStatement:
    st = s.scalar(
        select(ClearingStatement).where(ClearingStatement.stmt_no == stmt_no).with_for_update()
    )
    if st is None:
        raise NotFound(f"没有对账单 {stmt_no}", field="stmt_no")
    return st


def approve(uow: UnitOfWork, stmt_no: str, *, actor: str, note: str | None = None) -> StatementView:
    """审核: the statement is approved for payment of our figure. One that does not balance
    needs the case worker's note (how the differences were settled)."""
    with uow.begin() as s:
        st = _statement(s, stmt_no)
        to = step(STATEMENT_FLOW, st.status, StatementStatus.APPROVED, f"对账单 {stmt_no}")
        if st.stmt_rslt != "0" and not (note or "").strip():
            raise InputError("对账不平，审核须写明处理意见 (a note is required)", column="note")
        before = {"status": st.status}
        st.status, st.decided_by, st.decided_at = to, actor, _now()
        st.decision_note = (note or "").strip()[:500] or None
        audit(s, actor, "approve", "clearing_statement", stmt_no, before,
              {"status": to, "note": st.decision_note, "amount": format_fen(st.ours_fund_pay_sumamt)})  # fmt: skip
        return statement_view(s, st)


def reject(uow: UnitOfWork, stmt_no: str, *, actor: str, reason: str) -> StatementView:
    """退回: the hospital corrects and submits the period again."""
    if not reason.strip():
        raise InputError("退回须写明原因 (a reason is required)", column="reason")
    with uow.begin() as s:
        st = _statement(s, stmt_no)
        to = step(STATEMENT_FLOW, st.status, StatementStatus.REJECTED, f"对账单 {stmt_no}")
        before = {"status": st.status}
        st.status, st.decided_by, st.decided_at = to, actor, _now()
        st.decision_note = reason.strip()[:500]
        audit(
            s,
            actor,
            "reject",
            "clearing_statement",
            stmt_no,
            before,
            {"status": to, "reason": reason},
        )
        return statement_view(s, st)


def set_account(
    uow: UnitOfWork, code: str, *, name: str, account_name: str, bank_name: str, account_no: str,
    actor: str,
) -> None:  # fmt: skip
    """Register (or change) the bank account a hospital is paid to; audited, masked."""
    for f, v in (
        ("fixmedins_code", code),
        ("account_name", account_name),
        ("bank_name", bank_name),
    ):
        if not v.strip():
            raise InputError(f"{f} is required", column=f)
    if len(code) > 40 or len(name) > 200 or len(account_name) > 200 or len(bank_name) > 200:
        raise InputError("fixmedins_code ≤ 40, names ≤ 200 characters", column="fixmedins_code")
    no = account_no.replace(" ", "")
    if not (8 <= len(no) <= 40 and no.isdigit()):
        raise InputError("银行账号须为 8–40 位数字 (account_no)", column="account_no")
    with uow.begin() as s:
        a = s.get(HospitalAccount, code)
        before = (
            None
            if a is None
            else {"bank_name": a.bank_name, "account_no": mask_account_no(a.account_no)}
        )
        if a is None:
            a = HospitalAccount(fixmedins_code=code)
            s.add(a)
        a.fixmedins_name, a.account_name, a.bank_name, a.account_no = (
            name.strip() or code,
            account_name.strip(),
            bank_name.strip(),
            no,
        )
        a.registered_by, a.registered_at = actor, _now()
        audit(s, actor, "set_account", "hospital_account", code, before,
              {"bank_name": a.bank_name, "account_no": mask_account_no(no)})  # fmt: skip


def hospital_balance(s: Session, region: str, code: str) -> int:
    """What the books owe ``code`` now: the credit balance of 应付定点医药机构."""
    q = select(func.coalesce(func.sum(JournalLine.credit - JournalLine.debit), 0)).where(
        JournalLine.region == region,
        JournalLine.account == chart(region).code("payable_hospital"),
        JournalLine.party == code,
    )
    return int(s.scalar(q) or 0)


def create_batch(
    uow: UnitOfWork, region: str, *, actor: str, stmt_nos: list[str] | None = None,
    today: dt.date | None = None,
) -> BatchView:  # fmt: skip
    """拨付批次 of approved statements (all, or those listed). Each hospital needs its
    registered account, and is paid no more than the books owe it (claw-backs first)."""
    with uow.begin() as s:
        q = (
            select(ClearingStatement)
            .where(
                ClearingStatement.region == region,
                ClearingStatement.status == StatementStatus.APPROVED,
            )
            .order_by(ClearingStatement.id)
            .with_for_update()
        )
        if stmt_nos:
            q = q.where(ClearingStatement.stmt_no.in_(stmt_nos))
        sts = list(s.scalars(q))
        if stmt_nos:
            missing = sorted(set(stmt_nos) - {st.stmt_no for st in sts})
            if missing:
                raise WorkflowError(
                    f"以下对账单不是已审核待拨付：{'、'.join(missing)}", field="stmt_nos"
                )
        sts = [st for st in sts if st.ours_fund_pay_sumamt > 0]
        if not sts:
            raise WorkflowError("没有已审核待拨付的对账单", field="stmt_nos")
        per: dict[str, int] = {}
        for st in sts:
            per[st.fixmedins_code] = per.get(st.fixmedins_code, 0) + st.ours_fund_pay_sumamt
        for code, amount in per.items():
            if s.get(HospitalAccount, code) is None:
                raise WorkflowError(
                    f"{code} 未登记收款账户 (no bank account registered)", field="fixmedins_code"
                )
            owed = hospital_balance(s, region, code)
            if amount > owed:
                raise WorkflowError(
                    f"{code} 本批应拨 {format_fen(amount)} 超过账面应付 {format_fen(owed)}（先抵扣追回款）",
                    field="stmt_nos",
                )
        year = (today or _today()).year
        batch_no = f"{REGION_PREFIX.get(region, region.upper())}-YB-{year}-{next_number(s, region, 'hbatch', year):04d}"
        b = HospitalPaymentBatch(batch_no=batch_no, region=region, status=BatchStatus.CREATED,
                                 count=len(per), total=sum(per.values()), created_by=actor)  # fmt: skip
        s.add(b)
        s.flush()
        for st in sts:
            st.status = step(
                STATEMENT_FLOW, st.status, StatementStatus.BATCHED, f"对账单 {st.stmt_no}"
            )
            st.payment_batch_id = b.id
        audit(s, actor, "create", "hospital_payment_batch", batch_no, None,
              {"statements": [st.stmt_no for st in sts], "total": format_fen(b.total)})  # fmt: skip
        return _batch_view(s, b)


def _batch(s: Session, batch_no: str) -> HospitalPaymentBatch:
    b = s.scalar(
        select(HospitalPaymentBatch)
        .where(HospitalPaymentBatch.batch_no == batch_no)
        .with_for_update()
    )
    if b is None:
        raise NotFound(f"没有拨付批次 {batch_no}", field="batch_no")
    return b


def export_batch(uow: UnitOfWork, batch_no: str, *, actor: str) -> bytes:
    """The bank's file (CSV, UTF-8 with BOM, full account numbers); audited with its SHA-256."""
    with uow.begin() as s:
        b = _batch(s, batch_no)
        # a paid batch's file may be drawn again (for the records); it stays paid
        to = (
            b.status
            if b.status == BatchStatus.PAID
            else step(BATCH_FLOW, b.status, BatchStatus.EXPORTED, f"拨付批次 {batch_no}")
        )
        view = _batch_view(s, b)
        accounts = {a.fixmedins_code: a for a in s.scalars(select(HospitalAccount))}
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(BANK_HEADERS)
        for i, ln in enumerate(view.lines, 1):
            a = accounts[ln.fixmedins_code]
            w.writerow([i, batch_no, ln.fixmedins_code, a.account_name, a.bank_name, a.account_no,
                        format_fen(ln.amount), f"医疗救助垫付资金拨付 {'、'.join(ln.stmt_nos)}"])  # fmt: skip
        data = buf.getvalue().encode("utf-8-sig")
        digest = hashlib.sha256(data).hexdigest()
        b.status, b.exported_at, b.export_sha256 = to, _now(), digest
        audit(s, actor, "export", "hospital_payment_batch", batch_no, None,
              {"rows": len(view.lines), "total": format_fen(b.total), "sha256": digest})  # fmt: skip
        return data


def confirm_batch(
    uow: UnitOfWork, batch_no: str, *, actor: str, bank_reference: str | None = None,
    day: dt.date | None = None,
) -> BatchView:  # fmt: skip
    """The bank paid: the batch and its statements become paid, and :class:`Paid` (one line
    per hospital and county) clears the payables in the same transaction."""
    with uow.begin() as s:
        b = _batch(s, batch_no)
        if b.status == BatchStatus.CREATED:
            raise WorkflowError(f"批次 {batch_no} 尚未导出银行文件，不能确认拨付", field="batch_no")
        to = step(BATCH_FLOW, b.status, BatchStatus.PAID, f"拨付批次 {batch_no}")
        paid_on = day or _today()
        sts = list(s.scalars(select(ClearingStatement).where(ClearingStatement.payment_batch_id == b.id)
                             .order_by(ClearingStatement.id)))  # fmt: skip
        lines: list[PaidLine] = []
        for st in sts:
            st.status = step(
                STATEMENT_FLOW, st.status, StatementStatus.PAID, f"对账单 {st.stmt_no}"
            )
            for county, amount in sorted((st.by_county or {}).items()):
                if int(amount):
                    lines.append(
                        PaidLine(
                            "hospital", st.fixmedins_code, int(amount), county or None, st.stmt_no
                        )
                    )
        b.status, b.confirmed_by, b.confirmed_at, b.paid_on = to, actor, _now(), paid_on
        b.bank_reference = (bank_reference or "").strip()[:100] or None
        messagebus.publish(s, Paid(batch_no, b.region, paid_on, tuple(lines)))
        audit(s, actor, "confirm_paid", "hospital_payment_batch", batch_no, {"status": "exported"},
              {"status": to, "paid_on": paid_on.isoformat(), "bank_reference": b.bank_reference,
               "total": format_fen(b.total)})  # fmt: skip
        return _batch_view(s, b)
