"""Manual reimbursement as the API answers it, the CLI prints it (``--json`` and its
tables) and the pages show it: the typed views of ``jiuzhu.services.reimbursement``
formatted — amounts in yuan with two decimals, days ISO, times ``YYYY-MM-DD HH:MM:SS``.
The use cases are the service's; each is called and its view formatted here. The printed
documents are formatted by ``reports.pdf`` and the bank file by ``reports.bank_file``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiuzhu.policy.money import format_fen
from jiuzhu.services import reimbursement as svc
from jiuzhu.services.reimbursement import (
    DOC_KINDS,
    CalendarUnavailable,
    NotConfigured,
    Rules,
    Staff,
    add_working_days,
    document_data,
    export_batch,
    rules_for,
    staff_from_db,
    working_days_between,
)
from jiuzhu.services.reimbursement.views import (
    ApplicationView,
    BatchView,
    ClaimView,
    DecisionView,
    PreviewView,
)
from jiuzhu.wire import each, formatted

CLAIM_KEYS = ("setl_id", "med_type", "begndate", "enddate")
CLAIM_AMOUNT_KEYS = ("setl_time", "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay")


def money(v: int | None) -> str | None:
    return None if v is None else format_fen(v)


def _day(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def _time(t: dt.datetime | None) -> str | None:
    return t.isoformat(sep=" ") if t else None


def claim_json(c: ClaimView) -> dict[str, Any]:
    return {
        "seq": c.seq,
        **{k: c.body.get(k) for k in CLAIM_KEYS},
        **{k: c.body.get(k) for k in CLAIM_AMOUNT_KEYS},
        "base": format_fen(c.base),
        "maf_pay": money(c.maf_pay),
        "tilt_pay": money(c.tilt_pay),
        "reason": c.reason,
        "identity": c.identity,
    }


def decision_json(d: DecisionView) -> dict[str, Any]:
    return {
        "step": d.step,
        "level": d.level,
        "level_zh": d.level_zh,
        "decision": d.decision,
        "decision_zh": d.decision_zh,
        "reason": d.reason,
        "actor": d.actor,
        "actor_name": d.actor_name,
        "amount_shown": format_fen(d.amount_shown),
        "at": _time(d.at),
    }


def application_json(a: ApplicationView) -> dict[str, Any]:
    ag = a.agent
    out: dict[str, Any] = {
        "app_no": a.app_no,
        "region": a.region,
        "status": a.status,
        "status_zh": a.status_zh,
        "psn_no": a.psn_no,
        "applicant_name": a.applicant_name,
        "applicant_certno": a.applicant_certno,
        "agent": {"name": ag.name, "certno": ag.certno, "relation": ag.relation} if ag else None,
        "bank_name": a.bank_name,
        "account_name": a.account_name,
        "account_no": a.account_no,
        "received_on": a.received_on.isoformat(),
        "deadline": _day(a.deadline),
        "deadline_working_days": a.deadline_working_days,
        "working_days_left": a.working_days_left,
        "overdue": a.overdue,
        "levels": [
            {"level": lv.level, "level_zh": lv.level_zh, "state": lv.state} for lv in a.levels
        ],
        "current_level": a.current_level,
        "current_level_zh": a.current_level_zh,
        "flow_ref": a.flow_ref,
        "retro": a.retro,
        "retro_anchor": _day(a.retro_anchor),
        "retro_window_start": _day(a.retro_window_start),
        "account_year": a.account_year,
        "claimed_total": money(a.claimed_total),
        "approved_maf": money(a.approved_maf),
        "approved_tilt": money(a.approved_tilt),
        "approved_total": money(a.approved_total),
        "decided_at": _time(a.decided_at),
        "decision_reason": a.decision_reason,
        "payment_batch": a.payment_batch,
        "paid_at": _time(a.paid_at),
        "problems": a.problems,
        "intake_by": a.intake_by,
        "created_at": _time(a.created_at),
    }
    if a.materials is not None:
        out["materials"] = a.materials
    if a.claims is not None:
        out["claims"] = [claim_json(c) for c in a.claims]
    if a.decisions is not None:
        out["decisions"] = [decision_json(d) for d in a.decisions]
    if a.audit is not None:
        out["audit"] = [
            {"at": _time(e.at), "actor": e.actor, "action": e.action, "before": e.before,
             "after": e.after}
            for e in a.audit
        ]  # fmt: skip
    return out


def preview_json(p: PreviewView) -> dict[str, Any]:
    claims: list[dict[str, Any]]
    if p.status == "settled":
        claims = [
            {"setl_id": c.setl_id, "maf_pay": format_fen(c.maf_pay),
             "tilt_pay": format_fen(c.tilt_pay), "base": format_fen(c.base),
             "identity": c.identity, "reason": c.reason}
            for c in p.claims
        ]  # fmt: skip
    else:
        claims = [
            {"setl_id": c.setl_id, "identity": c.identity, "class": c.class_id,
             "reason": c.reason, "base": format_fen(c.base),
             "deductible": format_fen(c.deductible or 0), "maf_pay": format_fen(c.maf_pay),
             "tilt_pay": format_fen(c.tilt_pay), "year": c.year}
            for c in p.claims
        ]  # fmt: skip
    return {"app_no": p.app_no, "status": p.status, "claims": claims, "total": format_fen(p.total)}


def batch_json(b: BatchView) -> dict[str, Any]:
    return {
        "batch_no": b.batch_no,
        "region": b.region,
        "status": b.status,
        "status_zh": b.status_zh,
        "count": b.count,
        "total": format_fen(b.total),
        "created_by": b.created_by,
        "created_at": _time(b.created_at),
        "exported_at": _time(b.exported_at),
        "export_sha256": b.export_sha256,
        "confirmed_by": b.confirmed_by,
        "confirmed_at": _time(b.confirmed_at),
        "bank_reference": b.bank_reference,
        "items": [
            {
                "app_no": i.app_no,
                "psn_no": i.psn_no,
                "account_name": i.account_name,
                "bank_name": i.bank_name,
                "account_no": i.account_no,
                "amount": format_fen(i.amount),
                "status": i.status,
            }
            for i in b.items
        ],  # fmt: skip
    }


# -- the use cases, answered as JSON --------------------------------------------------------


intake = formatted(svc.intake, application_json)


review = formatted(svc.review, application_json)


preview = formatted(svc.preview, preview_json)


get_application = formatted(svc.get_application, application_json)


list_applications = formatted(svc.list_applications, each(application_json))


create_batch = formatted(svc.create_batch, batch_json)


confirm_batch = formatted(svc.confirm_batch, batch_json)


get_batch = formatted(svc.get_batch, batch_json)


list_batches = formatted(svc.list_batches, each(batch_json))


__all__ = [
    "DOC_KINDS",
    "CalendarUnavailable",
    "NotConfigured",
    "Rules",
    "Staff",
    "add_working_days",
    "application_json",
    "batch_json",
    "confirm_batch",
    "create_batch",
    "decision_json",
    "document_data",
    "export_batch",
    "get_application",
    "get_batch",
    "intake",
    "list_applications",
    "list_batches",
    "preview",
    "preview_json",
    "review",
    "rules_for",
    "staff_from_db",
    "working_days_between",
]
