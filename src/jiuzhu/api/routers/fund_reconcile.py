"""Reconciliation over HTTP (宁医保发〔2023〕102号 第二十八条; 新疆规程 第二十条): bank statements
and finance's figures uploaded (atomic), runs, differences and their resolution (财务)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES
from jiuzhu.services.fund.clearing.parse import day
from jiuzhu.services.fund.reconcile import apply, queries
from jiuzhu.wire import fund as shown


def region_of(request: Request) -> str:
    """The region the service runs for (``jiuzhu serve --region``)."""
    return str(request.app.state.policy.region)


router = APIRouter(prefix="/api/v1/fund/reconcile", tags=["基金 fund"], responses=ERROR_RESPONSES)
READERS = ("finance", "auditor")
FINANCE = ("finance",)
IdInt = Annotated[int, PathParam(ge=1, le=2_147_483_647)]


class RunIn(BaseModel):
    account: str = Field(..., max_length=20)
    county: str | None = Field(None, max_length=6)
    begin: str = Field(..., alias="from", max_length=10)
    end: str = Field(..., alias="to", max_length=10)


class ReasonIn(BaseModel):
    reason: str = Field(..., max_length=500)


@router.post("/bank-statements")
async def import_bank(
    account: str = Form(..., max_length=20), county: str | None = Form(None, max_length=6),
    file: UploadFile = File(...), uow: UnitOfWork = Depends(get_uow), region: str = Depends(region_of),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:  # fmt: skip
    r = apply.import_bank(uow, region, file.filename or "bank.csv", await file.read(),
                          account=account, county=county, actor=p.actor)  # fmt: skip
    return {"import_id": r.import_id, "rows": r.rows}


@router.post("/finance-figures")
async def import_finance(
    file: UploadFile = File(...), uow: UnitOfWork = Depends(get_uow), region: str = Depends(region_of),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:  # fmt: skip
    r = apply.import_finance(uow, region, file.filename or "finance.csv", await file.read(),
                             actor=p.actor)  # fmt: skip
    return {"import_id": r.import_id, "rows": r.rows}


@router.post("/runs")
def run(
    body: RunIn,
    uow: UnitOfWork = Depends(get_uow),
    region: str = Depends(region_of),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:
    r = apply.run(uow, region, account=body.account, county=body.county,
                  begin=day(body.begin, "from"), end=day(body.end, "to"), actor=p.actor)  # fmt: skip
    return {"account": r.account, "county": r.county or None, "matched": r.matched, "found": r.found,
            "new": r.new, "closed": r.closed}  # fmt: skip


@router.get("/differences")
def differences(
    status: str = Query("open", pattern="^(open|resolved|all)$"),
    account: str | None = Query(None, max_length=20),
    limit: int = Query(200, ge=1, le=1000), offset: int = Query(0, ge=0, le=10_000_000),
    uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:  # fmt: skip
    rows = queries.list_differences(uow, status=None if status == "all" else status, account=account,
                                    limit=limit, offset=offset)  # fmt: skip
    return {"items": [shown.recon_difference_json(d) for d in rows], "limit": limit,
            "offset": offset}  # fmt: skip


@router.post("/differences/{diff_id}:resolve")
def resolve(
    diff_id: IdInt, body: ReasonIn, uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*FINANCE)),
) -> dict[str, Any]:  # fmt: skip
    apply.resolve(uow, diff_id, reason=body.reason, actor=p.actor)
    return {"id": diff_id, "status": "resolved"}
