"""零星报销 拨付批次: approved applications grouped into a payment batch, the bank's file
(full account numbers, audited with its SHA-256), the bank's confirmation
(宁医保发〔2023〕102号 第二十三条 核准并发放到位)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.web.menu import add_menu
from jiuzhu.web.pages.reimbursements import staff_of
from jiuzhu.web.render import page
from jiuzhu.web.security import WebUser, need, uow_of
from jiuzhu.wire import reimbursement as rb

router = APIRouter(prefix="/reimbursement-batches")
READERS = ("finance", "auditor")
FINANCE = ("finance",)
add_menu("reimb.batches", "拨付批次", "/reimbursement-batches", READERS, "reimbursement", 40)


def _list(request: Request, user: WebUser, **extra: Any) -> Response:
    uow = uow_of(request)
    region = request.app.state.region
    approved = rb.list_applications(uow, region=region, status="approved", limit=100000)
    approved = [a for a in approved if not a["payment_batch"]]
    return page(
        request,
        "reimbursements/batches.html",
        {
            "title": "拨付批次",
            "breadcrumbs": [("零星报销", None), ("拨付批次", None)],
            "batches": rb.list_batches(uow, region),
            "approved": approved,
            "can_pay": user.can(*FINANCE),
            "problems": [],
            **extra,
        },
    )


@router.get("")
def batches(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    return _list(request, user)


@router.post("")
def create(
    request: Request, app_nos: list[str] = Form(default=[]), user: WebUser = Depends(need(*FINANCE))
) -> Response:
    try:
        if not app_nos:
            raise InputError("请至少勾选一笔已审批的申请", column="app_nos")
        b = rb.create_batch(
            uow_of(request), request.app.state.region, staff=staff_of(user), app_nos=app_nos
        )
    except JiuzhuError as exc:
        return _list(request, user, problems=[exc.message])
    return RedirectResponse(f"/reimbursement-batches/{b['batch_no']}", status_code=303)


def _one(request: Request, batch_no: str, user: WebUser, **extra: Any) -> Response:
    b = rb.get_batch(uow_of(request), batch_no)
    return page(
        request,
        "reimbursements/batch.html",
        {
            "title": f"拨付批次 {batch_no}",
            "breadcrumbs": [
                ("零星报销", None),
                ("拨付批次", "/reimbursement-batches"),
                (batch_no, None),
            ],
            "b": b,
            "can_pay": user.can(*FINANCE),
            "problems": [],
            **extra,
        },
    )


@router.get("/{batch_no}")
def batch(request: Request, batch_no: str, user: WebUser = Depends(need(*READERS))) -> Response:
    return _one(request, batch_no, user)


@router.get("/{batch_no}/export.{fmt}")
def export(
    request: Request, batch_no: str, fmt: str, user: WebUser = Depends(need(*FINANCE))
) -> Response:
    if fmt not in ("csv", "xlsx"):
        raise InputError("格式只能是 csv 或 xlsx", column="fmt")
    data = rb.export_batch(uow_of(request), batch_no, fmt, staff=staff_of(user))
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{batch_no}.{fmt}"'},
    )


@router.post("/{batch_no}/confirm")
def confirm(
    request: Request,
    batch_no: str,
    bank_reference: str = Form(""),
    user: WebUser = Depends(need(*FINANCE)),
) -> Response:
    try:
        rb.confirm_batch(
            uow_of(request),
            batch_no,
            staff=staff_of(user),
            bank_reference=bank_reference.strip() or None,
        )
    except JiuzhuError as exc:
        return _one(request, batch_no, user, problems=[exc.message])
    return _one(request, batch_no, user, flash="已确认拨付到账")
