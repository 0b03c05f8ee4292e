"""政策测算: a policy change tried on a year of stored settlements, with charts.

宁夏 第二十六条 (budget estimates); 双鸭山 第二十九条. The change is written as the overlay
of `jiuzhu simulate --overlay` (YAML); the figures are the service's (POST
/api/v1/simulations): per class, county, month and visit type, masked movers, budget.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import yaml
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from jiuzhu.domain.errors import JiuzhuError, PolicyError
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.overlay import apply_overlay
from jiuzhu.services.simulate import Simulation
from jiuzhu.services.simulate_stored import cached_year
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page
from jiuzhu.web.security import WebUser, need, uow_of

router = APIRouter(prefix="/simulate")
READERS = ("finance", "auditor", "approval")
add_menu("simulate", "政策测算", "/simulate", READERS, "policy", 20)
EXAMPLE = """ref: 测算方案（示例）：二类救助比例提高到85%
classes:
  二:
    ratio: [{from: 2025-01-01, value: "0.85"}]
"""


def _chart(s: Simulation) -> str:
    """ECharts option: paid now and under the change, by month (yuan)."""
    months = s.by.get("month", [])
    return json.dumps(
        {
            "tooltip": {"trigger": "axis"},
            "legend": {"data": ["现行", "测算"]},
            "xAxis": {"type": "category", "data": [r.key for r in months]},
            "yAxis": {"type": "value", "name": "元"},
            "series": [
                {"name": "现行", "type": "bar", "data": [format_fen(r.paid_now) for r in months]},
                {
                    "name": "测算",
                    "type": "bar",
                    "data": [format_fen(r.paid_change) for r in months],
                },
            ],
        },
        ensure_ascii=False,
    )


def _form(request: Request, **extra: Any) -> Response:
    ctx = {
        "title": "政策测算",
        "breadcrumbs": [("政策与模拟", None), ("政策测算", None)],
        "year": dt.date.today().year - 1,
        "change": EXAMPLE,
        "problems": [],
        "s": None,
        "fen": format_fen,
        **extra,
    }
    return page(request, "simulate/index.html", ctx, status_code=400 if ctx["problems"] else 200)


@router.get("")
def form(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    return _form(request)


@router.post("")
def run(
    request: Request,
    year: int = Form(...),
    change: str = Form(""),
    user: WebUser = Depends(need(*READERS)),
) -> Response:
    try:
        try:
            overlay = yaml.safe_load(change) or {}
        except yaml.YAMLError as exc:
            raise PolicyError(f"测算方案不是有效的 YAML：{exc}") from None
        if not isinstance(overlay, dict):
            raise PolicyError("测算方案应为 classes / tilt / parameters 的映射")
        now = request.app.state.policy
        changed = apply_overlay(now, overlay, "测算方案")
        s = cached_year(uow_of(request), now.region, year).simulate(now, changed, "测算方案")
    except JiuzhuError as exc:
        return _form(request, year=year, change=change, problems=[exc.message])
    return _form(request, year=year, change=change, s=s, chart=_chart(s))
