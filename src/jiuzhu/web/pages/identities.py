"""名单导入: a department list uploaded, its diff previewed, confirmed, its report; the
import batches (新疆规程 第六条 每月全面比对、动态调整; 宁医保发〔2023〕102号 第十一条)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from jiuzhu.config import get_settings
from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.policy.loader import load_operator_file
from jiuzhu.services import identity_preview, registry
from jiuzhu.services.identity_import import import_identities
from jiuzhu.services.identity_import import queries as batch_queries
from jiuzhu.web.menu import add_menu
from jiuzhu.web.render import page, pager
from jiuzhu.web.security import WebUser, need, reading, uow_of

router = APIRouter(prefix="/identities")
IMPORTERS = ("registry",)
READERS = ("registry", "auditor")
add_menu("identities.import", "部门名单导入", "/identities/import", IMPORTERS, "registry", 20)
add_menu("identities.batches", "导入批次", "/identities/batches", READERS, "registry", 30)
MAX_UPLOAD = 512 * 1024 * 1024
KIND_ZH = {
    "added": "新增",
    "changed": "变更",
    "ended": "终止",
    "unchanged": "无变化",
    "merged": "合并（有效期取并集）",
    "rejected": "拒绝",
    "kept_rejected": "行被拒绝而保留原身份",
    "persons_created": "新建人员",
}


def _crumbs(last: str) -> list[tuple[str, str | None]]:
    return [("救助对象", None), ("部门名单导入", "/identities/import"), (last, None)]


def _form(request: Request, **extra: Any) -> Response:
    return page(
        request,
        "identities/import.html",
        {
            "title": "部门名单导入",
            "breadcrumbs": [("救助对象", None), ("部门名单导入", None)],
            "sources": registry.SOURCE_ZH,
            "problems": [],
            **extra,
        },
        status_code=400 if extra.get("problems") else 200,
    )


@router.get("/import")
def import_page(request: Request, user: WebUser = Depends(need(*IMPORTERS))) -> Response:
    return _form(request)


def _options(source: str, full_list: str, as_of: str, accept_valid: str) -> dict[str, Any]:
    if source not in registry.SOURCES:
        raise InputError("请选择认定部门", column="source")
    day = None
    if full_list:
        try:
            day = dt.date.fromisoformat(as_of)
        except ValueError:
            raise InputError("全量名单须填写生效日期（YYYY-MM-DD）", column="as_of") from None
    return {"full_list": bool(full_list), "as_of": day, "accept_valid": bool(accept_valid)}


def _operator_map(request: Request) -> dict[str, str]:
    cached = getattr(request.app.state, "identity_code_map", None)
    if cached is None:
        cached = load_operator_file(get_settings().operator_file).identity_code_map
        request.app.state.identity_code_map = cached
    return cached  # type: ignore[no-any-return]


@router.post("/import/preview")
async def import_preview(
    request: Request,
    file: UploadFile = File(...),
    source: str = Form(""),
    full_list: str = Form(""),
    as_of: str = Form(""),
    accept_valid: str = Form(""),
    user: WebUser = Depends(need(*IMPORTERS)),
) -> Response:
    try:
        opts = _options(source, full_list, as_of, accept_valid)
        data = await file.read(MAX_UPLOAD + 1)
        if not data:
            raise InputError("请选择要上传的名单文件（CSV 或 XLSX）", column="file")
        if len(data) > MAX_UPLOAD:
            raise InputError("文件过大", column="file")
        name = file.filename or "upload.csv"
        res = await run_in_threadpool(
            identity_preview.preview,
            uow_of(request),
            name,
            data,
            source,
            actor=user.actor,
            operator_map=_operator_map(request),
            **opts,
        )
    except JiuzhuError as exc:
        return _form(request, problems=[exc.message])
    token = None
    if not res.refused:
        meta = {
            "user_id": user.id,
            "name": name,
            "source": source,
            "full_list": opts["full_list"],
            "as_of": opts["as_of"].isoformat() if opts["as_of"] else None,
            "accept_valid": opts["accept_valid"],
        }
        token = identity_preview.park(data, meta)
    return page(
        request,
        "identities/preview.html",
        {
            "title": "名单差异预览",
            "breadcrumbs": _crumbs("差异预览"),
            "res": res,
            "token": token,
            "kinds": KIND_ZH,
            "sources": registry.SOURCE_ZH,
        },
        status_code=200,
    )


@router.post("/import/confirm")
async def import_confirm(
    request: Request, token: str = Form(""), user: WebUser = Depends(need(*IMPORTERS))
) -> Response:
    try:
        data, meta = identity_preview.fetch(token, user.id)
        res = await run_in_threadpool(
            import_identities,
            uow_of(request),
            meta["name"],
            data,
            meta["source"],
            actor=user.actor,
            full_list=meta["full_list"],
            as_of=dt.date.fromisoformat(meta["as_of"]) if meta["as_of"] else None,
            accept_valid=meta["accept_valid"],
            operator_map=_operator_map(request),
        )
    except JiuzhuError as exc:
        return _form(request, problems=[exc.message])
    if not res.refused:
        identity_preview.drop(token)
    return page(
        request,
        "identities/report.html",
        {
            "title": "导入结果",
            "breadcrumbs": _crumbs("导入结果"),
            "res": res,
            "kinds": KIND_ZH,
            "sources": registry.SOURCE_ZH,
        },
    )


@router.post("/import/cancel")
def import_cancel(
    request: Request, token: str = Form(""), user: WebUser = Depends(need(*IMPORTERS))
) -> Response:
    try:
        identity_preview.fetch(token, user.id)
        identity_preview.drop(token)
    except JiuzhuError:
        pass
    return _form(request, flash="已取消，未写入任何数据")


@router.get("/batches")
def batches(request: Request, user: WebUser = Depends(need(*READERS))) -> Response:
    pg = pager(request.query_params.get("page"), request.query_params.get("size"))
    with reading(request) as s:
        pg.total, pg.capped = batch_queries.count_batches(s)
        rows = batch_queries.list_batches(s, pg.size, pg.offset)
    return page(
        request,
        "identities/batches.html",
        {
            "title": "导入批次",
            "breadcrumbs": [("救助对象", None), ("导入批次", None)],
            "rows": rows,
            "pg": pg,
            "kinds": KIND_ZH,
            "sources": registry.SOURCE_ZH,
        },
        partial="identities/_batches.html",
    )


@router.get("/batches/{batch_id}")
def batch(request: Request, batch_id: int, user: WebUser = Depends(need(*READERS))) -> Response:
    with reading(request) as s:
        b = batch_queries.get_batch(s, batch_id)
    return page(
        request,
        "identities/batch.html",
        {
            "title": f"导入批次 #{b.id}",
            "breadcrumbs": [
                ("救助对象", None),
                ("导入批次", "/identities/batches"),
                (f"#{b.id}", None),
            ],
            "b": b,
            "report": b.report or {},
            "kinds": KIND_ZH,
            "sources": registry.SOURCE_ZH,
        },
    )
