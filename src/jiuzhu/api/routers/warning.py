"""预警监测 early warning: the monitoring list, its workflow, pushes and feedback.

新疆规程 第二十一条; 双鸭山实施办法 第二十三–二十五条; 柳州任务清单 六（一）. A push's
password is in the answer that creates it and nowhere else; the file is served encrypted.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi import Path as PathParam
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import NotFound
from jiuzhu.services.warning import watch
from jiuzhu.services.warning.feedback import import_feedback
from jiuzhu.services.warning.push import push
from jiuzhu.services.warning.queries import push_file_name
from jiuzhu.wire import warning as shown

IdInt = Annotated[int, PathParam(ge=1, le=2_147_483_647)]

router = APIRouter(prefix="/api/v1/warning", tags=["预警监测 warning"], responses=ERROR_RESPONSES)
READERS = ("warning", "registry", "auditor", "checks")
WRITERS = ("warning",)


def push_dir() -> Path:
    return get_settings().var_dir / "pushes"


class StatusIn(BaseModel):
    status: str = Field(
        description="new | pushed | feedback_received | recognised | not_recognised | closed"
    )
    note: str | None = Field(None, max_length=500)


class PushIn(BaseModel):
    department: str = Field(description="minzheng | xiangcun")
    format: str = Field("xlsx", description="xlsx | csv")


@router.get("/entries")
def list_entries(
    status: str | None = Query(None),
    line: str | None = Query(None, max_length=40),
    year: int | None = Query(None, ge=1900, le=2200),
    psn_no: str | None = Query(None, max_length=40),
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    items = shown.list_entries(
        uow, status=status, line=line, year=year, psn_no=psn_no, limit=limit, offset=offset
    )
    return {"items": [e.as_dict() for e in items], "limit": limit, "offset": offset}


@router.get("/entries/{entry_id}")
def get_entry(
    entry_id: IdInt, uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))
) -> dict[str, Any]:
    return shown.get_entry(uow, entry_id).as_dict()


@router.post("/entries/{entry_id}:status")
def set_status(
    entry_id: IdInt,
    body: StatusIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*WRITERS)),
) -> dict[str, Any]:
    return shown.set_status(uow, entry_id, body.status, actor=p.actor, note=body.note).as_dict()


@router.post("/pushes")
def create_push(
    body: PushIn, uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*WRITERS))
) -> dict[str, Any]:
    """A numbered batch for the department; the password is shown in this answer only."""
    r = push(uow, body.department, push_dir(), actor=p.actor, fmt=body.format)
    return {"batch": r.batch_id, "department": r.department, "entries": r.entries,
            "file": f"/api/v1/warning/pushes/{r.batch_id}/file", "sha256": r.sha256,
            "password": r.password, "password_note": "仅显示一次 shown once"}  # fmt: skip


@router.get(
    "/pushes/{batch_id}/file",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "the encrypted push file"}},
)
def push_file(
    batch_id: IdInt, uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*WRITERS))
) -> FileResponse:
    with uow.read() as s:
        name = push_file_name(s, batch_id)
    if name is None or not (push_dir() / name).is_file():
        raise NotFound(f"no push batch {batch_id}", field="batch_id")
    return FileResponse(push_dir() / name, media_type="application/zip", filename=name)


@router.post("/feedback")
async def feedback(
    request: Request,
    department: str = Form(...),
    file: UploadFile = File(..., description="the push file filled in by the department"),
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*WRITERS)),
) -> dict[str, Any]:
    data = await file.read()
    r = import_feedback(
        uow, file.filename or "feedback", data, department, request.app.state.policy, actor=p.actor
    )
    return {"department": r.department, "batches": r.batch_ids, "recognised": r.recognised,
            "not_recognised": r.not_recognised, "identity_batch": r.identity_batch,
            "backpay_offers": r.backpay_offers}  # fmt: skip


@router.get("/dashboard")
def dashboard(
    uow: UnitOfWork = Depends(get_uow), p: Principal = Depends(require(*READERS))
) -> dict[str, int]:
    """Open warnings and open findings (the case workers' dashboard)."""
    from jiuzhu.services.checks.workflow import open_count as open_findings

    with uow.read() as s:
        return {"open_warnings": watch.open_count(s), "open_findings": open_findings(s)}
