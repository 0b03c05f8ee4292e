"""零星报销 manual reimbursement over HTTP (staff, ``Authorization: Bearer``).

宁医保发〔2023〕102号 第二十至二十三条: intake with receipt or one-time notice, three-level
review, payment within 30 working days; the same services as ``jiuzhu reimburse``.
Personal data in every answer is masked; full account numbers only in the bank file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import Date
from jiuzhu.domain.errors import PermissionDenied
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.reports.pdf import render
from jiuzhu.wire import reimbursement as rb

router = APIRouter(tags=["零星报销 reimbursements"])

READERS = ("intake", "first_review", "second_review", "approval", "finance", "auditor")
REVIEWERS = ("first_review", "second_review", "approval")


class AgentIn(BaseModel):
    name: str | None = None
    certno: str | None = None
    relation: str | None = None


class ApplicationIn(BaseModel):
    """An application: the applicant, materials presented, bank account, claimed settlements."""

    model_config = ConfigDict(extra="forbid")
    psn_no: str
    received_on: Date | None = None
    materials: list[str] = []
    bank_name: str | None = None
    account_name: str | None = None
    account_no: str | None = None
    phone: str | None = None
    agent: AgentIn | None = None
    retro: bool = False
    remarks: str | None = None
    claims: list[dict[str, Any]] = Field(
        default_factory=list,
        description="settlement fields of the one-stop path: setl_id psn_no setl_time med_type "
        "begndate enddate inscp_scp_amt hifp_pay hifmi_pay [hifob_pay out_of_area referral "
        "emergency in_province]; amounts as strings",
    )


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["approve", "reject"]
    reason: str | None = None
    level: Literal["first_review", "second_review", "approval"] | None = None


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app_nos: list[str] | None = None


class ConfirmIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    bank_reference: str | None = None


def _policy(request: Request) -> RegionPolicy:
    return request.app.state.policy  # type: ignore[no-any-return]


def _staff(uow: UnitOfWork, p: Principal) -> rb.Staff:
    if p.kind != "staff":
        raise PermissionDenied("零星报销只能由经办机构工作人员办理 (staff only)")
    return rb.staff_from_db(uow, p.name)


@router.get("/api/v1/reimbursements/rules")
def get_rules(request: Request, p: Principal = Depends(require(*READERS))) -> dict[str, Any]:
    """The region's review levels, deadline and materials in force today."""
    return rb.rules_for(_policy(request), dt.date.today()).as_json()


@router.post("/api/v1/reimbursements", status_code=201)
def post_application(
    body: ApplicationIn,
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("intake")),
) -> dict[str, Any]:
    """受理: accepted (status in_review, receipt number, deadline) or returned with the
    one-time notice in ``problems`` (every reason at once)."""
    raw = body.model_dump(mode="json", exclude_none=True)
    return rb.intake(uow, _policy(request), raw, staff=_staff(uow, p))


@router.get("/api/v1/reimbursements")
def list_applications(
    request: Request,
    status: str | None = None,
    overdue: bool = False,
    due_within: int | None = Query(None, ge=0, description="deadline within N working days"),
    reviewer: str | None = None,
    awaiting: str | None = Query(None, description="first_review|second_review|approval"),
    psn_no: str | None = None,
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> list[dict[str, Any]]:
    """By status, deadline (overdue / due within N working days), reviewer, awaiting level."""
    return rb.list_applications(
        uow,
        region=_policy(request).region,
        status=status,
        overdue=overdue,
        due_within=due_within,
        reviewer=reviewer,
        awaiting=awaiting,
        psn_no=psn_no,
        limit=limit,
        offset=offset,
    )


@router.get("/api/v1/reimbursements/{app_no}")
def get_application(
    app_no: str,
    trail: bool = False,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    return rb.get_application(uow, app_no, trail=trail)


@router.get("/api/v1/reimbursements/{app_no}/preview")
def preview(
    app_no: str,
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    """预结算: the amount the claims would earn now (writes nothing)."""
    return rb.preview(uow, _policy(request), app_no)


@router.post("/api/v1/reimbursements/{app_no}/decisions")
def decide(
    app_no: str,
    body: DecisionIn,
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*REVIEWERS)),
) -> dict[str, Any]:
    """Decide the current level; 409 for a skipped or repeated level or a second level by
    the same person; approval at the last level settles the claims."""
    return rb.review(
        uow,
        _policy(request),
        app_no,
        staff=_staff(uow, p),
        decision=body.decision,
        reason=body.reason,
        level=body.level,
    )


@router.get(
    "/api/v1/reimbursements/{app_no}/documents/{kind}",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}}},
)
def document(
    app_no: str,
    kind: Literal["receipt", "notice", "decision"],
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> Response:
    """受理回执 / 一次性告知书 / 审批决定书 as PDF."""
    pdf = render(rb.document_data(uow, _policy(request), app_no, kind))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{app_no}-{kind}.pdf"'},
    )


@router.post("/api/v1/reimbursement-batches", status_code=201)
def create_batch(
    body: BatchIn,
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("finance")),
) -> dict[str, Any]:
    return rb.create_batch(uow, _policy(request).region, staff=_staff(uow, p), app_nos=body.app_nos)


@router.get("/api/v1/reimbursement-batches")
def list_batches(
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("finance", "auditor")),
) -> list[dict[str, Any]]:
    return rb.list_batches(uow, _policy(request).region)


@router.get("/api/v1/reimbursement-batches/{batch_no}")
def get_batch(
    batch_no: str,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("finance", "auditor")),
) -> dict[str, Any]:
    return rb.get_batch(uow, batch_no)


@router.get(
    "/api/v1/reimbursement-batches/{batch_no}/export",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}, "application/vnd.ms-excel": {}}}},
)
def export_batch(
    batch_no: str,
    format: Literal["csv", "xlsx"] = "csv",
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("finance")),
) -> Response:
    """The bank's file (full account numbers); audited with its SHA-256."""
    data = rb.export_batch(uow, batch_no, format, staff=_staff(uow, p))
    media = (
        "text/csv; charset=utf-8"
        if format == "csv"
        else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    return Response(
        data,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{batch_no}.{format}"'},
    )


@router.post("/api/v1/reimbursement-batches/{batch_no}/confirm")
def confirm_batch(
    batch_no: str,
    body: ConfirmIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("finance")),
) -> dict[str, Any]:
    return rb.confirm_batch(uow, batch_no, staff=_staff(uow, p), bank_reference=body.bank_reference)
