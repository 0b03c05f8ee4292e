"""救助对象 persons: list, search, register, and one person with identities (masked).

ID numbers and names never leave the service in clear: ``1****************4``, ``张*``.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES, Date
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.pii import looks_like_certno
from jiuzhu.wire import registry
from jiuzhu.wire.enrolment import enrolment_of

router = APIRouter(prefix="/api/v1/persons", tags=["救助对象 persons"], responses=ERROR_RESPONSES)
READERS = (
    "registry",
    "enrolment",
    "auditor",
    "intake",
    "first_review",
    "second_review",
    "approval",
)


class PersonIn(BaseModel):
    psn_no: str = Field(min_length=1, max_length=40, description="人员编号")
    certno: str = Field(min_length=18, max_length=18, description="身份证号码 (GB 11643)")
    name: str = Field(min_length=1, max_length=50, description="姓名")
    household_no: str | None = Field(None, max_length=40)
    insured_region: str | None = Field(None, max_length=40)


class SearchIn(BaseModel):
    q: str | None = Field(
        None, max_length=60, description="人员编号 prefix, 户号, or a full ID number"
    )
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0, le=10_000_000)


@router.get("")
def list_persons(
    q: str | None = Query(
        None,
        max_length=60,
        description="人员编号 prefix or 户号 (an ID number never goes in a URL: "
        "use POST /api/v1/persons:search)",
    ),
    limit: int = Query(50, ge=1, le=500),
    offset: int = Query(0, ge=0, le=10_000_000),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    """Persons, masked. An ID number in the query string is refused (422): URLs end up
    in access logs and proxies (issue 8 item 4)."""
    if q and looks_like_certno(q):
        raise InputError(
            "an ID number must not be sent in a URL: use POST /api/v1/persons:search",
            column="q",
        )
    with uow.read() as s:
        total, items = registry.search_persons(s, q, limit, offset)
    return {"total": total, "limit": limit, "offset": offset, "items": items}


@router.post(":search")
def search_persons(
    body: SearchIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    """Persons by 人员编号 prefix, 户号 or a full ID number (matched through its keyed
    hash), masked; a search by ID number is audited as a look at personal data."""
    with uow.begin() as s:
        total, items = registry.search_persons(s, body.q, body.limit, body.offset, actor=p.actor)
    return {"total": total, "limit": body.limit, "offset": body.offset, "items": items}


@router.post("", status_code=201)
def create_person(
    body: PersonIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("registry")),
) -> dict[str, Any]:
    """Register a person; the ID number's check digit is verified; stored encrypted."""
    with uow.begin() as s:
        person = registry.create_person(
            s, p.actor, body.psn_no, body.certno, body.name, body.household_no, body.insured_region
        )
        return registry.person_json(person)


@router.get("/{psn_no}")
def get_person(
    psn_no: str,
    request: Request,
    on: Date | None = Query(None, description="the day for 有效/最高 (default today)"),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    """One person with every identity; ``highest`` marks the highest valid one on ``on``
    (就高不就低, the region's class order)."""
    with uow.read() as s:
        d = registry.person_detail(s, psn_no, request.app.state.policy, on)
        d["enrolment"] = enrolment_of(s, psn_no)
    return d
