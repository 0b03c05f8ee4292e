"""核查 checks: run rules, list findings, move them through their workflow, claw back.

梅州规程 第二十–二十三条; 新疆规程 第二十三–二十四条.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, UploadFile
from fastapi import Path as PathParam
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES
from jiuzhu.services.checks.deaths import import_deaths
from jiuzhu.services.checks.insured import import_insured
from jiuzhu.services.checks.rules import RULES, Options
from jiuzhu.services.checks.run import run_checks
from jiuzhu.wire import checks as shown

IdInt = Annotated[int, PathParam(ge=1, le=2_147_483_647)]

router = APIRouter(prefix="/api/v1/checks", tags=["核查 checks"], responses=ERROR_RESPONSES)
READERS = ("checks", "auditor")
WRITERS = ("checks",)


class RunIn(BaseModel):
    rules: list[str] | None = None
    year: int | None = Field(None, ge=1900, le=2200)
    readmission_days: int | None = Field(None, ge=0, le=365)
    outlier_factor: int | None = Field(None, ge=1, le=1000)
    payable_days: int | None = Field(None, ge=1, le=3650)
    recon_days: int | None = Field(None, ge=1, le=3650)


class StepIn(BaseModel):
    action: str = Field(description="assign | investigate | resolve | clawback")
    assignee: str | None = Field(None, max_length=80)
    how: str | None = Field(None, description="for resolve: corrected | transferred | dismissed")
    note: str | None = Field(None, max_length=1000)


@router.get("/rules")
def rules(p: Principal = Depends(require(*READERS))) -> list[dict[str, Any]]:
    return [{"name": r.name, "category": r.category, "article": r.article, "title": r.title, "needs": r.needs}
            for r in RULES.values()]  # fmt: skip


@router.post("/runs")
def run(
    body: RunIn, uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*WRITERS))
) -> dict[str, Any]:
    o = Options(year=body.year or dt.date.today().year, readmission_days=body.readmission_days,
                outlier_factor=body.outlier_factor, payable_days=body.payable_days,
                recon_days=body.recon_days)  # fmt: skip
    r = run_checks(uow, actor=p.actor, rules=body.rules, options=o)
    return {"run": r.run_id, "found": r.found, "skipped": r.skipped}


@router.get("/findings")
def findings(
    status: str | None = Query(None),
    rule: str | None = Query(None, max_length=40),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    items = shown.list_findings(uow, status=status, rule=rule, limit=limit, offset=offset)
    return {"items": [f.as_dict() for f in items], "limit": limit, "offset": offset}


@router.post("/findings/{finding_id}:step")
def step(
    finding_id: IdInt,
    body: StepIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*WRITERS)),
) -> dict[str, Any]:
    from jiuzhu.domain.errors import InputError

    if body.action == "assign":
        if not body.assignee:
            raise InputError("assignee is required", column="assignee")
        f = shown.assign(uow, finding_id, body.assignee, actor=p.actor)
    elif body.action == "investigate":
        f = shown.investigate(uow, finding_id, actor=p.actor, note=body.note)
    elif body.action == "resolve":
        f = shown.resolve(uow, finding_id, body.how or "", actor=p.actor, note=body.note or "")
    elif body.action == "clawback":
        f = shown.claw_back(uow, finding_id, actor=p.actor, note=body.note or "追回")
    else:
        raise InputError("action must be assign, investigate, resolve or clawback", column="action")
    return f.as_dict()


@router.post("/deaths")
async def deaths(
    source: str = Form(...),
    file: UploadFile = File(...),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*WRITERS)),
) -> dict[str, Any]:
    r = import_deaths(uow, file.filename or "deaths", await file.read(), source, actor=p.actor)
    return {"rows": r.rows, "added": r.added, "matched": r.matched}


@router.post("/insured")
async def insured(
    source: str = Form(...),
    file: UploadFile = File(...),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*WRITERS)),
) -> dict[str, Any]:
    """An enrolment list of other pooling areas (重复参保, 梅州规程 第二十条（二）)."""
    r = import_insured(uow, file.filename or "insured", await file.read(), source, actor=p.actor)
    return {"rows": r.rows, "matched": r.matched}
