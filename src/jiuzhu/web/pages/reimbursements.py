"""零星报销: intake with the material checklist, the one-time notice or receipt as PDF, a
queue per review level with deadlines, decisions with reasons, the application page.

宁医保发〔2023〕102号 第二十条（初审、复审、审批，不得由同一人办理两级）、第二十一条（一次性
告知）、第二十二条、第二十三条（30 个工作日内办结并拨付）. The services decide; the page
only offers what the user's role may do and the server checks it again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.reports.pdf import render
from jiuzhu.services.reimbursement.rules import LEVEL_ZH, STATUS_ZH
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page, pager, xlsx_response
from jiuzhu.web.security import WebUser, need, uow_of
from jiuzhu.wire import reimbursement as rb

router = APIRouter(prefix="/reimbursements")
READERS = ("intake", "first_review", "second_review", "approval", "finance", "auditor")
INTAKE = ("intake",)
LEVELS = ("first_review", "second_review", "approval")
CLAIM_ROWS = 3
MED_TYPES = [
    ("21", "21 普通住院"),
    ("22", "22 外伤住院"),
    ("24", "24 转外住院"),
    ("14", "14 门诊慢特病"),
    ("11", "11 普通门诊"),
    ("41", "41 定点药店购药"),
]
CLAIM_FIELDS = (
    "setl_id",
    "setl_time",
    "med_type",
    "begndate",
    "enddate",
    "medfee_sumamt",
    "inscp_scp_amt",
    "hifp_pay",
    "hifmi_pay",
    "hifob_pay",
)
CLAIM_FLAGS = ("out_of_area", "referral", "emergency")

add_menu("reimb.new", "受理登记", "/reimbursements/new", INTAKE, "reimbursement", 10)
add_menu("reimb.list", "申请查询", "/reimbursements", READERS, "reimbursement", 20)
for _i, _lv in enumerate(LEVELS):
    add_menu(
        f"reimb.queue.{_lv}",
        f"{LEVEL_ZH[_lv]}队列",
        f"/reimbursements/queue/{_lv}",
        (_lv,),
        "reimbursement",
        30 + _i,
    )


def staff_of(user: WebUser) -> rb.Staff:
    return rb.Staff(user.username, user.perms, user.display_name)


def _policy(request: Request) -> Any:
    return request.app.state.policy


# -- list and queues ---------------------------------------------------------------------
@router.get("")
def applications(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    raw = request.query_params
    status = raw.get("status", "")
    psn_no = raw.get("psn_no", "").strip()
    when = raw.get("when", "")
    problems: list[str] = []
    try:
        rows = rb.list_applications(
            uow_of(request),
            region=request.app.state.region,
            status=status or None,
            psn_no=psn_no or None,
            overdue=when == "overdue",
            due_within=5 if when == "due" else None,
            limit=100000,
        )
    except JiuzhuError as exc:
        rows, problems = [], [exc.message]
    if raw.get("export") == "xlsx":
        return xlsx_response(
            "零星报销申请.xlsx",
            "零星报销申请",
            [
                "申请号",
                "人员编号",
                "申请人",
                "受理日期",
                "办结时限",
                "状态",
                "当前环节",
                "申请金额",
                "核准金额",
            ],
            (
                [
                    a["app_no"],
                    a["psn_no"],
                    a["applicant_name"],
                    a["received_on"],
                    a["deadline"],
                    a["status_zh"],
                    a["current_level_zh"] or "",
                    a["claimed_total"],
                    a["approved_total"] or "",
                ]
                for a in rows
            ),
        )
    pg = pager(raw.get("page"), raw.get("size"))
    pg.total = len(rows)
    fields = [
        {"name": "psn_no", "label": "人员编号", "value": psn_no},
        {"name": "status", "label": "状态", "value": status, "options": list(STATUS_ZH.items())},
        {
            "name": "when",
            "label": "时限",
            "value": when,
            "options": [("overdue", "已超时限"), ("due", "5 个工作日内到期")],
        },
    ]
    return page(
        request,
        "reimbursements/list.html",
        {
            "title": "零星报销申请",
            "breadcrumbs": [("零星报销", None), ("申请查询", None)],
            "fields": fields,
            "rows": rows[pg.offset : pg.offset + pg.size],
            "pg": pg,
            "problems": problems,
            "action": "/reimbursements",
            "queue": None,
        },
        partial="reimbursements/_table.html",
    )


@router.get("/queue/{level}")
def queue(request: Request, level: str, user: WebUser = Depends(need(*LEVELS))) -> Response:
    if level not in LEVELS:
        raise InputError(f"没有审核环节 {level}")
    user.require(level, why=f"您的岗位不能办理{LEVEL_ZH[level]}")
    rows = rb.list_applications(
        uow_of(request), region=request.app.state.region, awaiting=level, limit=100000
    )
    rows.sort(key=lambda a: (a["deadline"] or "9999", a["app_no"]))
    pg = pager(request.query_params.get("page"), request.query_params.get("size"))
    pg.total = len(rows)
    return page(
        request,
        "reimbursements/list.html",
        {
            "title": f"{LEVEL_ZH[level]}队列",
            "breadcrumbs": [("零星报销", None), (f"{LEVEL_ZH[level]}队列", None)],
            "fields": [],
            "rows": rows[pg.offset : pg.offset + pg.size],
            "pg": pg,
            "problems": [],
            "action": f"/reimbursements/queue/{level}",
            "queue": LEVEL_ZH[level],
        },
        partial="reimbursements/_table.html",
    )


# -- intake ------------------------------------------------------------------------------
def _intake_ctx(
    request: Request, form: dict[str, Any] | None = None, **extra: Any
) -> dict[str, Any]:
    rules = rb.rules_for(_policy(request), dt.date.today())
    return {
        "title": "零星报销受理登记",
        "breadcrumbs": [("零星报销", None), ("受理登记", None)],
        "rules": rules,
        "med_types": MED_TYPES,
        "rows": range(CLAIM_ROWS),
        "f": form or {"received_on": dt.date.today().isoformat(), "materials": []},
        "problems": [],
        **extra,
    }


@router.get("/new")
def intake_page(request: Request, user: WebUser = Depends(need(*INTAKE))) -> Response:
    try:
        ctx = _intake_ctx(request)
    except JiuzhuError as exc:
        return page(
            request,
            "error.html",
            {"status": 400, "title": "未配置", "message": exc.message},
            status_code=400,
        )
    return page(request, "reimbursements/new.html", ctx)


def _application(form: Any) -> dict[str, Any]:
    """The application as the service reads it, from the form (empty claim rows skipped)."""

    def text(k: str) -> str | None:
        v = form.get(k)
        return v.strip() if isinstance(v, str) and v.strip() else None

    raw: dict[str, Any] = {
        k: text(k)
        for k in (
            "psn_no",
            "received_on",
            "bank_name",
            "account_name",
            "account_no",
            "phone",
            "remarks",
        )
    }
    raw["materials"] = [m for m in form.getlist("materials") if isinstance(m, str)]
    raw["retro"] = bool(text("retro"))
    if text("agent_name") or text("agent_certno"):
        raw["agent"] = {
            "name": text("agent_name"),
            "certno": text("agent_certno"),
            "relation": text("agent_relation"),
        }
    claims = []
    for i in range(CLAIM_ROWS):
        if not text(f"c{i}_setl_id"):
            continue
        c: dict[str, Any] = {"psn_no": raw["psn_no"]}
        for k in CLAIM_FIELDS:
            v = text(f"c{i}_{k}")
            if v is not None:
                c[k] = v
        if "setl_time" in c and len(c["setl_time"]) == 16:  # YYYY-MM-DD HH:MM: add seconds
            c["setl_time"] = c["setl_time"].replace("T", " ") + ":00"
        for k in CLAIM_FLAGS:
            if text(f"c{i}_{k}"):
                c[k] = 1
        claims.append(c)
    raw["claims"] = claims
    return {k: v for k, v in raw.items() if v is not None}


@router.post("/new")
async def intake_post(request: Request, user: WebUser = Depends(need(*INTAKE))) -> Response:
    form = await request.form()
    raw = _application(form)
    try:
        out = rb.intake(uow_of(request), _policy(request), raw, staff=staff_of(user))
    except JiuzhuError as exc:
        keep = {k: v for k, v in form.items() if k != "csrf_token"}
        keep["materials"] = raw.get("materials", [])
        return page(
            request,
            "reimbursements/new.html",
            _intake_ctx(request, keep, problems=[exc.message]),
            status_code=400,
        )
    return RedirectResponse(f"/reimbursements/{out['app_no']}?new=1", status_code=303)


# -- one application ---------------------------------------------------------------------
def _detail(request: Request, app_no: str, user: WebUser, **extra: Any) -> Response:
    uow = uow_of(request)
    a = rb.get_application(uow, app_no, trail=True)
    level = a["current_level"]
    can_decide = bool(level) and user.can(level)
    est = None
    if can_decide:
        try:
            est = rb.preview(uow, _policy(request), app_no)
        except JiuzhuError as exc:
            est = {"error": exc.message}
    docs = []
    if a["status"] == "returned":
        docs.append(("notice", "一次性告知书（PDF）"))
    else:
        docs.append(("receipt", "受理回执（PDF）"))
    if a["status"] in ("approved", "completed", "rejected", "paid"):
        docs.append(("decision", "审批决定书（PDF）"))
    if request.query_params.get("new"):
        extra.setdefault(
            "flash",
            "已受理，请打印受理回执"
            if a["status"] != "returned"
            else "材料不全，已退回：请打印一次性告知书交申请人",
        )
        extra.setdefault("flash_kind", "ok" if a["status"] != "returned" else "warn")
    return page(
        request,
        "reimbursements/detail.html",
        {
            "title": f"零星报销 {app_no}",
            "breadcrumbs": [("零星报销", None), ("申请查询", "/reimbursements"), (app_no, None)],
            "a": a,
            "can_decide": can_decide,
            "est": est,
            "docs": docs,
            "problems": [],
            **extra,
        },
    )


@router.get("/{app_no}")
def application(request: Request, app_no: str, user: WebUser = Depends(need(*READERS))) -> Response:
    return _detail(request, app_no, user)


@router.post("/{app_no}/decide")
def decide(
    request: Request,
    app_no: str,
    decision: str = Form(""),
    reason: str = Form(""),
    level: str = Form(""),
    user: WebUser = Depends(need(*LEVELS)),
) -> Response:
    try:
        if decision not in ("approve", "reject"):
            raise InputError("请选择同意或不同意", column="decision")
        if decision == "reject" and len(reason.strip()) < 2:
            raise InputError("不同意须填写理由", column="reason")
        rb.review(
            uow_of(request),
            _policy(request),
            app_no,
            staff=staff_of(user),
            decision=decision,
            reason=reason.strip() or None,
            level=level or None,
        )
    except JiuzhuError as exc:
        resp = _detail(request, app_no, user, problems=[exc.message])
        resp.status_code = exc.http_status if exc.http_status in (403, 409) else 400
        return resp
    return _detail(request, app_no, user, flash="审核意见已保存")


@router.get("/{app_no}/documents/{kind}.pdf")
def document(
    request: Request, app_no: str, kind: str, user: WebUser = Depends(need(*READERS))
) -> Response:
    pdf = render(rb.document_data(uow_of(request), _policy(request), app_no, kind))
    return Response(
        pdf,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{app_no}-{kind}.pdf"'},
    )
