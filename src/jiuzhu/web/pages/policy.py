"""政策参数: the region's policy table with citations, and the operator parameters (a dated
value with its citation; 管理员 only; audited; takes effect in this service at once)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.services import parameters
from jiuzhu.services.policy_view import policy_table
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page
from jiuzhu.web.security import WebUser, need, uow_of

router = APIRouter(prefix="/policy")
READERS = (
    "registry",
    "settlement",
    "intake",
    "first_review",
    "second_review",
    "approval",
    "finance",
    "auditor",
    "enrolment",
)
SETTERS = ("admin",)
add_menu("policy", "政策标准与参数", "/policy", READERS, "policy", 10)


def _page(request: Request, user: WebUser, **extra: Any) -> Response:
    try:
        day = dt.date.fromisoformat(request.query_params.get("on", ""))
    except ValueError:
        day = dt.date.today()
    t = policy_table(request.app.state.policy, day)
    return page(
        request,
        "policy/index.html",
        {
            "title": "政策标准与参数",
            "breadcrumbs": [("政策与模拟", None), ("政策标准与参数", None)],
            "t": t,
            "day": day,
            "can_set": user.can(*SETTERS),
            "problems": [],
            **extra,
        },
        status_code=400 if extra.get("problems") else 200,
    )


@router.get("")
def policy(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    return _page(request, user)


@router.post("/parameters")
def set_parameter(
    request: Request,
    name: str = Form(""),
    valid_from: str = Form(""),
    value: str = Form(""),
    ref: str = Form(""),
    user: WebUser = Depends(need(*SETTERS)),
) -> Response:
    try:
        try:
            day = dt.date.fromisoformat(valid_from)
        except ValueError:
            raise InputError("生效日期应为 YYYY-MM-DD", column="valid_from") from None
        with uow_of(request).begin() as s:
            new = parameters.set_value(
                s, request.app.state.policy, name, day, value, ref, user.actor
            )
    except JiuzhuError as exc:
        return _page(request, user, problems=[exc.message])
    request.app.state.policy = new
    return _page(
        request, user, flash=f"参数 {name} 自 {day} 起为 {value.strip()}（已记入审计日志）"
    )
