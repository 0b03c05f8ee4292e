"""Reads of check findings (核查发现) as typed views, amounts in fen (梅州规程 第二十–二十三条).

The front ends format them: ``jiuzhu.wire.checks`` for the API's JSON, the CLI and the
pages' tables."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.adapters.db.warning_tables import Finding
from jiuzhu.domain.warning_status import FINDING_ZH, FindingStatus, finding_status
from jiuzhu.services.browse import capped_count


@dataclass(frozen=True)
class FindingView:
    """A finding: the rule met, its subject and evidence, the amount at stake (fen) and
    where it stands in its workflow."""

    id: int
    rule: str
    category: str
    article: str
    subject: str
    psn_no: str | None
    setl_id: str | None
    institution: str | None
    amount: int
    evidence: dict[str, Any]
    status: str
    status_zh: str
    assignee: str | None
    resolution: str | None


def view(f: Finding) -> FindingView:
    return FindingView(
        f.id, f.rule, f.category, f.article, f.subject, f.psn_no, f.setl_id, f.institution,
        f.amount, f.evidence, f.status, FINDING_ZH[FindingStatus(f.status)], f.assignee,
        f.resolution,
    )  # fmt: skip


def list_findings(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    rule: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FindingView]:
    with uow.read() as s:
        q = select(Finding).order_by(Finding.id)
        if status:
            q = q.where(Finding.status == finding_status(status).value)
        if rule:
            q = q.where(Finding.rule == rule)
        return [view(f) for f in s.scalars(q.limit(limit).offset(offset))]


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
