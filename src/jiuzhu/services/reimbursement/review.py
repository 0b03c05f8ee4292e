"""Review of an accepted application: 初审 → 复审 → 审批 (宁医保发〔2023〕102号 第二十条),
or the region's own levels (柳州任务清单 七（四）: 初审 → 审批; operator-set elsewhere).

Each level is decided by a different person holding that level's role; no level is
skipped or repeated (the next level is the only one that may be decided, and the
decision row is unique per step); every decision keeps its reason, time, person and
the amount the reviewer saw. Rejection at any level ends the application. At approval
each claimed settlement is settled through ``settle(source="manual")`` — the same engine
and the same person-year running totals as one-stop settlement.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiuzhu.adapters.db.reimbursement_tables import ReimbDecision
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import InputError, PermissionDenied, WorkflowError
from jiuzhu.domain.events import Reimbursed
from jiuzhu.domain.reimbursement_status import SETTLED, ApplicationStatus, advance_application
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services import messagebus
from jiuzhu.services.reimbursement.common import (
    Staff,
    app_view,
    assess_in_order,
    claim_from_body,
    claims_of,
    decisions_of,
    get_app,
    granted_spans,
    now,
)
from jiuzhu.services.reimbursement.rules import LEVEL_ZH
from jiuzhu.services.reimbursement.views import ApplicationView, PreviewLine, PreviewView
from jiuzhu.services.settlement import SettleClaim, settle_in

DECISIONS = ("approve", "reject")


def preview(uow: UnitOfWork, policy: RegionPolicy, app_no: str) -> PreviewView:
    """预结算: what the application's claims would earn now (writes nothing); once
    settled, what they earned at approval."""
    with uow.read() as s:
        app = get_app(s, app_no)
        rows = claims_of(s, app)
        if app.status in SETTLED:
            lines = tuple(
                PreviewLine(
                    setl_id=r.setl_id,
                    identity=(r.answer or {}).get("identity"),
                    reason=(r.answer or {}).get("reason"),
                    base=r.base,
                    maf_pay=r.maf_pay or 0,
                    tilt_pay=r.tilt_pay or 0,
                )
                for r in rows
            )
            return PreviewView(app_no, "settled", lines, app.approved_total or 0)
        claims = [claim_from_body(r.body) for r in rows]
        assessed = assess_in_order(
            s,
            policy,
            app.psn_no,
            claims,
            extra_spans=granted_spans(policy, app.retro, app.retro_window_start, app.retro_anchor),
            account_year=app.account_year,
            terms_day=app.terms_day,
        )
        account_year = app.account_year
    lines = tuple(
        PreviewLine(
            setl_id=a.setl_id,
            identity=a.identity or None,
            reason=a.reason,
            base=a.base,
            maf_pay=a.maf_pay,
            tilt_pay=a.tilt_pay,
            class_id=a.class_id,
            deductible=a.deductible,
            year=account_year or a.year,
        )
        for a in assessed
    )
    return PreviewView(app_no, "trial", lines, sum(a.maf_pay + a.tilt_pay for a in assessed))


def review(
    uow: UnitOfWork,
    policy: RegionPolicy,
    app_no: str,
    *,
    staff: Staff,
    decision: str,
    reason: str | None = None,
    level: str | None = None,
    today: dt.date | None = None,
) -> ApplicationView:
    """Decide the application's current level (``approve`` or ``reject``).

    ``level``, when given, must be the current level: a later one is a skip, an earlier
    one a repeat — both refused. The same person may decide only one level.

    At the last level the claims are settled and the decision recorded in one
    transaction under the application's row lock: all of it counts, or none.
    """
    if decision not in DECISIONS:
        raise InputError(f"decision must be approve or reject, got {decision!r}", column="decision")
    reason = (reason or "").strip()
    if decision == "reject" and not reason:
        raise InputError("不予核准必须写明理由 (a rejection needs a reason)", column="reason")
    reason = reason or "同意"
    with uow.read() as s:
        app = get_app(s, app_no)
        step, current = _check(app, staff, level, decisions_of(s, app))
        is_last = step == len(app.levels) - 1
        claims = [claim_from_body(r.body) for r in claims_of(s, app)]
        spans = granted_spans(policy, app.retro, app.retro_window_start, app.retro_anchor)
        account_year, terms_day = app.account_year, app.terms_day
    answers: dict[str, dict[str, Any]] = {}
    paid: dict[str, tuple[int, int]] = {}
    shown = 0 if decision == "approve" and is_last else preview(uow, policy, app_no).total
    # one transaction: the settlements of an approval and the decision commit together
    with uow.begin() as s:
        app = get_app(s, app_no, lock=True)
        step2, _ = _check(app, staff, level, decisions_of(s, app))
        if step2 != step:
            raise WorkflowError(f"申请 {app_no} 已由他人审核，请刷新后重试", field="level")
        if decision == "approve" and is_last:
            # 核准: settle each claim in order through the one engine and running totals
            for c in sorted(claims, key=lambda c: c.order_key()):
                cmd = SettleClaim(
                    c,
                    source="manual",
                    actor=staff.actor,
                    extra={"reimb_app_no": app_no},
                    account_year=account_year,
                    terms_day=terms_day,
                    extra_spans=spans,
                )
                out = settle_in(s, policy, cmd)
                answers[c.setl_id] = out.answer
                paid[c.setl_id] = (out.maf_pay, out.tilt_pay)
            shown = sum(maf + tilt for maf, tilt in paid.values())
        at = now()
        s.add(
            ReimbDecision(
                application_id=app.id,
                step=step,
                level=current,
                decision=decision,
                reason=reason,
                actor=staff.username,
                actor_name=staff.display_name,
                amount_shown=shown,
                at=at,
            )
        )
        before = {"status": app.status, "step": app.current_step}
        if decision == "reject":
            app.status = advance_application(app.status, ApplicationStatus.REJECTED, app_no)
            app.decided_at = at
            app.decision_reason = reason
        elif is_last:
            maf = tilt = 0
            for r in claims_of(s, app):
                r.maf_pay, r.tilt_pay = paid[r.setl_id]
                r.answer = answers[r.setl_id]
                maf += r.maf_pay
                tilt += r.tilt_pay
            app.approved_maf, app.approved_tilt, app.approved_total = maf, tilt, maf + tilt
            messagebus.publish(
                s,
                Reimbursed(app_no, app.psn_no, app.region, tuple(answers), maf + tilt, at.date()),
            )
            done = ApplicationStatus.APPROVED if maf + tilt > 0 else ApplicationStatus.COMPLETED
            app.status = advance_application(app.status, done, app_no)
            app.current_step = step + 1
            app.decided_at = at
            app.decision_reason = reason
        else:
            app.current_step = step + 1
        s.flush()
        audit(
            s,
            staff.actor,
            f"review_{current}_{decision}",
            "reimb_application",
            app_no,
            before,
            {
                "status": app.status,
                "step": app.current_step,
                "level": current,
                "decision": decision,
                "reason": reason,
                "amount_shown": format_fen(shown),
            },
        )
        return app_view(s, app, today=today)


def _check(app: Any, staff: Staff, level: str | None, done: list[ReimbDecision]) -> tuple[int, str]:
    """The step to decide now and its level, or the reason this person may not decide it."""
    if app.status != ApplicationStatus.IN_REVIEW:
        raise WorkflowError(f"申请 {app.app_no} 的状态为 {app.status}，不在审核中", field="app_no")
    levels: list[str] = list(app.levels)
    step = app.current_step
    current = levels[step]
    if level is not None and level != current:
        if level not in levels:
            raise WorkflowError(
                f"本申请的审核流程（{' → '.join(LEVEL_ZH[x] for x in levels)}）没有 "
                f"{LEVEL_ZH.get(level, level)}",
                field="level",
            )
        if levels.index(level) > step:
            raise WorkflowError(
                f"不能越级审核：当前应进行{LEVEL_ZH[current]}，"
                f"{LEVEL_ZH[level]}须在其后（宁医保发〔2023〕102号 第二十条 三级审核）",
                field="level",
            )
        raise WorkflowError(
            f"{LEVEL_ZH[level]}已完成，不能重复审核；当前应进行{LEVEL_ZH[current]}",
            field="level",
        )
    if current not in staff.roles:
        # every level by its own role holder; admin does not stand in (separation of duties)
        raise PermissionDenied(
            f"{LEVEL_ZH[current]}须由具有 {current} 角色的工作人员办理（用户 {staff.username} 没有该角色）",
            field="level",
        )
    for d in done:
        if d.actor == staff.username:
            raise WorkflowError(
                f"用户 {staff.username} 已办理本申请的{LEVEL_ZH.get(d.level, d.level)}，"
                f"同一人不能办理两级审核（第二十条 三级审核须由不同人员办理）",
                field="actor",
            )
    return step, current
