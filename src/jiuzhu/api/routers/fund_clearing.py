"""The fund over HTTP: hospital statements (hospitals with their key, only their own;
宁医保发〔2023〕102号 第三十条), approval and payment batches (staff 财务), the trial balance
and the hospitals' payables (calc-contract §12 figures)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import Response
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import format_fen
from jiuzhu.services.access.login import HOSPITAL
from jiuzhu.services.fund import queries as books
from jiuzhu.services.fund.clearing import apply, parse, queries
from jiuzhu.wire import fund as shown


def region_of(request: Request) -> str:
    """The region the service runs for (``jiuzhu serve --region``)."""
    return str(request.app.state.policy.region)


router = APIRouter(prefix="/api/v1/fund", tags=["基金 fund"], responses=ERROR_RESPONSES)
READERS = ("finance", "auditor")
FINANCE = ("finance",)
Amount = str | int


class DetailLineIn(BaseModel):
    setl_id: str = Field(..., max_length=60)
    medfee_sumamt: Amount = "0"
    fund_pay_sumamt: Amount
    refd_setl_flag: str | int = "0"


class StatementBody(BaseModel):
    """3201 对总账 (``fixmedins_setl_cnt``, ``medfee_sumamt``, ``fund_pay_sumamt``) and/or
    3202 对明细账 (``details``) of the period."""

    fixmedins_code: str | None = Field(
        None, max_length=40, description="staff only; a hospital's key names its own"
    )
    stmt_begndate: str = Field(..., max_length=10)
    stmt_enddate: str = Field(..., max_length=10)
    fixmedins_setl_cnt: int | None = Field(None, ge=0, le=100_000_000)
    medfee_sumamt: Amount | None = None
    fund_pay_sumamt: Amount | None = None
    details: list[DetailLineIn] | None = Field(None, max_length=20_000)


class NoteIn(BaseModel):
    note: str | None = Field(None, max_length=500)


class ReasonIn(BaseModel):
    reason: str = Field(..., max_length=500)


class AccountIn(BaseModel):
    fixmedins_name: str = Field("", max_length=200)
    account_name: str = Field(..., max_length=200)
    bank_name: str = Field(..., max_length=200)
    account_no: str = Field(..., max_length=40)


class BatchIn(BaseModel):
    stmt_nos: list[str] | None = Field(None, max_length=1000)


class ConfirmIn(BaseModel):
    bank_reference: str | None = Field(None, max_length=100)
    paid_on: str | None = Field(None, max_length=10)


def _own(p: Principal) -> str | None:
    return p.institution if p.kind == "institution" else None


@router.post("/statements")
def submit(
    body: StatementBody, uow: UnitOfWork = Depends(get_uow), region: str = Depends(region_of),
    p: Principal = Depends(require(HOSPITAL, *FINANCE)),
) -> dict[str, Any]:  # fmt: skip
    """对账: the statement is compared at once; the answer has ``stmt_rslt`` and every difference."""
    detail = None
    if body.details is not None:
        detail = parse.detail_from_json([d.model_dump() for d in body.details])
    return _submit(body, detail, uow, region, p)


def _submit(
    body: StatementBody, detail: tuple[Any, ...] | None, uow: UnitOfWork, region: str, p: Principal
) -> dict[str, Any]:
    code = _own(p)
    if code is not None:
        if body.fixmedins_code and body.fixmedins_code != code:
            raise InputError(f"fixmedins_code {body.fixmedins_code} is not this key's institution",
                             column="fixmedins_code")  # fmt: skip
    else:
        code = (body.fixmedins_code or "").strip()
        if not code:
            raise InputError("fixmedins_code is required", column="fixmedins_code")
    totals = None
    if (
        body.fixmedins_setl_cnt is not None
        or body.medfee_sumamt is not None
        or body.fund_pay_sumamt is not None
    ):
        if (
            body.fixmedins_setl_cnt is None
            or body.medfee_sumamt is None
            or body.fund_pay_sumamt is None
        ):
            raise InputError("3201 needs fixmedins_setl_cnt, medfee_sumamt and fund_pay_sumamt together",
                             column="fixmedins_setl_cnt")  # fmt: skip
        totals = parse.totals_from(
            body.fixmedins_setl_cnt, body.medfee_sumamt, body.fund_pay_sumamt
        )
    st = parse.StatementIn(code, parse.day(body.stmt_begndate, "stmt_begndate"),
                           parse.day(body.stmt_enddate, "stmt_enddate"), totals, detail)  # fmt: skip
    return shown.statement_json(apply.submit(uow, region, st, actor=p.actor))


@router.post("/statements:upload")
async def upload(
    stmt_begndate: str = Form(..., max_length=10),
    stmt_enddate: str = Form(..., max_length=10),
    file: UploadFile = File(
        ..., description="3202 CSV/XLSX: setl_id,medfee_sumamt,fund_pay_sumamt[,refd_setl_flag]"
    ),
    fixmedins_code: str | None = Form(None, max_length=40),
    fixmedins_setl_cnt: int | None = Form(None, ge=0, le=100_000_000),
    medfee_sumamt: str | None = Form(None, max_length=20),
    fund_pay_sumamt: str | None = Form(None, max_length=20),
    uow: UnitOfWork = Depends(get_uow),
    region: str = Depends(region_of),
    p: Principal = Depends(require(HOSPITAL, *FINANCE)),
) -> dict[str, Any]:
    """The same statement with its 3202 detail as a file (large lists; the body limit
    ``JIUZHU_MAX_BODY_BYTES`` applies); errors name the file, line and column."""
    body = StatementBody(
        fixmedins_code=fixmedins_code, stmt_begndate=stmt_begndate, stmt_enddate=stmt_enddate,
        fixmedins_setl_cnt=fixmedins_setl_cnt, medfee_sumamt=medfee_sumamt,
        fund_pay_sumamt=fund_pay_sumamt, details=None,
    )  # fmt: skip
    detail = parse.detail_from_file(file.filename or "detail.csv", await file.read())
    return _submit(body, detail, uow, region, p)


@router.get("/statements")
def statements(
    status: str | None = Query(None, max_length=20),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(HOSPITAL, *READERS)),
) -> dict[str, Any]:
    rows = queries.list_statements(
        uow, institution=_own(p), status=status, limit=limit, offset=offset
    )
    return {
        "items": [shown.statement_json(v, with_differences=False) for v in rows],
        "limit": limit,
        "offset": offset,
    }


@router.get("/statements/{stmt_no}")
def statement(
    stmt_no: str,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(HOSPITAL, *READERS)),
) -> dict[str, Any]:
    return shown.statement_json(queries.get_statement(uow, stmt_no, institution=_own(p)))


@router.post("/statements/{stmt_no}:approve")
def approve(
    stmt_no: str, body: NoteIn, uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:  # fmt: skip
    return shown.statement_json(apply.approve(uow, stmt_no, actor=p.actor, note=body.note))


@router.post("/statements/{stmt_no}:reject")
def reject(
    stmt_no: str, body: ReasonIn, uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:  # fmt: skip
    return shown.statement_json(apply.reject(uow, stmt_no, actor=p.actor, reason=body.reason))


@router.get("/hospital-accounts")
def accounts(
    uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))
) -> list[dict[str, Any]]:
    return [shown.account_json(a) for a in queries.list_accounts(uow)]


@router.put("/hospital-accounts/{fixmedins_code}")
def set_account(
    fixmedins_code: str, body: AccountIn, uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, str]:  # fmt: skip
    apply.set_account(uow, fixmedins_code, name=body.fixmedins_name, account_name=body.account_name,
                      bank_name=body.bank_name, account_no=body.account_no, actor=p.actor)  # fmt: skip
    return {"fixmedins_code": fixmedins_code, "status": "registered"}


@router.post("/hospital-batches")
def create_batch(
    body: BatchIn,
    uow: UnitOfWork = Depends(get_uow),
    region: str = Depends(region_of),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:
    return shown.batch_json(apply.create_batch(uow, region, actor=p.actor, stmt_nos=body.stmt_nos))


@router.get("/hospital-batches")
def batches(
    uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))
) -> list[dict[str, Any]]:
    return [shown.batch_json(b) for b in queries.list_batches(uow)]


@router.get("/hospital-batches/{batch_no}")
def batch(
    batch_no: str, uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))
) -> dict[str, Any]:
    return shown.batch_json(queries.get_batch(uow, batch_no))


@router.get(
    "/hospital-batches/{batch_no}/bank-file",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the bank's file (CSV)"}},
)
def bank_file(
    batch_no: str, uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*FINANCE))
) -> Response:
    data = apply.export_batch(uow, batch_no, actor=p.actor)
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{batch_no}.csv"'})  # fmt: skip


@router.post("/hospital-batches/{batch_no}:confirm")
def confirm(
    batch_no: str, body: ConfirmIn, uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:  # fmt: skip
    day = parse.day(body.paid_on, "paid_on") if body.paid_on else None
    return shown.batch_json(
        apply.confirm_batch(
            uow, batch_no, actor=p.actor, bank_reference=body.bank_reference, day=day
        )
    )


def _as_of(text: str | None) -> dt.date:
    return parse.day(text, "as_of") if text else dt.date.today()


@router.get("/trial-balance")
def trial_balance(
    as_of: str | None = Query(None, max_length=10), county: str | None = Query(None, max_length=6),
    uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:  # fmt: skip
    """试算平衡表 (calc-contract §12 figures)."""
    rows = books.trial_balance(uow, _as_of(as_of), county=county)
    return {
        "as_of": _as_of(as_of).isoformat(),
        "rows": [{"account_code": r.account_code, "account_name": r.account_name,
                  "debit": format_fen(r.debit), "credit": format_fen(r.credit)} for r in rows],
        "debit": format_fen(sum(r.debit for r in rows)), "credit": format_fen(sum(r.credit for r in rows)),
    }  # fmt: skip


@router.get("/payables")
def payables(
    as_of: str | None = Query(None, max_length=10), uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:  # fmt: skip
    """应付定点医药机构 per hospital (calc-contract §12 figures) and receivables."""
    day = _as_of(as_of)
    return {
        "as_of": day.isoformat(),
        "payables": [{"fixmedins_code": x.fixmedins_code, "unpaid": format_fen(x.unpaid)}
                     for x in books.payables(uow, day)],
        "receivables": [{"fixmedins_code": x.fixmedins_code, "owed": format_fen(x.unpaid)}
                        for x in books.receivables(uow, day)],
    }  # fmt: skip
