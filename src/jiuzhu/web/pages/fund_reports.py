"""基金管理 · 报表: 资产负债表, 收支表 (月、季、年), 医疗救助费用支出统计, 资助参保统计, 年度执行
分析报告 (宁医保发〔2023〕102号 第二十八条, 第三十五条; 新疆规程 第二十条); every figure links
to the journal lines or settlements behind it; 导出 XLSX and PDF."""

from __future__ import annotations

import urllib.parse

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jiuzhu.domain.clock import today
from jiuzhu.domain.errors import InputError, JiuzhuError, NotFound
from jiuzhu.services.fund.reports import queries
from jiuzhu.web.menu import add_group, add_menu
from jiuzhu.web.render import page
from jiuzhu.web.security import WebUser, need, uow_of

router = APIRouter(prefix="/fund/reports")
READERS = ("finance", "auditor")
add_group("fund_mgmt", "基金管理", 45)
add_menu("fund.reports", "基金报表", "/fund/reports", READERS, "fund_mgmt", 40)
MEDIA = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pdf": "application/pdf",
}


def _args(request: Request) -> tuple[str, str, str | None]:
    q = request.query_params
    kind = q.get("kind") or "balance_sheet"
    default = (
        today().strftime("%Y-%m") if kind not in ("subsidy", "analysis") else str(today().year)
    )
    return kind, (q.get("period") or default).strip(), (q.get("county") or "").strip() or None


@router.get("")
def reports(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    kind, period, county = _args(request)
    problems: list[str] = []
    rep = None
    try:
        rep = queries.build(uow_of(request), request.app.state.region, kind, period, county=county)
    except JiuzhuError as exc:
        problems.append(exc.message)
    fields = [
        {"name": "kind", "label": "报表", "value": kind, "options": list(queries.KINDS.items())},
        {"name": "period", "label": "期间（YYYY-MM / YYYYQn / YYYY）", "value": period, "size": 10},
        {"name": "county", "label": "县区代码", "value": county or "", "size": 8},
    ]
    base = f"/fund/reports/{urllib.parse.quote(kind)}/{urllib.parse.quote(period)}"
    tail = f"?county={county}" if county else ""
    exports = [
        {"label": f"导出 {f.upper()}", "href": f"{base}.{f}{tail}", "download": True} for f in MEDIA
    ]
    return page(request, "fund_mgmt/reports.html", {
        "title": "基金报表", "breadcrumbs": [("基金管理", None), ("基金报表", None)], "fields": fields,
        "rep": rep, "problems": problems, "exports": exports, "quote": urllib.parse.quote,
    })  # fmt: skip


@router.get("/{kind}/{period}.{fmt}")
def export(
    request: Request, kind: str, period: str, fmt: str, user: WebUser = Depends(need(*READERS))
) -> Response:
    """导出: the report as XLSX or PDF (``?county=`` for one county's statements)."""
    if fmt not in MEDIA:
        raise InputError("格式只能是 xlsx 或 pdf", column="format")
    county = (request.query_params.get("county") or "").strip() or None
    rep = queries.build(uow_of(request), request.app.state.region, kind, period, county=county)
    name = urllib.parse.quote(f"{rep.title}.{fmt}")
    return Response(queries.export(rep, fmt), media_type=MEDIA[fmt],
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{name}"})  # fmt: skip


@router.get("/drill")
def drill(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    key = request.query_params.get("key", "")
    if urllib.parse.parse_qs(key).get("region") != [request.app.state.region] or len(key) > 500:
        raise NotFound("没有这个报表单元格 (no such report cell in this region)")
    d = queries.drill(uow_of(request), key, limit=500)
    return page(request, "fund_mgmt/drill.html", {
        "title": f"明细 {d.title}", "breadcrumbs": [("基金管理", None), ("基金报表", "/fund/reports"), ("明细", None)],
        "d": d,
    })  # fmt: skip
