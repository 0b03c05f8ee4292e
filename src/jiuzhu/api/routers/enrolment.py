"""资助参保 enrolment: the subsidy register (资助参保台账, 免缴台账) and the enrolment facts it needs.

梅州规程 第六–七条; 双鸭山实施办法 第五条; 新疆规程 第八–十二条. Masked everywhere.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES, Date
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import AmountError, parse_fen
from jiuzhu.reports.xlsx import xlsx_bytes
from jiuzhu.wire import enrolment

router = APIRouter(
    prefix="/api/v1/enrolment", tags=["资助参保 enrolment"], responses=ERROR_RESPONSES
)
READERS = ("enrolment", "registry", "auditor", "finance")


class EnrolmentIn(BaseModel):
    status: str = Field(
        description="unenrolled | local | elsewhere | elsewhere_return | self_paid | employee"
    )
    self_paid_on: Date | None = None
    self_paid: str | None = Field(None, description='amount self-paid, yuan, e.g. "380.00"')
    note: str | None = Field(None, max_length=200)


@router.get("/plan")
def plan(
    request: Request,
    year: int = Query(..., ge=1990, le=2100),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    """The year's 免缴台账 with totals and the mid-year additions by month."""
    with uow.read() as s:
        return enrolment.build_register(s, request.app.state.policy, year).as_dict()


@router.get(
    "/plan.xlsx",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}
            },
            "description": "the register as XLSX",
        }
    },
)
def plan_xlsx(
    request: Request,
    year: int = Query(..., ge=1990, le=2100),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> Response:
    """The register as XLSX (Chinese headers, masked)."""
    with uow.read() as s:
        register = enrolment.build_register(s, request.app.state.policy, year)
    return Response(
        xlsx_bytes(enrolment.register_sheets(register)),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="mianjiao-{year}.xlsx"'},
    )


@router.put("/{psn_no}/{year}")
def set_enrolment(
    psn_no: str,
    year: int,
    body: EnrolmentIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("enrolment", "registry")),
) -> dict[str, Any]:
    """Record a person's enrolment in a year (梅州规程 第六条 cases); audited."""
    status = enrolment.parse_status(body.status)
    if status is None:
        raise InputError(f"unknown status '{body.status}'", column="status")
    try:
        fen = parse_fen(body.self_paid) if body.self_paid else None
    except AmountError as exc:
        raise InputError(str(exc), column="self_paid") from exc
    with uow.begin() as s:
        return enrolment.set_enrolment(
            s, p.actor, psn_no, year, status, body.self_paid_on, fen, body.note
        )
