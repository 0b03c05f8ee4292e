"""资助参保台账 (the exemption ledger 免缴台账): who is subsidised for a year, by how much,
and in which case (梅州规程 第六–七条; 宁医保发〔2023〕102号 资助参保), exported as XLSX."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.services import enrolment
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page, pager, xlsx_response
from jiuzhu.web.security import WebUser, need, reading

router = APIRouter(prefix="/enrolment")
READERS = ("enrolment", "registry", "auditor", "finance")
add_menu("enrolment", "资助参保台账", "/enrolment", READERS, "registry", 40)


@router.get("")
def ledger(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    raw = request.query_params
    try:
        year = int(raw.get("year") or dt.date.today().year)
    except ValueError:
        year = dt.date.today().year
    case = raw.get("case", "")
    psn_no = raw.get("psn_no", "").strip()
    problems: list[str] = []
    lines: list[enrolment.LedgerLine] = []
    totals = None
    try:
        with reading(request) as s:
            led = enrolment.build_ledger(s, request.app.state.policy, year)
        if raw.get("export") == "xlsx":
            from jiuzhu.reports.xlsx import xlsx_bytes

            return Response(
                xlsx_bytes(enrolment.ledger_sheets(led)),
                media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                headers={"Content-Disposition": f'attachment; filename="mianjiao-{year}.xlsx"'},
            )
        totals = led.totals()
        lines = [
            ln
            for ln in led.lines
            if (not case or ln.case == case) and (not psn_no or ln.psn_no.startswith(psn_no))
        ]
    except JiuzhuError as exc:
        problems.append(exc.message)
    pg = pager(raw.get("page"), raw.get("size"))
    pg.total = len(lines)
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
        "enrolment/ledger.html",
        {
            "title": "资助参保台账",
            "breadcrumbs": [("救助对象", None), ("资助参保台账", None)],
            "fields": fields,
            "rows": lines[pg.offset : pg.offset + pg.size],
            "pg": pg,
            "totals": totals,
            "year": year,
            "cases": enrolment.CASES,
            "problems": problems,
        },
        partial="enrolment/_table.html",
    )


__all__ = ["router", "xlsx_response"]
