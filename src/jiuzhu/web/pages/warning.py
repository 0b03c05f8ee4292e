"""预警与稽核 pages: the monitoring list (新疆规程 第二十一条; 双鸭山实施办法 第二十三–二十五条)
and the check findings (梅州规程 第二十–二十三条), with the dashboard's open counts.

Read here; the status steps, pushes and claw-backs go through the API and CLI
(``/api/v1/warning``, ``/api/v1/checks``), whose services audit every step.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jiuzhu.domain.warning_status import FINDING_ZH, WATCH_ZH
from jiuzhu.services.checks.queries import page_findings
from jiuzhu.services.checks.workflow import open_count as open_findings
from jiuzhu.services.warning.queries import page_entries
from jiuzhu.services.warning.watch import open_count as open_warnings
from jiuzhu.web.menu import add_menu, add_widget
from jiuzhu.web.render import page, pager
from jiuzhu.web.security import WebUser, need, reading
from jiuzhu.wire import checks as shown_findings
from jiuzhu.wire import warning as shown_entries

router = APIRouter()
WARNING_READERS = ("warning", "registry", "auditor", "checks")
CHECK_READERS = ("checks", "auditor")
add_menu("warning", "监测名单", "/warning", WARNING_READERS, "warning", 10)
add_menu("checks", "核查发现", "/checks", CHECK_READERS, "warning", 20)


def _counts(request: Request, user: WebUser) -> dict[str, Any]:
    with reading(request) as s:
        return {"warnings": open_warnings(s), "findings": open_findings(s)}


add_widget("warning", "预警与核查", WARNING_READERS, "warning/_widget.html", _counts, 30)


@router.get("/warning")
def warning_list(request: Request, user: WebUser = Depends(need(*WARNING_READERS))) -> Response:
    status = request.query_params.get("status", "").strip()
    line = request.query_params.get("line", "").strip()
    pg = pager(request.query_params.get("page"), request.query_params.get("size"))
    with reading(request) as s:
        rows, pg.total, pg.capped = page_entries(
            s, status=status, line=line, limit=pg.size, offset=pg.offset
        )
    fields = [
        {"name": "status", "label": "状态", "value": status, "placeholder": "new / pushed …"},
        {"name": "line", "label": "预警线", "value": line, "placeholder": "sy_10000"},
    ]
    return page(
        request,
        "warning/list.html",
        {
            "title": "监测名单",
            "breadcrumbs": [("预警与稽核", None), ("监测名单", None)],
            "fields": fields,
            "rows": [shown_entries.shown(r) for r in rows],
            "pg": pg,
            "statuses": WATCH_ZH,
        },  # fmt: skip
        partial="warning/_table.html",
    )


@router.get("/checks")
def check_list(request: Request, user: WebUser = Depends(need(*CHECK_READERS))) -> Response:
    status = request.query_params.get("status", "").strip()
    rule = request.query_params.get("rule", "").strip()
    pg = pager(request.query_params.get("page"), request.query_params.get("size"))
    with reading(request) as s:
        rows, pg.total, pg.capped = page_findings(
            s, status=status, rule=rule, limit=pg.size, offset=pg.offset
        )
    fields = [
        {"name": "status", "label": "状态", "value": status, "placeholder": "open / assigned …"},
        {"name": "rule", "label": "规则", "value": rule, "placeholder": "hospital_deposit"},
    ]
    return page(
        request,
        "warning/checks.html",
        {
            "title": "核查发现",
            "breadcrumbs": [("预警与稽核", None), ("核查发现", None)],
            "fields": fields,
            "rows": [shown_findings.shown(r) for r in rows],
            "pg": pg,
            "statuses": FINDING_ZH,
        },  # fmt: skip
        partial="warning/_checks_table.html",
    )
