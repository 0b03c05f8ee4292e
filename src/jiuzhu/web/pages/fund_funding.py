"""基金管理 · 筹资与拨付: income by source, 用款计划 and the request to finance, transfers
财政专户 → 支出户, year-end remittance and closing, the gap rule (双鸭山实施办法 第十四–十七条;
宁医保发〔2023〕102号 第二十七条)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jiuzhu.domain.clock import today
from jiuzhu.domain.dates import parse_date
from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.policy.money import AmountError, format_fen, parse_fen
from jiuzhu.services.fund.funding import gap, moves, plans, queries
from jiuzhu.services.fund.funding.common import SOURCES
from jiuzhu.web.menu import add_group, add_menu
from jiuzhu.web.render import page, xlsx_response
from jiuzhu.web.security import WebUser, need, uow_of

router = APIRouter(prefix="/fund/funding")
READERS = ("finance", "auditor")
FINANCE = ("finance",)
add_group("fund_mgmt", "基金管理", 45)
add_menu("fund.funding", "筹资与拨付", "/fund/funding", READERS, "fund_mgmt", 10)


def year_of(raw: Any) -> int:
    try:
        y = int(raw.get("year") or today().year)
    except ValueError:
        return today().year
    return y if 1990 <= y <= 2100 else today().year


def fen(text: str, field: str) -> int:
    try:
        return parse_fen(text.strip())
    except AmountError as exc:
        raise InputError(str(exc), column=field) from None


def day(text: str, field: str = "date") -> dt.date:
    return parse_date(text, column=field)


def _view(request: Request, user: WebUser, year: int, **extra: Any) -> Response:
    uow, region = uow_of(request), request.app.state.region
    problems: list[str] = list(extra.pop("problems", []))
    fiscal, agencies = queries.balances(uow, region, dt.date(year, 12, 31))
    rows = queries.moves(uow, region, year)
    gaps: list[gap.GapShare] = []
    try:
        gaps = gap.gap_sharing(uow, request.app.state.policy, year)
    except JiuzhuError as exc:
        extra.setdefault("gap_note", exc.message)
    return page(request, "fund_mgmt/funding.html", {
        "title": "筹资与拨付", "breadcrumbs": [("基金管理", None), ("筹资与拨付", None)], "year": year,
        "fiscal": fiscal, "agencies": agencies, "moves": rows, "kinds": queries.KIND_NAMES,
        "sources": SOURCES, "requests": plans.list_requests(uow, region, year), "gaps": gaps,
        "can_write": user.can(*FINANCE), "problems": problems, **extra,
    })  # fmt: skip


@router.get("")
def funding(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    year = year_of(request.query_params)
    if request.query_params.get("export") == "xlsx":
        rows = queries.moves(uow_of(request), request.app.state.region, year)
        return xlsx_response(f"资金往来-{year}.xlsx", f"{year} 资金往来",
                             ["日期", "类型", "文号", "县区", "来源", "金额（元）", "凭证号", "摘要"],
                             [[m.day.isoformat(), queries.KIND_NAMES.get(m.kind, m.kind), m.document, m.county or "",
                               SOURCES[m.source].label if m.source in SOURCES else (m.source or ""),
                               format_fen(m.amount), m.entry_id, m.memo] for m in rows])  # fmt: skip
    return _view(request, user, year)


def _do(request: Request, user: WebUser, year: str, action: Any, flash: str) -> Response:
    y = year_of({"year": year})
    try:
        action()
    except JiuzhuError as exc:
        return _view(request, user, y, problems=[exc.message])
    return RedirectResponse(f"/fund/funding?year={y}&done={flash}", status_code=303)


@router.post("/income")
def income(request: Request, source: str = Form(""), amount: str = Form(""), document: str = Form(""),
           date: str = Form(""), county: str = Form(""), into_expenditure: str = Form(""),
           user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    def run() -> None:
        cmd = moves.Income(request.app.state.region, source, fen(amount, "amount"), document, day(date),
                           county.strip() or None, bool(into_expenditure))  # fmt: skip
        moves.record_income(uow_of(request), cmd, actor=user.actor)

    return _do(request, user, date[:4], run, "income")


@router.post("/plan")
def plan(request: Request, month: str = Form(""), county: str = Form(""), amount: str = Form(""),
         memo: str = Form(""), user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, month[:4], lambda: plans.set_plan(
        uow_of(request), request.app.state.region, month.strip(), county, fen(amount, "amount"), memo=memo,
        actor=user.actor), "plan")  # fmt: skip


@router.post("/request")
def submit(request: Request, month: str = Form(""), document: str = Form(""),
           user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, month[:4], lambda: plans.submit_request(
        uow_of(request), request.app.state.region, month.strip(), document, actor=user.actor), "request")  # fmt: skip


@router.post("/transfer")
def transfer(request: Request, county: str = Form(""), amount: str = Form(""), document: str = Form(""),
             date: str = Form(""), request_month: str = Form(""), user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    def run() -> None:
        cmd = moves.Transfer(request.app.state.region, county.strip() or None, fen(amount, "amount"), document,
                             day(date), request_month.strip() or None)  # fmt: skip
        moves.transfer(uow_of(request), cmd, actor=user.actor)

    return _do(request, user, date[:4], run, "transfer")


@router.post("/transfer-request")
def transfer_request(request: Request, month: str = Form(""), document: str = Form(""), date: str = Form(""),
                     user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, month[:4], lambda: plans.transfer_request(
        uow_of(request), request.app.state.region, month.strip(), document, day(date), actor=user.actor), "transfer")  # fmt: skip


@router.post("/remit")
def remit(request: Request, year: str = Form(""), document: str = Form(""), to_upper: str = Form(""),
          user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, year, lambda: moves.remit_year_end(
        uow_of(request), request.app.state.region, year_of({"year": year}), document, actor=user.actor,
        to_upper=bool(to_upper)), "remit")  # fmt: skip


@router.post("/close")
def close(request: Request, year: str = Form(""), document: str = Form(""),
          user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, year, lambda: moves.close_year(
        uow_of(request), request.app.state.region, year_of({"year": year}), document, actor=user.actor), "close")  # fmt: skip
