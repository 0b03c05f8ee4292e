"""资助参保台账 (the subsidy register, 免缴台账): who is subsidised for a year, by how much,
and in which case (梅州规程 第六–七条; 宁医保发〔2023〕102号 资助参保), exported as XLSX."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.services import enrolment
from jiuzhu.services.enrolment import page as enrolment_page
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page, pager, xlsx_response
from jiuzhu.web.security import WebUser, need, reading

router = APIRouter(prefix="/enrolment")
READERS = ("enrolment", "registry", "auditor", "finance")
add_menu("enrolment", "资助参保台账", "/enrolment", READERS, "registry", 40)


@router.get("")
def register(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    raw = request.query_params
    try:
        year = int(raw.get("year") or dt.date.today().year)
    except ValueError:
        year = dt.date.today().year
    case = raw.get("case", "")
    psn_no = raw.get("psn_no", "").strip()
    problems: list[str] = []
    lines: list[enrolment.SubsidyRegisterLine] = []
    pg = pager(raw.get("page"), raw.get("size"))
    try:
        if raw.get("export") == "xlsx":
            from jiuzhu.reports.xlsx import xlsx_bytes

            with reading(request) as s:
                led = enrolment.build_register(s, request.app.state.policy, year)
            return Response(
                xlsx_bytes(enrolment.register_sheets(led)),
                media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                headers={"Content-Disposition": f'attachment; filename="mianjiao-{year}.xlsx"'},
            )
        with reading(request) as s:
            # one page chosen, counted (capped) and built in SQL (services/enrolment/page.py)
            pg.total, pg.capped, lines = enrolment_page.register_page(
                s, request.app.state.policy, year, case=case, psn_no=psn_no,
                limit=pg.size, offset=pg.offset,
            )  # fmt: skip
    except JiuzhuError as exc:
        problems.append(exc.message)
    fields = [
        {"name": "year", "label": "年度", "value": str(year), "type": "number"},
        {
            "name": "case",
            "label": "情形",
            "value": case,
            "options": [(k, v[0]) for k, v in enrolment.CASES.items()],
        },
        {"name": "psn_no", "label": "人员编号", "value": psn_no},
    ]
    return page(
        request,
        "enrolment/register.html",
        {
            "title": "资助参保台账",
            "breadcrumbs": [("救助对象", None), ("资助参保台账", None)],
            "fields": fields,
            "rows": lines,
            "pg": pg,
            "year": year,
            "cases": enrolment.CASES,
            "problems": problems,
        },
        partial="enrolment/_table.html",
    )


__all__ = ["router", "xlsx_response"]


@router.get("/totals")
def totals(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    """The year's totals (资助人数、资助金额、个人缴费、应退金额), asked for by a button: one
    grouped statement over the whole registry (services/enrolment/page.register_totals)."""
    raw = request.query_params
    try:
        year = int(raw.get("year") or dt.date.today().year)
    except ValueError:
        year = dt.date.today().year
    problems: list[str] = []
    sums = None
    try:
        with reading(request) as s:
            sums = enrolment_page.register_totals(s, request.app.state.policy, year)
    except JiuzhuError as exc:
        problems.append(exc.message)
    return page(
        request,
        "enrolment/totals.html",
        {
            "title": "资助参保台账合计",
            "breadcrumbs": [("救助对象", None), ("资助参保台账", f"/enrolment?year={year}"),
                            ("合计", None)],
            "totals": sums,
            "year": year,
            "cases": enrolment.CASES,
            "problems": problems,
        },
        partial="enrolment/_totals.html",
    )  # fmt: skip
