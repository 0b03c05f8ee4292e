"""审计日志: the audit trail, filtered and paginated, exportable (稽核 and 管理员).

宁医保发〔2023〕102号 第九条 全程痕迹管理. Entries hold no clear ID numbers or names.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from jiuzhu.services import audit_log as trail
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import COUNT_CAP, page, pager, xlsx_response
from jiuzhu.web.security import WebUser, need, reading

router = APIRouter()
READERS = ("auditor",)
add_menu("audit", "审计日志", "/audit", READERS, "system", 40)
FIELDS = ("actor", "action", "entity", "entity_id", "since", "until")


def _day(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None


def _filter(f: dict[str, str]) -> trail.AuditFilter:
    since, until = _day(f.get("since")), _day(f.get("until"))
    return trail.AuditFilter(
        actor=f.get("actor") or None,
        action=f.get("action") or None,
        entity=f.get("entity") or None,
        entity_id=f.get("entity_id") or None,
        since=dt.datetime.combine(since, dt.time()) if since else None,
        until=dt.datetime.combine(until + dt.timedelta(days=1), dt.time()) if until else None,
    )


def _row(a: trail.AuditView) -> dict[str, Any]:
    def show(v: Any) -> str:
        return "" if v is None else json.dumps(v, ensure_ascii=False, sort_keys=True)[:300]

    return {
        "id": a.id,
        "at": a.at,
        "actor": a.actor,
        "action": a.action,
        "entity": a.entity,
        "entity_id": a.entity_id,
        "before": show(a.before),
        "after": show(a.after),
    }


@router.get("/audit")
def audit_log(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    f = {k: request.query_params.get(k, "").strip() for k in FIELDS}
    q = _filter(f)
    with reading(request) as s:
        if request.query_params.get("export") == "xlsx":
            rows = [_row(a) for a in trail.search(s, q, 100000)]
            return xlsx_response(
                "审计日志.xlsx",
                "审计日志",
                ["编号", "时间", "操作人", "动作", "对象", "对象编号", "变更前", "变更后"],
                (
                    [
                        r["id"],
                        r["at"],
                        r["actor"],
                        r["action"],
                        r["entity"],
                        r["entity_id"],
                        r["before"],
                        r["after"],
                    ]
                    for r in rows
                ),
            )
        pg = pager(request.query_params.get("page"), request.query_params.get("size"))
        n = trail.count(s, q, COUNT_CAP)
        pg.total, pg.capped = min(n, COUNT_CAP), n > COUNT_CAP
        rows = [_row(a) for a in trail.search(s, q, pg.size, pg.offset)]
    fields = [
        {"name": "actor", "label": "操作人", "value": f["actor"], "placeholder": "如 staff:admin"},
        {"name": "action", "label": "动作", "value": f["action"]},
        {"name": "entity", "label": "对象", "value": f["entity"], "placeholder": "如 settlement"},
        {"name": "entity_id", "label": "对象编号", "value": f["entity_id"]},
        {"name": "since", "label": "起始日期", "type": "date", "value": f["since"]},
        {"name": "until", "label": "截止日期", "type": "date", "value": f["until"]},
    ]
    return page(
        request,
        "audit/list.html",
        {
            "title": "审计日志",
            "breadcrumbs": [("系统管理", None), ("审计日志", None)],
            "fields": fields,
            "rows": rows,
            "pg": pg,
        },
        partial="audit/_table.html",
    )
