"""基金管理 · 承办机构: the insurer-run model's schedule with due dates on the working-day
calendar and status; planning, completing and revolving funds (梅州规程 第十六–十九条)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.insurer import queries, schedule
from jiuzhu.services.fund.insurer.rules import rules
from jiuzhu.web.menu import add_group, add_menu
from jiuzhu.web.pages.fund_funding import day, fen
from jiuzhu.web.render import page, xlsx_response
from jiuzhu.web.security import WebUser, need, uow_of

router = APIRouter(prefix="/fund/insurer")
READERS = ("finance", "auditor")
FINANCE = ("finance",)
add_group("fund_mgmt", "基金管理", 45)
add_menu("fund.insurer", "承办机构往来", "/fund/insurer", READERS, "fund_mgmt", 30)


def _view(request: Request, user: WebUser, **extra: Any) -> Response:
    region = request.app.state.region
    problems: list[str] = list(extra.pop("problems", []))
    model = None
    try:
        model = rules(region)
    except JiuzhuError:
        extra.setdefault("flash", "本地区未采用承办商业保险机构经办模式；此页适用于由承办商业保险机构经办的地区"
                                  "（梅州规程 第十二条、第十六–十九条）。")  # fmt: skip
    raw = request.query_params
    year = int(raw["year"]) if raw.get("year", "").isdigit() else None
    return page(request, "fund_mgmt/insurer.html", {
        "title": "承办机构往来", "breadcrumbs": [("基金管理", None), ("承办机构往来", None)], "model": model,
        "year": year or "", "events": queries.schedule(uow_of(request), region, year=year) if model else [],
        "can_write": user.can(*FINANCE) and model is not None, "problems": problems, **extra,
    })  # fmt: skip


@router.get("")
def insurer(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    if request.query_params.get("export") == "xlsx":
        rows = queries.schedule(uow_of(request), request.app.state.region)
        return xlsx_response("承办机构往来.xlsx", "承办机构往来",
                             ["年度", "事项", "应完成日期", "金额（元）", "状态", "完成日期", "文号", "依据"],
                             [[e.year, e.label, e.due_date.isoformat() if e.due_date else "", format_fen(e.amount),
                               e.status_text, e.done_on.isoformat() if e.done_on else "", e.document or "", e.ref]
                              for e in rows])  # fmt: skip
    return _view(request, user)


def _do(request: Request, user: WebUser, action: Any) -> Response:
    try:
        action()
    except JiuzhuError as exc:
        return _view(request, user, problems=[exc.message])
    return RedirectResponse("/fund/insurer", status_code=303)


def _year(text: str) -> int:
    if not text.strip().isdigit() or not 1990 <= int(text) <= 2100:
        raise InputError("年度应为 1990–2100", column="year")
    return int(text)


@router.post("/plan-subsidy")
def plan_subsidy(request: Request, year: str = Form(""), approved: str = Form(""),
                 user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, lambda: schedule.plan_subsidy(
        uow_of(request), request.app.state.region, _year(year), fen(approved, "approved"), actor=user.actor))  # fmt: skip


@router.post("/plan-premium")
def plan_premium(
    request: Request, year: str = Form(""), user: WebUser = Depends(need(*FINANCE))
) -> Response:
    return _do(request, user, lambda: schedule.plan_premium(
        uow_of(request), request.app.state.region, _year(year), actor=user.actor))  # fmt: skip


@router.post("/addition")
def addition(request: Request, year: str = Form(""), received: str = Form(""), amount: str = Form(""),
             document: str = Form(""), user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, lambda: schedule.add_addition(
        uow_of(request), request.app.state.region, _year(year), day(received, "received"), fen(amount, "amount"),
        document=document, actor=user.actor))  # fmt: skip


@router.post("/events/{event_id}/done")
def done(request: Request, event_id: int, date: str = Form(""), document: str = Form(""),
         user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, lambda: schedule.complete(
        uow_of(request), event_id, day(date), document=document, actor=user.actor))  # fmt: skip


@router.post("/revolving")
def revolving(request: Request, year: str = Form(""), direction: str = Form(""), purpose: str = Form(""),
              amount: str = Form(""), date: str = Form(""), party: str = Form(""), document: str = Form(""),
              user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    return _do(request, user, lambda: schedule.revolving(
        uow_of(request), request.app.state.region, _year(year), direction, purpose, fen(amount, "amount"), day(date),
        party=party.strip(), document=document.strip(), actor=user.actor))  # fmt: skip
