"""结算管理: settlements filtered by hospital, date, identity, amount; a settlement with its
trace in Chinese and the articles; reversal with a reason (audited); back-pay
(宁医保发〔2023〕102号 第十九条 补报: an identity recognised later, on the department's
certificate)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services import backpay
from jiuzhu.services.browse.settlements import SettlementFilter, export_rows, list_settlements
from jiuzhu.services.settlement import get_settlement, reverse
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import money, page, pager, xlsx_response
from jiuzhu.web.security import WebUser, need, reading, uow_of

router = APIRouter(prefix="/settlements")
READERS = (
    "settlement",
    "registry",
    "finance",
    "auditor",
    "first_review",
    "second_review",
    "approval",
)
WRITERS = ("settlement",)
add_menu("settlements", "结算查询", "/settlements", READERS, "settlement", 10)
add_menu("backpay", "补报（追溯救助）", "/settlements/backpay", WRITERS, "settlement", 20)

SOURCES = {"one_stop": "一站式结算", "import": "离线导入", "manual": "零星报销", "backpay": "补报"}
STATUSES = {"settled": "已结算", "reversed": "已撤销"}
HEADERS = [
    "结算编号",
    "人员编号",
    "结算时间",
    "医药机构",
    "来源",
    "医疗类别",
    "身份",
    "救助类别",
    "政策范围内费用",
    "救助基数",
    "起付标准",
    "医疗救助",
    "倾斜救助",
    "状态",
]


def _fields(raw: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "name": "institution",
            "label": "医药机构编码",
            "value": raw.get("institution"),
            "size": 14,
        },
        {"name": "psn_no", "label": "人员编号", "value": raw.get("psn_no"), "size": 14},
        {"name": "since", "label": "结算日期自", "type": "date", "value": raw.get("since")},
        {"name": "until", "label": "至", "type": "date", "value": raw.get("until")},
        {
            "name": "identity",
            "label": "身份",
            "value": raw.get("identity"),
            "options": [("-", "无身份")] + [(c, n) for c, n in IDENTITY_CODES.items()],
        },
        {"name": "min_pay", "label": "救助金额≥（元）", "value": raw.get("min_pay"), "size": 9},
        {"name": "max_pay", "label": "救助金额≤（元）", "value": raw.get("max_pay"), "size": 9},
        {
            "name": "status",
            "label": "状态",
            "value": raw.get("status"),
            "options": list(STATUSES.items()),
        },
        {
            "name": "source",
            "label": "来源",
            "value": raw.get("source"),
            "options": list(SOURCES.items()),
        },
    ]


def _export_row(r: Any) -> list[Any]:
    return [
        r.setl_id,
        r.psn_no,
        r.setl_time.strftime("%Y-%m-%d %H:%M:%S"),
        r.institution or "",
        SOURCES.get(r.source, r.source),
        r.med_type,
        r.identity or "",
        r.class_id or "",
        r.body.get("inscp_scp_amt", ""),
        money(r.base).replace(",", ""),
        money(r.deductible).replace(",", ""),
        money(r.maf_pay).replace(",", ""),
        money(r.tilt_pay).replace(",", ""),
        STATUSES.get(r.status, r.status),
    ]


@router.get("")
def settlements(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    raw = dict(request.query_params)
    f, problems = SettlementFilter.parse(raw)
    with reading(request) as s:
        if raw.get("export") == "xlsx" and not problems:
            return xlsx_response(
                "结算明细.xlsx",
                "结算明细",
                HEADERS,
                (_export_row(r) for r in export_rows(s, f)),
                notes=["结算明细（按查询条件导出；金额单位：元）"],
            )
        pg = pager(raw.get("page"), raw.get("size"))
        pg.total, pg.capped, rows = list_settlements(s, f, pg.size, pg.offset)
    return page(
        request,
        "settlements/list.html",
        {
            "title": "结算查询",
            "breadcrumbs": [("结算管理", None), ("结算查询", None)],
            "fields": _fields(raw),
            "rows": rows,
            "pg": pg,
            "problems": problems,
            "sources": SOURCES,
        },
        partial="settlements/_table.html",
        status_code=400 if problems else 200,
    )


def _detail(request: Request, setl_id: str, user: WebUser, **extra: Any) -> Response:
    d = get_settlement(uow_of(request), setl_id)
    return page(
        request,
        "settlements/detail.html",
        {
            "title": f"结算 {setl_id}",
            "breadcrumbs": [("结算管理", None), ("结算查询", "/settlements"), (setl_id, None)],
            "st": d,
            "sources": SOURCES,
            "can_reverse": user.can(*WRITERS),
            "problems": [],
            **extra,
        },
    )


@router.get("/backpay")
def backpay_page(request: Request, user: WebUser = Depends(need(*WRITERS))) -> Response:
    return _backpay(request)


def _backpay(request: Request, **extra: Any) -> Response:
    rows = backpay.candidates(uow_of(request), request.app.state.policy)
    return page(
        request,
        "settlements/backpay.html",
        {
            "title": "补报（追溯救助）",
            "breadcrumbs": [("结算管理", None), ("补报（追溯救助）", None)],
            "rows": rows,
            "article": backpay.ARTICLE,
            "problems": [],
            "done": None,
            **extra,
        },
    )


@router.post("/backpay")
def backpay_run(
    request: Request,
    evidence: str = Form(""),
    setl_ids: list[str] = Form(default=[]),
    user: WebUser = Depends(need(*WRITERS)),
) -> Response:
    try:
        if not setl_ids:
            raise InputError("请至少勾选一笔结算", column="setl_ids")
        done = backpay.run(
            uow_of(request),
            request.app.state.policy,
            actor=user.actor,
            evidence=evidence,
            setl_ids=setl_ids,
        )
    except JiuzhuError as exc:
        return _backpay(request, problems=[exc.message])
    return _backpay(request, done=done, flash=f"已补报 {len(done)} 笔")


@router.get("/{setl_id}")
def settlement(request: Request, setl_id: str, user: WebUser = Depends(need(*READERS))) -> Response:
    return _detail(request, setl_id, user)


@router.post("/{setl_id}/reverse")
def settlement_reverse(
    request: Request,
    setl_id: str,
    reason: str = Form(""),
    user: WebUser = Depends(need(*WRITERS)),
) -> Response:
    if len(reason.strip()) < 4:
        return _detail(request, setl_id, user, problems=["撤销须填写原因（至少 4 个字）"])
    reverse(uow_of(request), setl_id, actor=user.actor, reason=reason.strip())
    return _detail(request, setl_id, user, flash="已撤销；该笔金额不再计入年度累计")
