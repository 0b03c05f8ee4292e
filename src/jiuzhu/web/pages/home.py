"""工作台 (dashboard): today's settlements, the month's spending by class, reimbursements
due soon and overdue (宁医保发〔2023〕102号 第二十三条 办理时限), and the panels other
nouns add (``menu.add_widget``: open warnings, findings …)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jiuzhu.services import overview
from jiuzhu.web.menu import WIDGETS, add_menu, add_widget
from jiuzhu.web.render import money, page
from jiuzhu.web.security import WebUser, need, reading, uow_of
from jiuzhu.wire.reimbursement import list_applications

router = APIRouter()
add_menu("home", "工作台", "/", (), "home", 0)

SETTLEMENT_READERS = ("settlement", "finance", "auditor")
REIMB_READERS = ("intake", "first_review", "second_review", "approval", "finance", "auditor")


def _on(request: Request) -> dt.date:
    try:
        return dt.date.fromisoformat(request.query_params.get("on", ""))
    except ValueError:
        return dt.date.today()


def _settlements(request: Request, user: WebUser) -> dict[str, Any]:
    day = _on(request)
    with reading(request) as s:
        today = overview.day_figures(s, day)
        by_class = overview.month_by_class(s, day)
        latest = overview.latest_settlement_day(s)
    rank = {c.id: i for i, c in enumerate(request.app.state.policy.spec.classes)}
    by_class.sort(key=lambda r: rank.get(r["class_id"], len(rank)))
    classes = [r["class_id"] or "无身份" for r in by_class]
    chart = {
        "aria": {"enabled": True},
        "animation": False,
        "tooltip": {"trigger": "axis"},
        "legend": {"data": ["医疗救助", "倾斜救助"]},
        "grid": {"left": 90, "right": 20, "bottom": 30, "top": 40},
        "xAxis": {"type": "category", "data": classes},
        "yAxis": {"type": "value", "name": "元"},
        # amounts as two-decimal strings (fen formatted, no float arithmetic here)
        "series": [
            {
                "name": "医疗救助",
                "type": "bar",
                "stack": "a",
                "data": [money(r["maf_pay"]).replace(",", "") for r in by_class],
            },
            {
                "name": "倾斜救助",
                "type": "bar",
                "stack": "a",
                "decal": {"symbol": "rect"},
                "data": [money(r["tilt_pay"]).replace(",", "") for r in by_class],
            },
        ],
    }
    return {
        "day": day,
        "today": today,
        "by_class": by_class,
        "latest": latest,
        "chart": json.dumps(chart, ensure_ascii=False),
    }


def _reimbursements(request: Request, user: WebUser) -> dict[str, Any]:
    day = _on(request)
    uow = uow_of(request)
    region = request.app.state.region
    return {
        "overdue": list_applications(uow, region=region, overdue=True, today=day, limit=10),
        "due": list_applications(uow, region=region, due_within=5, today=day, limit=10),
    }


add_widget(
    "settlements", "结算概况", SETTLEMENT_READERS, "home/_settlements.html", _settlements, 10
)
add_widget(
    "reimbursements",
    "零星报销时限",
    REIMB_READERS,
    "home/_reimbursements.html",
    _reimbursements,
    20,
)


@router.get("/")
def dashboard(request: Request, user: WebUser = Depends(need())) -> Response:
    panels = [
        (w, w.load(request, user))
        for w in sorted(WIDGETS.values(), key=lambda w: (w.order, w.key))
        if user.can(*w.perms)
    ]
    return page(
        request, "home/index.html", {"title": "工作台", "panels": panels, "on": _on(request)}
    )
