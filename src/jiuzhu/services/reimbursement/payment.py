"""Payment of approved amounts (资金拨付, 宁医保发〔2023〕102号 第二十条、第二十三条 发放到位).

Approved applications are grouped into a payment batch; the batch is exported as the
bank's file (``reports.bank_file``: CSV or XLSX, Chinese headers — the only place account
numbers and names appear in full); when the bank confirms, the batch and its applications are marked paid.
Each step is audited with masked data and the file's SHA-256.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.db.reimbursement_tables import ReimbApplication, ReimbPaymentBatch
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import InputError, NotFound, WorkflowError
from jiuzhu.domain.events import Paid, PaidLine
from jiuzhu.domain.pii import mask_name
from jiuzhu.domain.reimbursement_status import (
    BATCH_ZH,
    ApplicationStatus,
    BatchStatus,
    advance_application,
    advance_batch,
)
from jiuzhu.policy.money import format_fen
from jiuzhu.reports.bank_file import FORMATS, BankLine, bank_file
from jiuzhu.services import messagebus
from jiuzhu.services.reimbursement.common import (
    Staff,
    batch_number,
    dec,
    mask_account,
    next_number,
    now,
)
from jiuzhu.services.reimbursement.views import BatchItemView, BatchView


def create_batch(
    uow: UnitOfWork,
    region: str,
    *,
    staff: Staff,
    app_nos: list[str] | None = None,
    today: dt.date | None = None,
) -> BatchView:
    """Group approved, unpaid applications (all, or those listed) into a new batch."""
    staff.require("finance", "生成拨付批次")
    with uow.begin() as s:
        q = (
            select(ReimbApplication)
            .where(
                ReimbApplication.region == region,
                ReimbApplication.status == ApplicationStatus.APPROVED,
                ReimbApplication.payment_batch_id.is_(None),
            )
            .order_by(ReimbApplication.id)
            .with_for_update()
        )
        if app_nos:
            q = q.where(ReimbApplication.app_no.in_(app_nos))
        apps = list(s.scalars(q))
        if app_nos:
            found = {a.app_no for a in apps}
            missing = [n for n in app_nos if n not in found]
            if missing:
                raise WorkflowError(
                    f"以下申请不是待拨付状态或已在其他批次中：{'、'.join(missing)}",
                    field="app_nos",
                )
        if not apps:
            raise WorkflowError("没有待拨付的已审批申请", field="app_nos")
        year = (today or dt.date.today()).year
        batch = ReimbPaymentBatch(
            batch_no=batch_number(region, year, next_number(s, region, "batch", year)),
            region=region,
            status=BatchStatus.EXPORTED,
            count=len(apps),
            total=sum(a.approved_total or 0 for a in apps),
            created_by=staff.username,
        )
        s.add(batch)
        s.flush()
        for a in apps:
            a.payment_batch_id = batch.id
        s.flush()
        audit(
            s,
            staff.actor,
            "create",
            "reimb_payment_batch",
            batch.batch_no,
            None,
            {
                "apps": [a.app_no for a in apps],
                "count": batch.count,
                "total": format_fen(batch.total),
            },
        )
        return batch_view(s, batch)


def _batch(s: Any, batch_no: str, lock: bool = False) -> ReimbPaymentBatch:
    q = select(ReimbPaymentBatch).where(ReimbPaymentBatch.batch_no == batch_no)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    b = s.scalars(q).one_or_none()
    if b is None:
        raise NotFound(f"没有拨付批次 {batch_no}", field="batch_no")
    return b


def _apps(s: Any, b: ReimbPaymentBatch) -> list[ReimbApplication]:
    return list(
        s.scalars(
            select(ReimbApplication)
            .where(ReimbApplication.payment_batch_id == b.id)
            .order_by(ReimbApplication.id)
        )
    )


def batch_view(s: Any, b: ReimbPaymentBatch) -> BatchView:
    """The batch with masked rows (for lists and pages; the bank file is the export)."""
    return BatchView(
        batch_no=b.batch_no,
        region=b.region,
        status=b.status,
        status_zh=BATCH_ZH.get(BatchStatus(b.status), b.status),
        count=b.count,
        total=b.total,
        created_by=b.created_by,
        created_at=b.created_at,
        exported_at=b.exported_at,
        export_sha256=b.export_sha256,
        confirmed_by=b.confirmed_by,
        confirmed_at=b.confirmed_at,
        bank_reference=b.bank_reference,
        items=tuple(
            BatchItemView(
                app_no=a.app_no,
                psn_no=a.psn_no,
                account_name=mask_name(dec(a.account_name_enc)),
                bank_name=a.bank_name,
                account_no=mask_account(dec(a.account_no_enc)),
                amount=a.approved_total or 0,
                status=a.status,
            )
            for a in _apps(s, b)
        ),
    )


def get_batch(uow: UnitOfWork, batch_no: str) -> BatchView:
    with uow.read() as s:
        return batch_view(s, _batch(s, batch_no))


def list_batches(uow: UnitOfWork, region: str | None = None) -> list[BatchView]:
    with uow.read() as s:
        q = select(ReimbPaymentBatch).order_by(ReimbPaymentBatch.id.desc())
        if region:
            q = q.where(ReimbPaymentBatch.region == region)
        return [batch_view(s, b) for b in s.scalars(q)]


def export_batch(uow: UnitOfWork, batch_no: str, fmt: str, *, staff: Staff) -> bytes:
    """The bank's file (full account numbers and names). Audited with its SHA-256."""
    staff.require("finance", "导出拨付文件")
    if fmt not in FORMATS:
        raise InputError(f"format must be csv or xlsx, got {fmt!r}", column="format")
    with uow.begin() as s:
        b = _batch(s, batch_no, lock=True)
        lines = [
            BankLine(
                a.app_no,
                a.psn_no,
                dec(a.account_name_enc) or "",
                a.bank_name or "",
                dec(a.account_no_enc) or "",
                a.approved_total or 0,
            )
            for a in _apps(s, b)
        ]
        data = bank_file(fmt, lines, b.batch_no, b.count, b.total)
        digest = hashlib.sha256(data).hexdigest()
        b.exported_at = now()
        b.export_sha256 = digest
        audit(
            s,
            staff.actor,
            "export",
            "reimb_payment_batch",
            batch_no,
            None,
            {"format": fmt, "rows": len(lines), "total": format_fen(b.total), "sha256": digest},
        )
    return data


def confirm_batch(
    uow: UnitOfWork,
    batch_no: str,
    *,
    staff: Staff,
    bank_reference: str | None = None,
    today: dt.date | None = None,
) -> BatchView:
    """The bank confirmed the transfers: batch and applications become paid (once)."""
    staff.require("finance", "确认拨付")
    with uow.begin() as s:
        b = _batch(s, batch_no, lock=True)
        if b.status == BatchStatus.PAID:
            raise WorkflowError(f"批次 {batch_no} 已确认拨付", field="batch_no")
        if b.exported_at is None:
            raise WorkflowError(f"批次 {batch_no} 尚未导出银行文件，不能确认拨付", field="batch_no")
        at = now()
        b.status = advance_batch(b.status, BatchStatus.PAID, batch_no)
        b.confirmed_by = staff.username
        b.confirmed_at = at
        b.bank_reference = bank_reference
        apps = _apps(s, b)
        for a in apps:
            a.status = advance_application(a.status, ApplicationStatus.PAID, a.app_no)
            a.paid_at = at
        s.flush()
        counties = dict(
            s.execute(
                select(Person.psn_no, Person.county).where(
                    Person.psn_no.in_([a.psn_no for a in apps])
                )
            ).all()
        )
        messagebus.publish(
            s,
            Paid(
                batch_no,
                b.region,
                at.date(),
                tuple(
                    PaidLine(
                        "person", a.psn_no, a.approved_total or 0, counties.get(a.psn_no), a.app_no
                    )
                    for a in apps
                    if a.approved_total
                ),
            ),
        )
        audit(
            s,
            staff.actor,
            "confirm_paid",
            "reimb_payment_batch",
            batch_no,
            {"status": "exported"},
            {"status": "paid", "apps": [a.app_no for a in apps], "bank_reference": bank_reference},
        )
        for a in apps:
            audit(
                s,
                staff.actor,
                "paid",
                "reimb_application",
                a.app_no,
                {"status": "approved"},
                {"status": "paid", "batch": batch_no, "amount": format_fen(a.approved_total or 0)},
            )
        return batch_view(s, b)
