"""Lists and documents: by status, by deadline (overdue, due within N working days), by
reviewer, by level awaiting decision — what the case worker's pages need.

Deadlines run until the money is paid (宁医保发〔2023〕102号 第二十三条 核准…并发放到位),
so ``in_review`` and ``approved`` applications count as open.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from sqlalchemy import select

from jiuzhu.adapters.db.reimbursement_tables import ReimbApplication, ReimbDecision
from jiuzhu.adapters.db.uow import UnitOfWork, audit_trail
from jiuzhu.domain.errors import InputError, WorkflowError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.reimbursement.common import (
    OPEN_STATUSES,
    app_view,
    get_app,
)
from jiuzhu.services.reimbursement.deadline import working_days_between
from jiuzhu.services.reimbursement.rules import (
    LEVEL_ZH,
    REGION_AGENCY,
    STATUS_ZH,
    rules_for,
)
from jiuzhu.services.reimbursement.views import (
    ApplicationView,
    AuditEntryView,
    DocumentView,
    MaterialView,
)


def list_applications(
    uow: UnitOfWork,
    *,
    region: str | None = None,
    status: str | None = None,
    overdue: bool = False,
    due_within: int | None = None,
    reviewer: str | None = None,
    awaiting: str | None = None,
    psn_no: str | None = None,
    today: dt.date | None = None,
    limit: int = 500,
    offset: int = 0,
) -> list[ApplicationView]:
    """Applications, newest first (overdue/due-soon lists: earliest deadline first)."""
    today = today or dt.date.today()
    if status and status not in STATUS_ZH:
        raise InputError(
            f"unknown status {status!r}; known: {', '.join(STATUS_ZH)}", column="status"
        )
    if awaiting and awaiting not in LEVEL_ZH:
        raise InputError(
            f"unknown level {awaiting!r}; known: {', '.join(LEVEL_ZH)}", column="awaiting"
        )
    with uow.read() as s:
        q = select(ReimbApplication)
        if region:
            q = q.where(ReimbApplication.region == region)
        if status:
            q = q.where(ReimbApplication.status == status)
        if psn_no:
            q = q.where(ReimbApplication.psn_no == psn_no)
        if reviewer:
            q = q.where(
                ReimbApplication.id.in_(
                    select(ReimbDecision.application_id).where(ReimbDecision.actor == reviewer)
                )
            )
        if awaiting:
            q = q.where(ReimbApplication.status == "in_review")
        if overdue or due_within is not None:
            q = q.where(
                ReimbApplication.status.in_(OPEN_STATUSES), ReimbApplication.deadline.is_not(None)
            )
            q = q.order_by(ReimbApplication.deadline, ReimbApplication.id)
        else:
            q = q.order_by(ReimbApplication.id.desc())
        out = []
        for app in s.scalars(q):
            if (
                awaiting
                and (app.levels or [None])[min(app.current_step, len(app.levels) - 1)] != awaiting
            ):
                continue
            if overdue and not (app.deadline and today > app.deadline):
                continue
            if due_within is not None:
                if not app.deadline or today > app.deadline:
                    continue
                if working_days_between(today, app.deadline) > due_within:
                    continue
            out.append(app_view(s, app, today=today, detail=False))
        return out[offset : offset + limit]


def get_application(
    uow: UnitOfWork, app_no: str, *, today: dt.date | None = None, trail: bool = False
) -> ApplicationView:
    with uow.read() as s:
        app = get_app(s, app_no)
        out = app_view(s, app, today=today)
        if trail:
            entries = audit_trail(s, "reimb_application", app_no)
            out = replace(
                out,
                audit=tuple(
                    AuditEntryView(a.at, a.actor, a.action, a.before, a.after) for a in entries
                ),
            )
        return out


DOC_KINDS = {"receipt": "受理回执", "notice": "一次性告知书", "decision": "审批决定书"}


def document_data(uow: UnitOfWork, policy: RegionPolicy, app_no: str, kind: str) -> DocumentView:
    """Everything a printed document shows (personal data masked)."""
    if kind not in DOC_KINDS:
        raise InputError(f"unknown document {kind!r}; known: {', '.join(DOC_KINDS)}", column="kind")
    with uow.read() as s:
        app = get_app(s, app_no)
        if kind == "receipt" and app.status == "returned":
            raise WorkflowError(
                f"申请 {app_no} 已退回，没有受理回执，请打印一次性告知书", field="kind"
            )
        if kind == "notice" and app.status != "returned":
            raise WorkflowError(f"申请 {app_no} 已受理，没有一次性告知书", field="kind")
        if kind == "decision" and app.status not in ("approved", "completed", "rejected", "paid"):
            raise WorkflowError(f"申请 {app_no} 尚未作出审批决定", field="kind")
        view = app_view(s, app)
        try:
            rules = rules_for(policy, app.received_on)
            materials = [MaterialView(m.name, m.ref, m.when) for m in rules.materials]
        except Exception:  # the notice must still print if the operator changed the rules
            materials = []
        names = {m.name for m in materials}
        presented = [
            next((m.name for m in (rules.materials if materials else ()) if m.code == p), p)
            for p in (app.materials or [])
        ]
        return DocumentView(
            kind=kind,
            title=DOC_KINDS[kind],
            agency=REGION_AGENCY.get(app.region, app.region),
            document=policy.spec.document.number,
            application=view,
            materials_required=tuple(materials),
            materials_presented=tuple(presented),
            materials_known=tuple(sorted(names)),
            claims_count=len(view.claims or ()),
        )
