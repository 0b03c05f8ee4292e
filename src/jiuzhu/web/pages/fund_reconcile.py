"""银行对账 page: import a bank statement or finance's balances (atomic; errors name file,
line and column), run the reconciliation of an account over a period, and resolve each
difference with its reason (宁医保发〔2023〕102号 第二十八条; 新疆规程 第二十条)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response

from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.services.fund.clearing.parse import day as parse_day
from jiuzhu.services.fund.reconcile import apply, queries
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import export_url, page, xlsx_response
from jiuzhu.web.security import WebUser, need, uow_of
from jiuzhu.wire.fund import signed

router = APIRouter()
READERS = ("finance", "auditor")
FINANCE = ("finance",)
add_menu("fund.reconcile", "银行对账", "/fund/reconcile", READERS, "fund", 50)
STATUS = {"open": "未处理", "resolved": "已处理"}


def _page(request: Request, user: WebUser, **extra: Any) -> Response:
    status = request.query_params.get("status", "open").strip()
    account = request.query_params.get("account", "").strip()
    rows = queries.list_differences(uow_of(request), status=status if status in STATUS else None,
                                    account=account or None, limit=1000)  # fmt: skip
    if request.query_params.get("export") == "xlsx":
        return xlsx_response("对账差异.xlsx", "对账差异",
                             ["编号", "科目", "县区", "类型", "日期", "金额", "账面", "说明", "状态", "处理人", "原因"],
                             [[d.id, d.account, d.county, d.kind_zh, d.day.isoformat(), signed(d.amount),
                               signed(d.books), d.detail, STATUS.get(d.status, d.status),
                               d.resolved_by or "", d.reason or ""] for d in rows])  # fmt: skip
    fields = [
        {"name": "status", "label": "状态", "value": status, "options": list(STATUS.items())},
        {"name": "account", "label": "科目", "value": account, "placeholder": "1004"},
    ]
    return page(request, "fund/reconcile.html",
                {"title": "银行对账", "breadcrumbs": [("基金财务", None), ("银行对账", None)], "fields": fields,
                 "rows": rows, "imports": queries.list_imports(uow_of(request), limit=20),
                 "can_act": user.can(*FINANCE), "export": export_url(request), "problems": [], **extra},
                partial="fund/_reconcile_table.html")  # fmt: skip


@router.get("/fund/reconcile")
def reconcile(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    return _page(request, user)


@router.post("/fund/reconcile/bank")
async def import_bank(
    request: Request, account: str = Form(""), county: str = Form(""), file: UploadFile = File(...),
    user: WebUser = Depends(need(*FINANCE)),
) -> Response:  # fmt: skip
    try:
        r = apply.import_bank(uow_of(request), request.app.state.region, file.filename or "bank.csv",
                              await file.read(), account=account.strip(), county=county, actor=user.actor)  # fmt: skip
    except JiuzhuError as exc:
        return _page(request, user, problems=[exc.message])
    return _page(request, user, flash=f"银行对账单已导入：{r.rows} 行")


@router.post("/fund/reconcile/finance")
async def import_finance(
    request: Request, file: UploadFile = File(...), user: WebUser = Depends(need(*FINANCE))
) -> Response:
    try:
        r = apply.import_finance(uow_of(request), request.app.state.region, file.filename or "finance.csv",
                                 await file.read(), actor=user.actor)  # fmt: skip
    except JiuzhuError as exc:
        return _page(request, user, problems=[exc.message])
    return _page(request, user, flash=f"财政数据已导入：{r.rows} 行")


@router.post("/fund/reconcile/run")
def run(
    request: Request, account: str = Form(""), county: str = Form(""), begin: str = Form(""),
    end: str = Form(""), user: WebUser = Depends(need(*FINANCE)),
) -> Response:  # fmt: skip
    try:
        r = apply.run(uow_of(request), request.app.state.region, account=account.strip(), county=county,
                      begin=parse_day(begin, "from"), end=parse_day(end, "to"), actor=user.actor)  # fmt: skip
    except JiuzhuError as exc:
        return _page(request, user, problems=[exc.message])
    return _page(
        request,
        user,
        flash=f"对账完成：相符 {r.matched} 笔，差异 {r.found} 处（新增 {r.new}，自动销号 {r.closed}）",
    )


@router.post("/fund/reconcile/differences/{diff_id}/resolve")
def resolve(
    request: Request, diff_id: int, reason: str = Form(""), user: WebUser = Depends(need(*FINANCE))
) -> Response:
    try:
        apply.resolve(uow_of(request), diff_id, reason=reason, actor=user.actor)
    except JiuzhuError as exc:
        return _page(request, user, problems=[exc.message])
    return _page(request, user, flash=f"差异 #{diff_id} 已处理")
