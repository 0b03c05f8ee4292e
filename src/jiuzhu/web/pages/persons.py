"""救助对象: the person list (by 人员编号, household, identity), look-up by full ID number
(POST, keyed hash; never in a URL or a log), by name and ID number together, and a
person's page. ID numbers and names masked; revealing them needs a reason (audited)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services.browse import persons as q
from jiuzhu.services.enrolment import status_label
from jiuzhu.services.registry import SOURCE_ZH
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page, pager, xlsx_response
from jiuzhu.web.security import WebUser, need, reading, uow_of
from jiuzhu.wire.reimbursement import list_applications

router = APIRouter(prefix="/persons")
READERS = (
    "registry",
    "enrolment",
    "settlement",
    "intake",
    "first_review",
    "second_review",
    "approval",
    "finance",
    "auditor",
)
REVEALERS = ("registry", "intake", "auditor")
add_menu("persons", "救助对象查询", "/persons", READERS, "registry", 10)

HEADERS = ["人员编号", "身份证号码", "姓名", "性别", "出生日期", "户号", "参保地"]


def _fields(f: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"name": "psn_no", "label": "人员编号", "value": f["psn_no"], "placeholder": "前缀即可"},
        {"name": "household_no", "label": "户号", "value": f["household_no"]},
        {
            "name": "identity",
            "label": "救助身份",
            "value": f["identity"],
            "options": [(c, f"{n}（{c}）") for c, n in IDENTITY_CODES.items()],
        },
    ]


def _ctx(request: Request, **extra: Any) -> dict[str, Any]:
    return {
        "title": "救助对象查询",
        "breadcrumbs": [("救助对象", None), ("救助对象查询", None)],
        "can_reveal": False,
        **extra,
    }


@router.get("")
def persons(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    f = {k: request.query_params.get(k, "").strip() for k in ("psn_no", "household_no", "identity")}
    if f["identity"] and f["identity"] not in IDENTITY_CODES:
        f["identity"] = ""
    query = q.person_query(f["psn_no"], f["household_no"], f["identity"])
    with reading(request) as s:
        if request.query_params.get("export") == "xlsx":
            rows = q.all_persons(s, query)
            return xlsx_response(
                "救助对象.xlsx",
                "救助对象",
                HEADERS,
                (
                    [
                        r.psn_no,
                        r.certno,
                        r.name,
                        r.sex,
                        r.birth_date.isoformat() if r.birth_date else None,
                        r.household_no,
                        r.insured_region,
                    ]
                    for r in rows
                ),
                notes=[f"救助对象名单（导出条件：{_describe(f)}；身份证号码、姓名已脱敏）"],
            )
        pg = pager(request.query_params.get("page"), request.query_params.get("size"))
        pg.total, pg.capped, rows = q.list_persons(s, query, pg.size, pg.offset)
    return page(
        request,
        "persons/list.html",
        _ctx(request, fields=_fields(f), rows=rows, pg=pg, found=None),
        partial="persons/_table.html",
    )


def _describe(f: dict[str, str]) -> str:
    parts = [
        f"{label}={f[k]}"
        for k, label in (("psn_no", "人员编号"), ("household_no", "户号"), ("identity", "身份"))
        if f[k]
    ]
    return "，".join(parts) or "全部"


@router.post("/find")
def find(
    request: Request,
    certno: str = Form(""),
    name: str = Form(""),
    user: WebUser = Depends(need(*READERS)),
) -> Response:
    """By full ID number (and name): POST so that the number is in no URL or access log."""
    f = {"psn_no": "", "household_no": "", "identity": ""}
    problems: list[str] = []
    found = None
    try:
        with uow_of(request).begin() as s:
            found = q.find_by_certno(s, certno, name or None, user.actor)
    except JiuzhuError as exc:
        problems.append(exc.message)
    pg = pager(1, 20)
    rows = [found] if found else []
    pg.total = len(rows)
    return page(
        request,
        "persons/list.html",
        _ctx(
            request,
            fields=_fields(f),
            rows=rows,
            pg=pg,
            found=found is not None,
            problems=problems,
            by_name=bool(name.strip()),
        ),
        status_code=400 if problems else 200,
    )


def _detail(request: Request, psn_no: str, user: WebUser, **extra: Any) -> Response:
    try:
        day = dt.date.fromisoformat(request.query_params.get("on", ""))
    except ValueError:
        day = dt.date.today()
    with uow_of(request).begin() as s:
        d = q.person_page(s, psn_no, request.app.state.policy, day, user.actor)
    reimbursements = list_applications(uow_of(request), psn_no=psn_no, limit=100)
    return page(
        request,
        "persons/detail.html",
        {
            "title": f"救助对象 {psn_no}",
            "breadcrumbs": [("救助对象", None), ("救助对象查询", "/persons"), (psn_no, None)],
            "p": d,
            "reimbursements": reimbursements,
            "day": day,
            "sources": SOURCE_ZH,
            "status_label": status_label,
            "can_reveal": user.can(*REVEALERS),
            "problems": [],
            **extra,
        },
    )


@router.get("/{psn_no}")
def person(request: Request, psn_no: str, user: WebUser = Depends(need(*READERS))) -> Response:
    return _detail(request, psn_no, user)


@router.post("/{psn_no}/reveal")
def reveal(
    request: Request,
    psn_no: str,
    reason: str = Form(""),
    user: WebUser = Depends(need(*REVEALERS)),
) -> Response:
    try:
        with uow_of(request).begin() as s:
            clear = q.reveal(s, psn_no, reason, user.actor)
    except JiuzhuError as exc:
        return _detail(request, psn_no, user, problems=[exc.message])
    return _detail(request, psn_no, user, clear=clear, reason=reason)
