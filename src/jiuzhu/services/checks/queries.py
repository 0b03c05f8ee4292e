"""Reads of check findings (核查发现) for the web pages (梅州规程 第二十–二十三条)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.warning_tables import Finding
from jiuzhu.domain.warning_status import FindingStatus
from jiuzhu.services.browse import capped_count
from jiuzhu.services.checks.workflow import FindingView, view


def page_findings(
    s: Session, *, status: str = "", rule: str = "", limit: int, offset: int
) -> tuple[list[FindingView], int, bool]:
    """One page of findings, newest first; (rows, total up to the cap, capped)."""
    q = select(Finding)
    if status in {f.value for f in FindingStatus}:
        q = q.where(Finding.status == status)
    if rule:
        q = q.where(Finding.rule == rule)
    total, capped = capped_count(s, q)
    rows = [view(f) for f in s.scalars(q.order_by(Finding.id.desc()).limit(limit).offset(offset))]
    return rows, total, capped
