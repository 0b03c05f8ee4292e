"""Reads of department list imports (导入批次) for the API, the web pages and the CLI.

xinjiang 第六条 每月全面比对; ningxia 第十一条. Counts and reports are as stored with the
batch (no personal data in clear: the report masks it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import ImportBatch
from jiuzhu.domain.errors import NotFound
from jiuzhu.services.browse import capped_count

KIND = "identity_list"


@dataclass(frozen=True)
class BatchView:
    id: int
    created_at: dt.datetime
    source: str | None
    mode: str | None
    as_of: dt.date | None
    file_name: str | None
    file_sha256: str | None
    actor: str
    counts: dict[str, Any]
    report: dict[str, Any] | None


def _view(b: ImportBatch) -> BatchView:
    return BatchView(
        b.id,
        b.created_at,
        b.source,
        b.mode,
        b.as_of,
        b.file_name,
        b.file_sha256,
        b.actor,
        dict(b.counts or {}),
        b.report,
    )


def _batches() -> Select[Any]:
    return select(ImportBatch).where(ImportBatch.kind == KIND)


def list_batches(session: Session, limit: int, offset: int = 0) -> list[BatchView]:
    """Newest first."""
    q = _batches().order_by(ImportBatch.id.desc()).limit(limit).offset(offset)
    return [_view(b) for b in session.scalars(q)]


def count_batches(session: Session) -> tuple[int, bool]:
    """(batches up to the browse cap, whether there are more)."""
    return capped_count(session, _batches())


def get_batch(session: Session, batch_id: int) -> BatchView:
    b = session.get(ImportBatch, batch_id)
    if b is None or b.kind != KIND:
        raise NotFound(f"no import batch {batch_id}", field="batch_id")
    return _view(b)
