"""基金财务 pages: hospital statements (对账单: list, detail with every difference, approve or
reject), payment batches to hospitals (拨付: create, bank file, confirm), the trial balance
(总账/试算平衡) and what is owed to each hospital (应付医院). 宁医保发〔2023〕102号 第三十条;
calc-contract §12 figures. Routes call the services and return their typed views."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from jiuzhu.domain.clearing import STATUS_ZH
from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund import queries as books
from jiuzhu.services.fund.clearing import apply, parse, queries
from jiuzhu.services.fund.clearing.parse import day as parse_day
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import export_url, page, xlsx_response
from jiuzhu.web.security import WebUser, need, uow_of

router = APIRouter()
READERS = ("finance", "auditor")
FINANCE = ("finance",)
add_menu("fund.statements", "医院对账", "/fund/statements", READERS, "fund", 10)
add_menu("fund.batches", "医院拨付", "/fund/hospital-batches", READERS, "fund", 20)
add_menu("fund.ledger", "总账（试算平衡）", "/fund/trial-balance", READERS, "fund", 30)
add_menu("fund.payables", "应付医院", "/fund/payables", READERS, "fund", 40)


@router.get("/fund/statements")
def statements(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    return _statements(request, user)


def _statements(request: Request, user: WebUser, **extra: Any) -> Response:
    status = request.query_params.get("status", "").strip()
    code = request.query_params.get("fixmedins_code", "").strip()
    rows = queries.list_statements(uow_of(request), institution=code or None,
                                   status=status if status in STATUS_ZH else None, limit=500)  # fmt: skip
    if request.query_params.get("export") == "xlsx":
        return xlsx_response(
            "医院对账单.xlsx", "医院对账单",
            ["对账单号", "定点医药机构", "开始", "结束", "医院笔数", "医院基金支付", "我方笔数", "我方基金支付", "结果", "说明", "状态"],
            [[v.stmt_no, v.fixmedins_code, v.stmt_begndate.isoformat(), v.stmt_enddate.isoformat(),
              v.theirs_setl_cnt, format_fen(v.theirs_fund_pay_sumamt) if v.theirs_fund_pay_sumamt is not None else "",
              v.ours_setl_cnt, format_fen(v.ours_fund_pay_sumamt), v.stmt_rslt, v.stmt_rslt_dscr, v.status_zh]
             for v in rows],
        )  # fmt: skip
    fields = [
        {"name": "fixmedins_code", "label": "定点医药机构", "value": code},
        {"name": "status", "label": "状态", "value": status,
         "options": [(k, STATUS_ZH[k]) for k in ("compared", "approved", "rejected", "batched", "paid")]},
    ]  # fmt: skip
    return page(request, "fund/statements.html",
                {"title": "医院对账", "breadcrumbs": [("基金财务", None), ("医院对账", None)],
                 "fields": fields, "rows": rows, "export": export_url(request),
                 "can_submit": user.can(*FINANCE), "problems": [], **extra},
                partial="fund/_statements_table.html")  # fmt: skip


@router.post("/fund/statements")
async def submit(
    request: Request, fixmedins_code: str = Form(""), begin: str = Form(""), end: str = Form(""),
    file: UploadFile = File(...), user: WebUser = Depends(need(*FINANCE)),
) -> Response:  # fmt: skip
    """代医院报送: a hospital's 3202 file received outside the interface, compared at once."""
    try:
        lines = parse.detail_from_file(file.filename or "detail.csv", await file.read())
        st = parse.StatementIn(fixmedins_code.strip(), parse_day(begin, "stmt_begndate"),
                               parse_day(end, "stmt_enddate"), None, lines)  # fmt: skip
        v = apply.submit(uow_of(request), request.app.state.region, st, actor=user.actor)
    except JiuzhuError as exc:
        return _statements(request, user, problems=[exc.message])
    return RedirectResponse(f"/fund/statements/{v.stmt_no}", status_code=303)


def _statement(request: Request, stmt_no: str, user: WebUser, **extra: Any) -> Response:
    v = queries.get_statement(uow_of(request), stmt_no)
    return page(request, "fund/statement.html",
                {"title": f"对账单 {stmt_no}", "v": v, "can_decide": user.can(*FINANCE) and v.status == "compared",
                 "breadcrumbs": [("基金财务", None), ("医院对账", "/fund/statements"), (stmt_no, None)],
                 "problems": [], **extra})  # fmt: skip


@router.get("/fund/statements/{stmt_no}")
def statement(request: Request, stmt_no: str, user: WebUser = Depends(need(*READERS))) -> Response:
    return _statement(request, stmt_no, user)


@router.post("/fund/statements/{stmt_no}/approve")
def approve(
    request: Request, stmt_no: str, note: str = Form(""), user: WebUser = Depends(need(*FINANCE))
) -> Response:
    try:
        apply.approve(uow_of(request), stmt_no, actor=user.actor, note=note)
    except JiuzhuError as exc:
        return _statement(request, stmt_no, user, problems=[exc.message])
    return _statement(request, stmt_no, user, flash="已审核，待拨付")


@router.post("/fund/statements/{stmt_no}/reject")
def reject(
    request: Request, stmt_no: str, reason: str = Form(""), user: WebUser = Depends(need(*FINANCE))
) -> Response:
    try:
        apply.reject(uow_of(request), stmt_no, actor=user.actor, reason=reason)
    except JiuzhuError as exc:
        return _statement(request, stmt_no, user, problems=[exc.message])
    return _statement(request, stmt_no, user, flash="已退回医院")


def _batches(request: Request, user: WebUser, **extra: Any) -> Response:
    uow = uow_of(request)
    return page(request, "fund/batches.html",
                {"title": "医院拨付", "breadcrumbs": [("基金财务", None), ("医院拨付", None)],
                 "batches": queries.list_batches(uow), "approved": queries.list_statements(uow, status="approved", limit=1000),
                 "can_pay": user.can(*FINANCE), "problems": [], **extra})  # fmt: skip


@router.get("/fund/hospital-batches")
def batches(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    return _batches(request, user)


@router.post("/fund/hospital-batches")
def create_batch(
    request: Request,
    stmt_nos: list[str] = Form(default=[]),
    user: WebUser = Depends(need(*FINANCE)),
) -> Response:
    try:
        if not stmt_nos:
            raise InputError("请至少勾选一张已审核的对账单", column="stmt_nos")
        b = apply.create_batch(
            uow_of(request), request.app.state.region, actor=user.actor, stmt_nos=stmt_nos
        )
    except JiuzhuError as exc:
        return _batches(request, user, problems=[exc.message])
    return RedirectResponse(f"/fund/hospital-batches/{b.batch_no}", status_code=303)


def _batch(request: Request, batch_no: str, user: WebUser, **extra: Any) -> Response:
    b = queries.get_batch(uow_of(request), batch_no)
    return page(request, "fund/batch.html",
                {"title": f"拨付批次 {batch_no}", "b": b, "can_pay": user.can(*FINANCE), "problems": [],
                 "breadcrumbs": [("基金财务", None), ("医院拨付", "/fund/hospital-batches"), (batch_no, None)], **extra})  # fmt: skip


@router.get("/fund/hospital-batches/{batch_no}")
def batch(request: Request, batch_no: str, user: WebUser = Depends(need(*READERS))) -> Response:
    return _batch(request, batch_no, user)


@router.get("/fund/hospital-batches/{batch_no}/bank-file.csv")
def bank_file(request: Request, batch_no: str, user: WebUser = Depends(need(*FINANCE))) -> Response:
    data = apply.export_batch(uow_of(request), batch_no, actor=user.actor)
    return Response(data, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{batch_no}.csv"'})  # fmt: skip


@router.post("/fund/hospital-batches/{batch_no}/confirm")
def confirm(
    request: Request, batch_no: str, bank_reference: str = Form(""), paid_on: str = Form(""),
    user: WebUser = Depends(need(*FINANCE)),
) -> Response:  # fmt: skip
    try:
        d = parse_day(paid_on, "paid_on") if paid_on.strip() else None
        apply.confirm_batch(
            uow_of(request), batch_no, actor=user.actor, bank_reference=bank_reference, day=d
        )
    except JiuzhuError as exc:
        return _batch(request, batch_no, user, problems=[exc.message])
    return _batch(request, batch_no, user, flash="已确认拨付，应付医院款已冲减")


def _as_of(request: Request) -> tuple[dt.date, list[str]]:
    text = request.query_params.get("as_of", "").strip()
    if not text:
        return dt.date.today(), []
    try:
        return parse_day(text, "as_of"), []
    except InputError as exc:
        return dt.date.today(), [exc.message]


@router.get("/fund/trial-balance")
def trial_balance(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    as_of, problems = _as_of(request)
    county = request.query_params.get("county", "").strip()
    rows = books.trial_balance(uow_of(request), as_of, county=county or None)
    if request.query_params.get("export") == "xlsx":
        return xlsx_response(f"试算平衡表-{as_of}.xlsx", "试算平衡表", ["科目编码", "科目名称", "借方", "贷方"],
                             [[r.account_code, r.account_name, format_fen(r.debit), format_fen(r.credit)] for r in rows],
                             notes=[f"截至 {as_of}" + (f"，县区 {county}" if county else "")])  # fmt: skip
    fields = [{"name": "as_of", "label": "截至日期", "value": as_of.isoformat(), "type": "date"},
              {"name": "county", "label": "县区", "value": county, "placeholder": "640104"}]  # fmt: skip
    dr, cr = sum(r.debit for r in rows), sum(r.credit for r in rows)
    return page(request, "fund/trial_balance.html",
                {"title": "总账（试算平衡）", "breadcrumbs": [("基金财务", None), ("总账（试算平衡）", None)],
                 "fields": fields, "rows": rows, "dr": dr, "cr": cr, "as_of": as_of, "problems": problems,
                 "export": export_url(request)}, partial="fund/_tb_table.html")  # fmt: skip


@router.get("/fund/payables")
def payables(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    as_of, problems = _as_of(request)
    uow = uow_of(request)
    rows, owed = books.payables(uow, as_of), books.receivables(uow, as_of)
    if request.query_params.get("export") == "xlsx":
        return xlsx_response(f"应付医院-{as_of}.xlsx", "应付医院", ["定点医药机构", "应付未付"],
                             [[p.fixmedins_code, format_fen(p.unpaid)] for p in rows],
                             notes=[f"截至 {as_of}（结算 − 撤销 − 追回 − 已拨付）"])  # fmt: skip
    fields = [{"name": "as_of", "label": "截至日期", "value": as_of.isoformat(), "type": "date"}]
    return page(request, "fund/payables.html",
                {"title": "应付医院", "breadcrumbs": [("基金财务", None), ("应付医院", None)], "fields": fields,
                 "rows": rows, "owed": owed, "total": sum(p.unpaid for p in rows), "as_of": as_of,
                 "problems": problems, "export": export_url(request)}, partial="fund/_payables_table.html")  # fmt: skip
