"""用款计划 and the request to finance (双鸭山实施办法 第十六条: 市医保部门每月汇总审核市本级
及各县用款计划，统一向市财政部门提报用款申请).

Each agency (city, each county) has one plan per month, which may be changed until the
month's request is submitted; the request sums them, once per month.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from jiuzhu.adapters.db.funding_tables import FundMove, FundPlan, FundRequest
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import Conflict, InputError, WorkflowError
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.funding.common import MoveView, agency_key, county_code, document_no
from jiuzhu.services.fund.funding.moves import Transfer, transfer_in


def month_text(month: str) -> str:
    try:
        if len(month) != 7:
            raise ValueError
        dt.date(int(month[:4]), int(month[5:7]), 1)
    except ValueError:
        raise InputError(f"month must be YYYY-MM, got {month!r}", column="month") from None
    return month


@dataclass(frozen=True, slots=True)
class PlanLine:
    county: str
    amount: int
    memo: str
    transferred: int


@dataclass(frozen=True, slots=True)
class RequestView:
    region: str
    month: str
    document: str | None
    total: int
    lines: list[PlanLine]
    submitted: bool


def set_plan(
    uow: UnitOfWork, region: str, month: str, county: str, amount: int, *, memo: str = "",
    actor: str,
) -> None:  # fmt: skip
    """An agency's plan for ``month`` (replaces its earlier plan until the request is made)."""
    month = month_text(month)
    if not isinstance(amount, int) or amount < 0:
        raise InputError("amount must be non-negative integer fen", column="amount")
    c = chart(region)
    code = agency_key(c, county_code(c, county, required=True))
    with uow.begin() as s:
        if s.scalar(select(FundRequest.id).where(FundRequest.region == region,
                                                 FundRequest.month == month)) is not None:  # fmt: skip
            raise Conflict(
                f"{month} 的用款申请已提报，计划不能再改 (request submitted)", field="month"
            )
        row = s.scalar(select(FundPlan).where(FundPlan.region == region, FundPlan.month == month,
                                              FundPlan.county == code))  # fmt: skip
        before = None if row is None else {"amount": format_fen(row.amount)}
        if row is None:
            s.add(FundPlan(region=region, month=month, county=code, amount=amount, memo=memo[:300],
                           actor=actor))  # fmt: skip
        else:
            row.amount, row.memo, row.actor = amount, memo[:300], actor
        s.flush()
        audit(s, actor, "fund_plan", "fund_plan", f"{region}:{month}:{code}", before,
              {"amount": format_fen(amount)})  # fmt: skip


def submit_request(
    uow: UnitOfWork, region: str, month: str, document: str, *, actor: str
) -> RequestView:
    """The month's plans summed into one request to finance."""
    month = month_text(month)
    doc = document_no(document)
    with uow.begin() as s:
        if s.scalar(select(FundRequest.id).where(FundRequest.region == region,
                                                 FundRequest.month == month)) is not None:  # fmt: skip
            raise Conflict(f"{month} 的用款申请已提报 (already submitted)", field="month")
        plans = list(s.scalars(select(FundPlan).where(FundPlan.region == region,
                                                      FundPlan.month == month)))  # fmt: skip
        if not plans:
            raise InputError(f"no 用款计划 for {month}: nothing to request", column="month")
        req = FundRequest(region=region, month=month, document=doc,
                          total=sum(p.amount for p in plans), actor=actor)  # fmt: skip
        s.add(req)
        s.flush()
        for p in plans:
            p.request_id = req.id
        audit(s, actor, "fund_request", "fund_request", str(req.id), None,
              {"month": month, "document": doc, "total": format_fen(req.total)})  # fmt: skip
    return request_view(uow, region, month)


def request_view(uow: UnitOfWork, region: str, month: str) -> RequestView:
    """A month's plans per agency, the request (if submitted) and what was transferred."""
    month = month_text(month)
    c = chart(region)
    with uow.read() as s:
        req = s.scalar(select(FundRequest).where(FundRequest.region == region,
                                                 FundRequest.month == month))  # fmt: skip
        plans = list(s.scalars(select(FundPlan).where(FundPlan.region == region, FundPlan.month == month)
                               .order_by(FundPlan.county)))  # fmt: skip
        moved: dict[str, int] = {}
        if req is not None:
            for county, amount in s.execute(select(FundMove.county, FundMove.amount).where(
                    FundMove.kind == "transfer", FundMove.request_id == req.id)):  # fmt: skip
                k = agency_key(c, county)
                moved[k] = moved.get(k, 0) + int(amount)
        lines = [PlanLine(p.county, p.amount, p.memo, moved.get(p.county, 0)) for p in plans]
        return RequestView(region, month, req.document if req else None,
                           req.total if req else sum(p.amount for p in plans), lines, req is not None)  # fmt: skip


def list_requests(uow: UnitOfWork, region: str, year: int) -> list[RequestView]:
    with uow.read() as s:
        months = sorted({m for (m,) in s.execute(select(FundPlan.month).where(
            FundPlan.region == region, FundPlan.month.like(f"{year:04d}-%")))})  # fmt: skip
    return [request_view(uow, region, m) for m in months]


def transfer_request(
    uow: UnitOfWork, region: str, month: str, document: str, day: dt.date, *, actor: str
) -> list[MoveView]:
    """拨付 a submitted request: to each agency its plan less what was already transferred
    for it, one transfer each (``{document}-{agency}``), all in one transaction."""
    month = month_text(month)
    doc = document_no(document)
    view = request_view(uow, region, month)
    if not view.submitted:
        raise WorkflowError(f"{month} 的用款申请尚未提报 (not submitted)", field="month")
    due = [
        (ln.county, ln.amount - ln.transferred) for ln in view.lines if ln.amount > ln.transferred
    ]
    if not due:
        raise InputError(f"{month} 的用款计划已全部拨付 (nothing left to transfer)", column="month")
    with uow.begin() as s:
        return [
            transfer_in(
                s, Transfer(region, county, amount, f"{doc}-{county}", day, month), actor=actor
            )
            for county, amount in due
        ]
