"""Lists and documents: by status, by deadline (overdue, due within N working days), by
reviewer, by level awaiting decision — what the case worker's pages need.

Deadlines run until the money is paid (宁医保发〔2023〕102号 第二十三条 核准…并发放到位),
so ``in_review`` and ``approved`` applications count as open.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.db.reimbursement_tables import ReimbApplication, ReimbDecision
from jiuzhu.adapters.db.uow import UnitOfWork, audit_trail
from jiuzhu.domain.errors import InputError, WorkflowError
from jiuzhu.domain.pii import mask_certno, mask_name
from jiuzhu.domain.reimbursement_status import application_zh
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.reimbursement.common import (
    OPEN_STATUSES,
    app_view,
    claims_of,
    dec,
    decision_view,
    decisions_of,
    get_app,
    mask_account,
)
from jiuzhu.services.reimbursement.deadline import working_days_between
from jiuzhu.services.reimbursement.rules import (
    LEVEL_ZH,
    REGION_AGENCY,
    STATUS_ZH,
    rules_for,
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
) -> list[dict[str, Any]]:
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
) -> dict[str, Any]:
    with uow.read() as s:
        app = get_app(s, app_no)
        out = app_view(s, app, today=today)
        if trail:
            out["audit"] = [
                {
                    "at": a.at.isoformat(sep=" "),
                    "actor": a.actor,
                    "action": a.action,
                    "before": a.before,
                    "after": a.after,
                }
                for a in audit_trail(s, "reimb_application", app_no)
            ]
        return out


DOC_KINDS = {"receipt": "受理回执", "notice": "一次性告知书", "decision": "审批决定书"}


def document_data(uow: UnitOfWork, policy: RegionPolicy, app_no: str, kind: str) -> dict[str, Any]:
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
            materials = [{"name": m.name, "ref": m.ref, "when": m.when} for m in rules.materials]
        except Exception:  # the notice must still print if the operator changed the rules
            materials = []
        names = {m["name"] for m in materials}
        presented = [
            next((m.name for m in (rules.materials if materials else ()) if m.code == p), p)
            for p in (app.materials or [])
        ]
        agent = None
        if app.agent_certno_enc or app.agent_name_enc:
            agent = {
                "name": mask_name(dec(app.agent_name_enc)),
                "certno": mask_certno(dec(app.agent_certno_enc)),
                "relation": app.agent_relation or "",
            }
        return {
            "kind": kind,
            "title": DOC_KINDS[kind],
            "agency": REGION_AGENCY.get(app.region, app.region),
            "document": policy.spec.document.number,
            "app_no": app.app_no,
            "status": app.status,
            "status_zh": application_zh(app.status),
            "psn_no": app.psn_no,
            "applicant_name": mask_name(dec(app.applicant_name_enc)) or "（名册无姓名）",
            "applicant_certno": mask_certno(dec(app.applicant_certno_enc)),
            "agent": agent,
            "bank_name": app.bank_name or "",
            "account_no": mask_account(dec(app.account_no_enc)),
            "received_on": app.received_on,
            "deadline": app.deadline,
            "deadline_days": app.deadline_days,
            "flow_ref": app.flow_ref or "",
            "levels": [LEVEL_ZH.get(x, x) for x in (app.levels or [])],
            "materials_required": materials,
            "materials_presented": presented,
            "materials_known": sorted(names),
            "problems": list(app.problems or []),
            "claims": view["claims"],
            "claimed_total": view["claimed_total"],
            "approved_maf": view["approved_maf"],
            "approved_tilt": view["approved_tilt"],
            "approved_total": view["approved_total"],
            "decisions": [decision_view(d) for d in decisions_of(s, app)],
            "decided_at": app.decided_at,
            "decision_reason": app.decision_reason or "",
            "intake_by": app.intake_by,
            "retro": app.retro,
            "retro_window_start": app.retro_window_start,
            "claims_count": len(claims_of(s, app)),
        }
