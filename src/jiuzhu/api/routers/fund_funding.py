"""基金管理 API: funding, the insurer schedule, the budget and the reports (issue 13 items
4, 5, 7, 8). 双鸭山实施办法 第十四–十七条; 宁医保发〔2023〕102号 第二十六–二十八条, 第三十五条;
梅州规程 第十六–十九条. Amounts in the answers are yuan strings with two decimals."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi import Path as PathParam
from fastapi.responses import Response
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES, Amount, Date, Text
from jiuzhu.domain.errors import NotFound
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.budget import estimate as b_estimate
from jiuzhu.services.fund.budget import execution as b_execution
from jiuzhu.services.fund.budget import record as b_record
from jiuzhu.services.fund.funding import gap, moves, plans
from jiuzhu.services.fund.funding import queries as f_queries
from jiuzhu.services.fund.insurer import queries as i_queries
from jiuzhu.services.fund.insurer import schedule
from jiuzhu.services.fund.reports import queries as r_queries

router = APIRouter(prefix="/api/v1/fund", tags=["基金管理 fund"], responses=ERROR_RESPONSES)
READERS = ("finance", "auditor")
WRITERS = ("finance",)
Year = Annotated[int, Query(ge=1990, le=2100)]
Doc = Annotated[Text, Field(min_length=1, max_length=60)]
County = Annotated[Text, Field(min_length=6, max_length=6, pattern=r"^[0-9]{6}$")]
Month = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$")]
IdInt = Annotated[int, PathParam(ge=1, le=2_147_483_647)]
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

MONEY_FIELDS = {
    "amount", "total", "transferred", "income", "expense", "gap", "balance_before",
    "from_balance", "same_level_government", "city_government", "county_government",
    "expenditure", "carried", "need", "budget", "actual",
}  # fmt: skip
BASIS_MONEY = {"approved", "ninety", "offset", "budget", "actual", "advanced", "difference"}


def _out(obj: Any) -> Any:
    """A service view as JSON: fen fields as yuan strings, dates ISO."""
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _field(f.name, getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [_out(x) for x in obj]
    if isinstance(obj, dt.date):
        return obj.isoformat()
    return obj


def _field(name: str, v: Any) -> Any:
    if name in MONEY_FIELDS and isinstance(v, int) and not isinstance(v, bool):
        return format_fen(v)
    if name == "basis" and isinstance(v, dict):  # the schedule's working: fen → yuan
        return {
            k: format_fen(x) if k in BASIS_MONEY and isinstance(x, int) else x for k, x in v.items()
        }
    if name in ("months", "items") and isinstance(v, tuple | dict):
        return (
            [format_fen(x) for x in v]
            if isinstance(v, tuple)
            else {k: format_fen(x) for k, x in v.items()}
        )
    return _out(v)


# -- funding -----------------------------------------------------------------------------
class IncomeIn(BaseModel):
    source: Literal["upper", "own", "lottery", "donation", "interest", "other"]
    amount: Amount
    document: Doc
    date: Date
    county: County | None = None
    into_expenditure: bool = False
    memo: Annotated[Text, Field(max_length=200)] = ""


@router.post("/income")
def income(body: IncomeIn, request: Request, uow: UnitOfWork = Depends(get_uow),
           p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """收入 by source into the 财政专户 (双鸭山实施办法 第十五条)."""
    cmd = moves.Income(request.app.state.region, body.source, body.amount, body.document, body.date,
                       body.county, body.into_expenditure, body.memo)  # fmt: skip
    return _out(moves.record_income(uow, cmd, actor=p.actor))  # type: ignore[no-any-return]


class TransferIn(BaseModel):
    county: County
    amount: Amount
    document: Doc
    date: Date
    request_month: Month | None = None


@router.post("/transfers")
def transfer(body: TransferIn, request: Request, uow: UnitOfWork = Depends(get_uow),
             p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """财政专户 → the agency's 支出户 (第十六条)."""
    cmd = moves.Transfer(request.app.state.region, body.county, body.amount, body.document, body.date,
                         body.request_month)  # fmt: skip
    return _out(moves.transfer(uow, cmd, actor=p.actor))  # type: ignore[no-any-return]


class YearDocIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    document: Doc
    to_upper: bool = False


@router.post("/remittances")
def remit(body: YearDocIn, request: Request, uow: UnitOfWork = Depends(get_uow),
          p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """年末上缴 of every 支出户's balance and interest (宁医保发〔2023〕102号 第二十七条)."""
    out = moves.remit_year_end(uow, request.app.state.region, body.year, body.document, actor=p.actor,
                               to_upper=body.to_upper)  # fmt: skip
    return {"move": _out(out.move),
            "lines": [{"account": a, "county": c, "amount": format_fen(v)} for a, c, v in out.lines],
            "overdrawn": [{"account": a, "county": c, "amount": format_fen(v)} for a, c, v in out.overdrawn]}  # fmt: skip


@router.post("/closings")
def close_year(body: YearDocIn, request: Request, uow: UnitOfWork = Depends(get_uow),
               p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """年度结转 into 一般基金结余 (滚存结余)."""
    return _out(
        moves.close_year(uow, request.app.state.region, body.year, body.document, actor=p.actor)
    )  # type: ignore[no-any-return]


@router.get("/moves")
def list_moves(request: Request, year: Year, kind: str | None = Query(None, max_length=20),
               uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))) -> list[Any]:  # fmt: skip
    return _out(f_queries.moves(uow, request.app.state.region, year, kind))  # type: ignore[no-any-return]


@router.get("/balances")
def balances(request: Request, date: Annotated[dt.date, Query(ge=dt.date(1990, 1, 1), le=dt.date(2100, 12, 31))],
             uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))) -> dict[str, Any]:  # fmt: skip
    """财政专户 and each agency's 支出户 and 滚存结余 on a day."""
    fiscal, agencies = f_queries.balances(uow, request.app.state.region, date)
    return {"fiscal_account": format_fen(fiscal), "agencies": _out(agencies)}


class PlanIn(BaseModel):
    amount: Amount
    memo: Annotated[Text, Field(max_length=200)] = ""


@router.put("/plans/{month}/{county}")
def set_plan(body: PlanIn, request: Request, month: Annotated[str, PathParam(pattern=r"^[0-9]{4}-[0-9]{2}$")],
             county: Annotated[str, PathParam(pattern=r"^[0-9]{6}$")], uow: UnitOfWork = Depends(get_uow),
             p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """用款计划 of an agency for a month (双鸭山实施办法 第十六条)."""
    plans.set_plan(
        uow, request.app.state.region, month, county, body.amount, memo=body.memo, actor=p.actor
    )
    return _out(plans.request_view(uow, request.app.state.region, month))  # type: ignore[no-any-return]


class RequestIn(BaseModel):
    month: Month
    document: Doc


@router.post("/requests")
def submit_request(body: RequestIn, request: Request, uow: UnitOfWork = Depends(get_uow),
                   p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """The month's plans summed into one request to finance."""
    return _out(
        plans.submit_request(
            uow, request.app.state.region, body.month, body.document, actor=p.actor
        )
    )  # type: ignore[no-any-return]


class RequestTransferIn(BaseModel):
    document: Doc
    date: Date


@router.post("/requests/{month}:transfer")
def transfer_request(body: RequestTransferIn, request: Request,
                     month: Annotated[str, PathParam(pattern=r"^[0-9]{4}-[0-9]{2}$")],
                     uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*WRITERS))) -> list[Any]:  # fmt: skip
    """拨付 the submitted request: each agency's plan not yet transferred (all or nothing)."""
    return _out(
        plans.transfer_request(
            uow, request.app.state.region, month, body.document, body.date, actor=p.actor
        )
    )  # type: ignore[no-any-return]


@router.get("/requests/{month}")
def get_request(request: Request, month: Annotated[str, PathParam(pattern=r"^[0-9]{4}-[0-9]{2}$")],
                uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))) -> dict[str, Any]:  # fmt: skip
    return _out(plans.request_view(uow, request.app.state.region, month))  # type: ignore[no-any-return]


@router.get("/gap")
def gap_sharing(request: Request, year: Year, uow: UnitOfWork = Depends(get_uow),
                p: Principal = Depends(require(*READERS))) -> list[Any]:  # fmt: skip
    """基金缺口分担 (双鸭山实施办法 第十七条)."""
    return _out(gap.gap_sharing(uow, request.app.state.policy, year))  # type: ignore[no-any-return]


# -- insurer -----------------------------------------------------------------------------
@router.get("/insurer/schedule")
def insurer_schedule(request: Request, year: int | None = Query(None, ge=1990, le=2100),
                     uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))) -> list[Any]:  # fmt: skip
    """The insurer-run model's steps with due dates and status (梅州规程 第十六–十九条)."""
    return _out(i_queries.schedule(uow, request.app.state.region, year=year))  # type: ignore[no-any-return]


class SubsidyPlanIn(BaseModel):
    year: int = Field(ge=1990, le=2100, description="the enrolment year")
    approved: Amount


@router.post("/insurer/subsidy-plans")
def plan_subsidy(body: SubsidyPlanIn, request: Request, uow: UnitOfWork = Depends(get_uow),
                 p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    return _out(
        schedule.plan_subsidy(
            uow, request.app.state.region, body.year, body.approved, actor=p.actor
        )
    )  # type: ignore[no-any-return]


class YearIn(BaseModel):
    year: int = Field(ge=1990, le=2100)


@router.post("/insurer/premium-plans")
def plan_premium(body: YearIn, request: Request, uow: UnitOfWork = Depends(get_uow),
                 p: Principal = Depends(require(*WRITERS))) -> list[Any]:  # fmt: skip
    return _out(schedule.plan_premium(uow, request.app.state.region, body.year, actor=p.actor))  # type: ignore[no-any-return]


class AdditionIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    received: Date
    amount: Amount
    document: Doc


@router.post("/insurer/additions")
def addition(body: AdditionIn, request: Request, uow: UnitOfWork = Depends(get_uow),
             p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    return _out(schedule.add_addition(uow, request.app.state.region, body.year, body.received, body.amount,  # type: ignore[no-any-return]
                                      document=body.document, actor=p.actor))  # fmt: skip


class DoneIn(BaseModel):
    date: Date
    document: Doc


@router.post("/insurer/events/{event_id}:done")
def event_done(event_id: IdInt, body: DoneIn, uow: UnitOfWork = Depends(get_uow),
               p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """Complete a step: posts its money and plans what follows."""
    out = schedule.complete(uow, event_id, body.date, document=body.document, actor=p.actor)
    return {"event": _out(out.event), "follow_up": _out(out.follow_up) if out.follow_up else None}


class CancelIn(BaseModel):
    reason: Annotated[Text, Field(min_length=1, max_length=200)]


@router.post("/insurer/events/{event_id}:cancel")
def event_cancel(event_id: IdInt, body: CancelIn, uow: UnitOfWork = Depends(get_uow),
                 p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    schedule.cancel(uow, event_id, reason=body.reason, actor=p.actor)
    return {"id": event_id, "status": "cancelled"}


class RevolvingIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    direction: Literal["in", "out"]
    purpose: Literal["manual", "out_of_area"]
    amount: Amount
    date: Date
    party: Annotated[Text, Field(min_length=1, max_length=40)]
    document: Doc


@router.post("/insurer/revolving")
def revolving(body: RevolvingIn, request: Request, uow: UnitOfWork = Depends(get_uow),
              p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """周转金 (梅州规程 第十九条)."""
    return _out(schedule.revolving(uow, request.app.state.region, body.year, body.direction, body.purpose,  # type: ignore[no-any-return]
                                   body.amount, body.date, party=body.party, document=body.document, actor=p.actor))  # fmt: skip


# -- budget ------------------------------------------------------------------------------
@router.get("/budget/estimate")
def budget_estimate(request: Request, year: Year, uow: UnitOfWork = Depends(get_uow),
                    p: Principal = Depends(require(*READERS))) -> dict[str, Any]:  # fmt: skip
    """Next year's estimate per county (宁医保发〔2023〕102号 第二十六条)."""
    est = b_estimate.estimate(uow, request.app.state.policy, year)
    return {"year": est.year, "base_day": est.base_day.isoformat(), "total": format_fen(est.total),
            "need": format_fen(est.need),
            "per_person": {k: {i: format_fen(v) for i, v in d.items()} for k, d in est.per_person.items()},
            "counties": _out(est.counties)}  # fmt: skip


class BudgetIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    document: Doc
    date: Date


@router.post("/budgets")
def record_budget(body: BudgetIn, request: Request, uow: UnitOfWork = Depends(get_uow),
                  p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """Record the year's budget as estimated."""
    est = b_estimate.estimate(uow, request.app.state.policy, body.year)
    v = b_record.record(uow, request.app.state.region, body.year, body.document, b_record.lines_of(est),
                        day=body.date, actor=p.actor)  # fmt: skip
    return _budget(v)


def _budget(v: b_record.BudgetView) -> dict[str, Any]:
    return {"year": v.year, "document": v.document, "status": v.status, "recorded_on": v.recorded_on.isoformat(),
            "recorded_by": v.recorded_by, "audited_by": v.audited_by,
            "audited_on": v.audited_on.isoformat() if v.audited_on else None, "total": format_fen(v.total),
            "lines": [{"county": c, "item": i, "amount": format_fen(a)} for (c, i), a in sorted(v.lines.items())]}  # fmt: skip


class AuditIn(BaseModel):
    date: Date


@router.post("/budgets/{year}:audit")
def audit_budget(year: Annotated[int, PathParam(ge=1990, le=2100)], body: AuditIn, request: Request,
                 uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*WRITERS))) -> dict[str, Any]:  # fmt: skip
    """财政审核 (not by the recorder)."""
    return _budget(
        b_record.approve(uow, request.app.state.region, year, day=body.date, actor=p.actor)
    )


@router.get("/budgets/{year}")
def get_budget(year: Annotated[int, PathParam(ge=1990, le=2100)], request: Request,
               uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))) -> dict[str, Any]:  # fmt: skip
    return _budget(b_record.get(uow, request.app.state.region, year))


@router.get("/budgets/{year}/execution")
def budget_execution(year: Annotated[int, PathParam(ge=1990, le=2100)], request: Request,
                     month: int = Query(12, ge=1, le=12), uow: UnitOfWork = Depends(get_uow),
                     p: Principal = Depends(require(*READERS))) -> list[Any]:  # fmt: skip
    """预算执行: budget vs actual, monthly; ratio_bp in 1/10000."""
    return _out(b_execution.execution(uow, request.app.state.region, year, month))  # type: ignore[no-any-return]


# -- reports -----------------------------------------------------------------------------
@router.get(
    "/reports/{kind}",
    responses={200: {"content": {"application/json": {}, XLSX: {}, "application/pdf": {}},
                     "description": "the report (JSON; XLSX or PDF with format)"}},
)  # fmt: skip
def report(
    kind: Literal["balance_sheet", "income_statement", "spending", "subsidy", "analysis"],
    request: Request,
    period: str = Query(..., pattern=r"^[0-9]{4}(-[0-9]{2}|Q[1-4])?$"),
    county: str | None = Query(None, pattern=r"^[0-9]{6}$"),
    format: Literal["json", "xlsx", "pdf"] = Query("json"),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> Any:
    """资产负债表 / 收支表 / 费用支出统计 / 资助参保统计 / 年度执行分析报告; each money cell carries
    its drill key (``GET /api/v1/fund/reports:drill?key=…``)."""
    rep = r_queries.build(uow, request.app.state.region, kind, period, county=county)
    if format == "json":
        return {"title": rep.title, "period": rep.period, "refs": rep.refs, "paragraphs": rep.paragraphs,
                "tables": [{"key": t.key, "title": t.title, "headers": t.headers,
                            "rows": [[{"value": format_fen(int(c.value)) if c.kind == "money" and c.value is not None else c.value,
                                       "kind": c.kind, "drill": c.drill} for c in r] for r in t.rows]}
                           for t in rep.tables]}  # fmt: skip
    media = XLSX if format == "xlsx" else "application/pdf"
    return Response(r_queries.export(rep, format), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="{kind}-{period}.{format}"'})  # fmt: skip


@router.get("/reports:drill")
def drill(request: Request, key: str = Query(..., max_length=500), limit: int = Query(200, ge=1, le=5000),
          uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))) -> dict[str, Any]:  # fmt: skip
    """The journal lines or settlements behind a report cell, and their sums."""
    import urllib.parse

    if urllib.parse.parse_qs(key).get("region") != [request.app.state.region]:
        raise NotFound("no such report cell in this region", field="key")
    d = r_queries.drill(uow, key, limit=limit)
    return {"src": d.src, "title": d.title, "total": format_fen(d.total), "rows": d.rows, "visits": d.visits,
            "persons": d.persons, "maf_pay": format_fen(d.maf_pay), "tilt_pay": format_fen(d.tilt_pay),
            "lines": [{**_out(ln), "debit": format_fen(ln.debit), "credit": format_fen(ln.credit),
                       "value": format_fen(ln.value)} for ln in d.lines],
            "settlements": [{**_out(s), "setl_time": str(s.setl_time)[:19], "maf_pay": format_fen(s.maf_pay),
                             "tilt_pay": format_fen(s.tilt_pay)} for s in d.settlements]}  # fmt: skip
