"""救助身份 identities: department list upload (diff report), add, change, end.

新疆规程 第六条 (每月全面比对、动态调整); 宁医保发〔2023〕102号 第十一条. Every change is
audited with masked before/after.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.errors import error_body
from jiuzhu.api.schemas import ERROR_RESPONSES, Date
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.loader import load_operator_file
from jiuzhu.services.identity_import import import_identities
from jiuzhu.services.identity_import import queries as batch_queries
from jiuzhu.wire import registry

router = APIRouter(tags=["救助身份 identities"], responses=ERROR_RESPONSES)
MAX_UPLOAD = 512 * 1024 * 1024


class IdentityIn(BaseModel):
    code: str = Field(description="identity code (calc-contract §1) or its Chinese name")
    begndate: Date
    enddate: Date | None = None
    source: str = "yibao"
    source_doc: str | None = Field(None, max_length=200, description="认定文件")


class IdentityChange(BaseModel):
    begndate: Date | None = None
    enddate: Date | None = None
    reopen: bool = Field(False, description="clear the end date")
    source_doc: str | None = Field(None, max_length=200)


class IdentityEnd(BaseModel):
    enddate: Date
    source_doc: str | None = Field(None, max_length=200)


def _operator_map(request: Request) -> dict[str, str]:
    cached = getattr(request.app.state, "identity_code_map", None)
    if cached is None:
        cached = load_operator_file(get_settings().operator_file).identity_code_map
        request.app.state.identity_code_map = cached
    return cached  # type: ignore[no-any-return]


@router.post("/api/v1/identities/import")
async def upload_list(
    request: Request,
    file: UploadFile = File(..., description="CSV or XLSX department list"),
    source: str = Form(..., description="minzheng | xiangcun | canlian | yibao"),
    full_list: bool = Form(False),
    as_of: Date | None = Form(None),
    accept_valid: bool = Form(False),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("registry")),
) -> Any:
    """Import a list; answers the diff report (added, changed, ended, unchanged, rejected).
    A file with an invalid row is refused whole (422, nothing written) unless
    ``accept_valid``; the per-line errors are in ``report.errors``."""
    data = await file.read(MAX_UPLOAD + 1)
    if len(data) > MAX_UPLOAD:
        raise InputError("file too large", column="file")
    if source not in registry.SOURCES:
        raise InputError(
            f"unknown source '{source}'; one of: {', '.join(registry.SOURCES)}", column="source"
        )
    if full_list and as_of is None:
        raise InputError("full_list needs as_of", column="as_of")
    from starlette.concurrency import run_in_threadpool

    res = await run_in_threadpool(
        import_identities,
        uow,
        file.filename or "upload.csv",
        data,
        source,
        actor=p.actor,
        full_list=full_list,
        as_of=as_of,
        accept_valid=accept_valid,
        operator_map=_operator_map(request),
    )
    summary = res.summary()
    if res.refused:
        first = res.errors[0] if res.errors else None
        body = error_body(
            "invalid_input",
            f"{len(res.errors)} invalid row(s); nothing written"
            + (f" — first: {first.text()}" if first else ""),
            first.column if first else None,
        )
        body["report"] = summary
        return JSONResponse(body, status_code=422)
    return summary


@router.get("/api/v1/identities/batches")
def list_batches(
    limit: int = Query(20, ge=1, le=200),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("registry", "auditor")),
) -> list[dict[str, Any]]:
    with uow.read() as s:
        rows = batch_queries.list_batches(s, limit)
        return [
            {
                "id": b.id,
                "created_at": b.created_at.isoformat(sep=" ", timespec="seconds"),
                "source": b.source,
                "mode": b.mode,
                "as_of": b.as_of.isoformat() if b.as_of else None,
                "file_name": b.file_name,
                "actor": b.actor,
                "counts": b.counts,
            }
            for b in rows
        ]


@router.get("/api/v1/identities/batches/{batch_id}")
def get_batch(
    batch_id: int,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("registry", "auditor")),
) -> dict[str, Any]:
    with uow.read() as s:
        b = batch_queries.get_batch(s, batch_id)
        return {"id": b.id, "counts": b.counts, "report": b.report}


@router.post("/api/v1/persons/{psn_no}/identities", status_code=201)
def add_identity(
    psn_no: str,
    body: IdentityIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("registry")),
) -> dict[str, Any]:
    """Add an identity (宁医保发〔2023〕102号 第十一条 资格维护); overlaps are refused (409)."""
    code = registry.resolve_identity_code(body.code)
    if code is None:
        raise InputError(f"unknown identity '{body.code}'", column="code")
    with uow.begin() as s:
        i = registry.add_identity(
            s, p.actor, psn_no, code, body.begndate, body.enddate, body.source, body.source_doc
        )
        return registry.identity_json(i)


@router.patch("/api/v1/identities/{identity_id}")
def change_identity(
    identity_id: int,
    body: IdentityChange,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("registry")),
) -> dict[str, Any]:
    with uow.begin() as s:
        i = registry.change_identity(
            s,
            p.actor,
            identity_id,
            begndate=body.begndate,
            enddate=body.enddate,
            clear_enddate=body.reopen,
            source_doc=body.source_doc,
        )
        return registry.identity_json(i)


@router.post("/api/v1/identities/{identity_id}:end")
def end_identity(
    identity_id: int,
    body: IdentityEnd,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require("registry")),
) -> dict[str, Any]:
    """End an identity on ``enddate`` (included) — 新疆规程 第六条 动态调整."""
    with uow.begin() as s:
        i = registry.end_identity(s, p.actor, identity_id, body.enddate, body.source_doc)
        return registry.identity_json(i)
