"""资格查询: the hospital's eligibility query (like the national platform's 1101) and a
person's own records (梅州规程 第九条). POST only: an ID number never goes in a URL."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES
from jiuzhu.wire import eligibility as service

router = APIRouter(prefix="/api/v1", tags=["资格查询 eligibility"], responses=ERROR_RESPONSES)
CERTNO = r"^[0-9]{17}[0-9Xx]$"


class EligibilityIn(BaseModel):
    psn_no: str | None = Field(None, min_length=1, max_length=40, description="人员编号")
    certno: str | None = Field(
        None, min_length=18, max_length=18, pattern=CERTNO, description="身份证号码"
    )
    on: dt.date | None = Field(None, description="the day (default today), e.g. admission")


class OwnRecordsIn(BaseModel):
    psn_no: str = Field(min_length=1, max_length=40, description="人员编号")
    certno: str = Field(min_length=18, max_length=18, pattern=CERTNO, description="身份证号码")


@router.post("/eligibility")
def eligibility(
    body: EligibilityIn,
    request: Request,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("hospital", "registry", "settlement", "intake", "auditor")),
) -> dict[str, Any]:
    """Identity, class and validity on a day, 先诊疗后付费, the cap left this year (masked;
    audited as an access to personal data). By ``psn_no`` or ``certno`` (or both, which
    must match). Hospital keys may ask; so may staff."""
    with uow.begin() as s:
        return service.eligibility(
            s,
            request.app.state.policy,
            actor=p.actor,
            day=body.on or dt.date.today(),
            psn_no=body.psn_no,
            certno=body.certno,
        )


@router.post("/self/records")
def own_records(
    body: OwnRecordsIn, request: Request, uow: UnitOfWork = Depends(get_uow)
) -> dict[str, Any]:
    """梅州规程 第九条: a person's own enrolment and benefit records, with 人员编号 and the ID
    number (both must match; the answer does not say which did not)."""
    with uow.begin() as s:
        return service.own_records(s, request.app.state.policy, body.psn_no, body.certno)
