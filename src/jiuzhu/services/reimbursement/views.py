"""Typed views of manual reimbursement: applications, decisions, the preview, payment
batches and a printed document's facts. Amounts are integer fen, days are dates, times
datetimes; personal data is masked. The front ends format them at their edge
(``jiuzhu.wire.reimbursement`` for the API's JSON and the CLI, ``reports.pdf`` for the
documents)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AgentView:
    name: str
    certno: str
    relation: str | None


@dataclass(frozen=True)
class LevelView:
    level: str
    level_zh: str
    state: str  # done | current | pending


@dataclass(frozen=True)
class ClaimView:
    """A claimed settlement: its fields as received (``body``), the base and, once
    approved, what it earned."""

    seq: int
    body: dict[str, Any]
    base: int
    maf_pay: int | None
    tilt_pay: int | None
    reason: str | None
    identity: str | None


@dataclass(frozen=True)
class DecisionView:
    step: int
    level: str
    level_zh: str
    decision: str
    decision_zh: str
    reason: str
    actor: str
    actor_name: str | None
    amount_shown: int
    at: dt.datetime


@dataclass(frozen=True)
class AuditEntryView:
    at: dt.datetime
    actor: str
    action: str
    before: Any
    after: Any


@dataclass(frozen=True)
class ApplicationView:
    """The application as a case worker sees it; ``materials``, ``claims`` and
    ``decisions`` only in the detail (None in lists), ``audit`` only when asked for."""

    app_no: str
    region: str
    status: str
    status_zh: str
    psn_no: str
    applicant_name: str
    applicant_certno: str
    agent: AgentView | None
    bank_name: str | None
    account_name: str
    account_no: str
    received_on: dt.date
    deadline: dt.date | None
    deadline_working_days: int | None
    working_days_left: int | None
    overdue: bool
    levels: tuple[LevelView, ...]
    current_level: str | None
    current_level_zh: str | None
    flow_ref: str | None
    retro: bool
    retro_anchor: dt.date | None
    retro_window_start: dt.date | None
    account_year: int | None
    claimed_total: int | None
    approved_maf: int | None
    approved_tilt: int | None
    approved_total: int | None
    decided_at: dt.datetime | None
    decision_reason: str | None
    payment_batch: str | None
    paid_at: dt.datetime | None
    problems: list[dict[str, Any]]
    intake_by: str
    created_at: dt.datetime
    materials: list[str] | None = None
    claims: tuple[ClaimView, ...] | None = None
    decisions: tuple[DecisionView, ...] | None = None
    audit: tuple[AuditEntryView, ...] | None = None


@dataclass(frozen=True)
class PreviewLine:
    """What one claim earns: in a trial (``class_id``, ``deductible``, ``year`` set) or as
    settled at approval."""

    setl_id: str
    identity: str | None
    reason: str | None
    base: int
    maf_pay: int
    tilt_pay: int
    class_id: str | None = None
    deductible: int | None = None
    year: int | None = None


@dataclass(frozen=True)
class PreviewView:
    app_no: str
    status: str  # trial | settled
    claims: tuple[PreviewLine, ...]
    total: int


@dataclass(frozen=True)
class BatchItemView:
    app_no: str
    psn_no: str
    account_name: str
    bank_name: str | None
    account_no: str
    amount: int
    status: str


@dataclass(frozen=True)
class BatchView:
    batch_no: str
    region: str
    status: str
    status_zh: str
    count: int
    total: int
    created_by: str
    created_at: dt.datetime
    exported_at: dt.datetime | None
    export_sha256: str | None
    confirmed_by: str | None
    confirmed_at: dt.datetime | None
    bank_reference: str | None
    items: tuple[BatchItemView, ...]


@dataclass(frozen=True)
class MaterialView:
    name: str
    ref: str
    when: str


@dataclass(frozen=True)
class DocumentView:
    """Everything a printed document (受理回执, 一次性告知书, 审批决定书) shows."""

    kind: str
    title: str
    agency: str
    document: str
    application: ApplicationView
    materials_required: tuple[MaterialView, ...]
    materials_presented: tuple[str, ...]
    materials_known: tuple[str, ...]
    claims_count: int
