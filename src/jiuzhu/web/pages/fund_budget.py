"""基金管理 · 预算: next year's estimate per county (宁医保发〔2023〕102号 第二十六条), the
budget recorded and audited by finance, its execution month by month (双鸭山实施办法 第十四条)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jiuzhu.domain.clock import today
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.budget import estimate, execution, record
from jiuzhu.web.menu import add_group, add_menu
from jiuzhu.web.pages.fund_funding import day, year_of
from jiuzhu.web.render import page, xlsx_response
from jiuzhu.web.security import WebUser, need, uow_of

router = APIRouter(prefix="/fund/budget")
READERS = ("finance", "auditor")
FINANCE = ("finance",)
add_group("fund_mgmt", "基金管理", 45)
add_menu("fund.budget", "预算与执行", "/fund/budget", READERS, "fund_mgmt", 20)


def _month(raw: Any) -> int:
    try:
        m = int(raw.get("month") or 12)
    except ValueError:
        return 12
    return m if 1 <= m <= 12 else 12


def _view(request: Request, user: WebUser, year: int, month: int, **extra: Any) -> Response:
    uow, region = uow_of(request), request.app.state.region
    problems: list[str] = list(extra.pop("problems", []))
    est = None
    try:
        est = estimate.estimate(uow, request.app.state.policy, year)
    except JiuzhuError as exc:
        problems.append(exc.message)
    return page(request, "fund_mgmt/budget.html", {
        "title": "预算与执行", "breadcrumbs": [("基金管理", None), ("预算与执行", None)], "year": year,
        "month": month, "est": est, "items": estimate.ITEMS, "item_names": estimate.ITEM_NAMES,
        "budget": record.find(uow, region, year), "rows": execution.execution(uow, region, year, month),
        "can_write": user.can(*FINANCE), "problems": problems, "user": user, **extra,
    })  # fmt: skip


@router.get("")
def budget(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    year, month = year_of(request.query_params), _month(request.query_params)
    if request.query_params.get("export") == "xlsx":
        rows = execution.execution(uow_of(request), request.app.state.region, year, month)
        return xlsx_response(f"预算执行-{year}.xlsx", f"{year} 预算执行",
                             ["县区", "项目", "预算（元）", *(f"{m}月（元）" for m in range(1, month + 1)), "累计（元）", "执行率"],
                             [[r.county, estimate.ITEM_NAMES.get(r.item, r.item), format_fen(r.budget),
                               *(format_fen(v) for v in r.months), format_fen(r.actual),
                               "" if r.ratio_bp is None else f"{r.ratio_bp / 100:.2f}%"] for r in rows])  # fmt: skip
    return _view(request, user, year, month)


@router.post("/record")
def record_budget(request: Request, year: str = Form(""), document: str = Form(""), date: str = Form(""),
                  user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    y = year_of({"year": year})
    try:
        est = estimate.estimate(uow_of(request), request.app.state.policy, y)
        record.record(uow_of(request), request.app.state.region, y, document, record.lines_of(est), day=day(date),
                      actor=user.actor, basis={"base_day": est.base_day.isoformat()})  # fmt: skip
    except JiuzhuError as exc:
        return _view(request, user, y, 12, problems=[exc.message])
    return RedirectResponse(f"/fund/budget?year={y}", status_code=303)


@router.post("/audit")
def audit_budget(request: Request, year: str = Form(""), date: str = Form(""),
                 user: WebUser = Depends(need(*FINANCE))) -> Response:  # fmt: skip
    y = year_of({"year": year})
    try:
        record.approve(uow_of(request), request.app.state.region, y, day=day(date or today().isoformat()),
                       actor=user.actor)  # fmt: skip
    except JiuzhuError as exc:
        return _view(request, user, y, 12, problems=[exc.message])
    return RedirectResponse(f"/fund/budget?year={y}", status_code=303)
