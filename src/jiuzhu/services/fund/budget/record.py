"""The budget as recorded (dated, with its document) and audited by finance (第二十六条
及时报同级财政部门审核); the auditor is never the person who recorded it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from jiuzhu.adapters.db.funding_tables import FundBudget, FundBudgetLine
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import Conflict, InputError, NotFound, WorkflowError
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.budget.estimate import ITEMS, Estimate


@dataclass(frozen=True, slots=True)
class BudgetView:
    region: str
    year: int
    document: str
    recorded_on: dt.date
    recorded_by: str
    status: str
    audited_by: str | None
    audited_on: dt.date | None
    lines: dict[tuple[str, str], int]

    @property
    def total(self) -> int:
        return sum(self.lines.values())


def lines_of(est: Estimate) -> dict[tuple[str, str], int]:
    return {(c.county, item): v for c in est.counties for item, v in c.items.items() if v}


def record(
    uow: UnitOfWork, region: str, year: int, document: str, lines: dict[tuple[str, str], int],
    *, day: dt.date, actor: str, basis: dict[str, object] | None = None,
) -> BudgetView:  # fmt: skip
    doc = (document or "").strip()
    if not doc:
        raise InputError("the budget's document number is required", column="document")
    if not lines:
        raise InputError("a budget needs at least one line", column="lines")
    for (county, item), v in lines.items():
        if item not in ITEMS:
            raise InputError(
                f"unknown budget item {item!r} (one of {', '.join(ITEMS)})", column="item"
            )
        if county and (len(county) != 6 or not county.isdigit()):
            raise InputError(
                f"county must be a 6-digit division code, got {county!r}", column="county"
            )
        if not isinstance(v, int) or v < 0:
            raise InputError(f"{county} {item}: amount must be non-negative fen", column="amount")
    with uow.begin() as s:
        if s.scalar(
            select(FundBudget.id).where(FundBudget.region == region, FundBudget.year == year)
        ):
            raise Conflict(f"{year} 年度预算已录入 (already recorded)", field="year")
        b = FundBudget(region=region, year=year, document=doc, recorded_on=day, actor=actor,
                       basis=basis or {})  # fmt: skip
        s.add(b)
        s.flush()
        for (county, item), v in sorted(lines.items()):
            s.add(FundBudgetLine(budget_id=b.id, county=county, item=item, amount=v))
        audit(s, actor, "budget_record", "fund_budget", str(b.id), None,
              {"year": year, "document": doc, "total": format_fen(sum(lines.values()))})  # fmt: skip
    return get(uow, region, year)


def approve(uow: UnitOfWork, region: str, year: int, *, day: dt.date, actor: str) -> BudgetView:
    """财政部门审核: recorded → audited, by someone else than the recorder."""
    with uow.begin() as s:
        b = s.scalar(select(FundBudget).where(FundBudget.region == region, FundBudget.year == year))
        if b is None:
            raise NotFound(f"no budget for {year}", field="year")
        if b.status != "recorded":
            raise WorkflowError(f"{year} 年度预算已审核 (already audited)", field="year")
        if b.actor == actor:
            raise WorkflowError(
                "录入人不能审核自己录入的预算 (the recorder cannot audit)", field="actor"
            )
        if day < b.recorded_on:
            raise InputError("the audit cannot precede the recording", column="day")
        b.status, b.audited_by, b.audited_on = "audited", actor, day
        audit(s, actor, "budget_audit", "fund_budget", str(b.id), {"status": "recorded"},
              {"status": "audited"})  # fmt: skip
    return get(uow, region, year)


def get(uow: UnitOfWork, region: str, year: int) -> BudgetView:
    with uow.read() as s:
        b = s.scalar(select(FundBudget).where(FundBudget.region == region, FundBudget.year == year))
        if b is None:
            raise NotFound(f"no budget for {year}", field="year")
        lines = {(ln.county, ln.item): ln.amount
                 for ln in s.scalars(select(FundBudgetLine).where(FundBudgetLine.budget_id == b.id))}  # fmt: skip
        return BudgetView(region, year, b.document, b.recorded_on, b.actor, b.status, b.audited_by,
                          b.audited_on, lines)  # fmt: skip


def find(uow: UnitOfWork, region: str, year: int) -> BudgetView | None:
    try:
        return get(uow, region, year)
    except NotFound:
        return None
