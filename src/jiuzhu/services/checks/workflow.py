"""Findings workflow: assign, investigate, resolve (corrected, clawed back, 移交), audited.

梅州规程 第二十–二十三条 (及时改正；移交医疗保障行政部门处理); 新疆规程 第二十四条
(已支付的予以追回). A claw-back takes the settlement's share out of the person-year
totals (as a reversal does), records the amount and the hospital in ``claw_back`` and,
emits the fund's claw-back event (``services/fund/commands.claw_back_in``) so that the
amount leaves what the fund owes the hospital (a receivable once it exceeds it) and
shows in the hospital's next clearing. The settlement row stays ``settled`` (its entry
stands); ``claw_back`` says it was recovered, and a later reversal is refused.

Each step answers the finding's view (``services/checks/queries.py``, amounts in fen).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.repositories import lock_totals, settlement_by_id
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.warning_tables import ClawBack, Finding
from jiuzhu.domain.errors import Conflict, InputError, NotFound
from jiuzhu.domain.warning_status import (
    OPEN_FINDINGS,
    FindingStatus,
    check_finding,
    finding_status,
)
from jiuzhu.policy.money import format_fen
from jiuzhu.services.checks.queries import FindingView, list_findings, view


def _finding(s: Session, fid: int) -> Finding:
    f = s.get(Finding, fid, with_for_update=True)
    if f is None:
        raise NotFound(f"no finding {fid}", field="id")
    return f


def _step(s: Session, f: Finding, target: FindingStatus, actor: str, **changes: Any) -> None:
    before = {"status": f.status, "assignee": f.assignee}
    f.status = check_finding(f.status, target).value
    for k, v in changes.items():
        setattr(f, k, v)
    s.flush()
    audit(s, actor, f"finding_{target.value}", "check_finding", str(f.id), before,
          {"status": f.status, **{k: v for k, v in changes.items()}})  # fmt: skip


def assign(uow: UnitOfWork, fid: int, assignee: str, *, actor: str) -> FindingView:
    with uow.begin() as s:
        f = _finding(s, fid)
        _step(s, f, FindingStatus.ASSIGNED, actor, assignee=assignee)
        return view(f)


def investigate(uow: UnitOfWork, fid: int, *, actor: str, note: str | None = None) -> FindingView:
    with uow.begin() as s:
        f = _finding(s, fid)
        _step(s, f, FindingStatus.INVESTIGATING, actor, resolution=note)
        return view(f)


def resolve(uow: UnitOfWork, fid: int, how: str, *, actor: str, note: str) -> FindingView:
    """``how``: corrected | transferred (移交) | dismissed; a claw-back is :func:`claw_back`."""
    target = finding_status(how)
    if target == FindingStatus.CLAWED_BACK:
        raise InputError("a claw-back is `checks clawback` (it reverses the payment)", column="how")
    if not note.strip():
        raise InputError("say what was done", column="note")
    with uow.begin() as s:
        f = _finding(s, fid)
        _step(s, f, target, actor, resolution=note)
        return view(f)


def claw_back(uow: UnitOfWork, fid: int, *, actor: str, note: str) -> FindingView:
    """追回 the finding's settlement: its share leaves the totals; recorded with hospital
    and amount; the fund's claw-back event where the fund exists (see module doc)."""
    with uow.begin() as s:
        f = _finding(s, fid)
        if not f.setl_id:
            raise Conflict(f"finding {fid} is not about a settlement", field="id")
        row = settlement_by_id(s, f.setl_id)
        if row is None:
            raise NotFound(f"no settlement {f.setl_id}", field="setl_id")
        totals = lock_totals(s, row.psn_no, row.year)
        s.refresh(row, with_for_update=True)
        if row.status != "settled":
            raise Conflict(
                f"settlement {row.setl_id} is {row.status}: nothing to claw back", field="setl_id"
            )
        totals.s -= row.d_s
        totals.p -= row.d_p
        totals.r -= row.d_r
        totals.tp -= row.d_tp
        totals.settlements -= 1
        if s.scalar(select(ClawBack.id).where(ClawBack.setl_id == row.setl_id)) is not None:
            raise Conflict(f"settlement {row.setl_id} was already clawed back", field="setl_id")
        # the settlement stays 'settled' (its expense entry stands): the payment is recovered
        # through the fund's claw-back entry; a reversal would take it out a second time
        cb = ClawBack(
            finding_id=f.id, setl_id=row.setl_id, psn_no=row.psn_no, institution=row.institution,
            maf_pay=row.maf_pay, tilt_pay=row.tilt_pay, amount=row.maf_pay + row.tilt_pay, actor=actor,
        )  # fmt: skip
        s.add(cb)
        s.flush()
        cb.fund_posted = int(emit_fund_event(s, cb, row.region, note, actor))
        audit(s, actor, "claw_back", "settlement", row.setl_id, {"status": "settled"},
              {"claw_back": format_fen(cb.amount), "totals_reversed": True, "institution": row.institution,
               "finding": f.id, "fund_posted": cb.fund_posted})  # fmt: skip
        _step(s, f, FindingStatus.CLAWED_BACK, actor, resolution=note)
        return view(f)


def emit_fund_event(s: Session, cb: ClawBack, region: str, note: str, actor: str) -> bool:
    """The fund's claw-back (its ``ClawedBack`` event through the message bus): a
    receivable from the hospital, settled in its next clearing. False when the settlement
    has no hospital (an imported one) — there is no one to recover from."""
    if not cb.institution or cb.amount <= 0:
        return False
    from jiuzhu.services.fund.commands import ClawBack as FundClawBack
    from jiuzhu.services.fund.commands import claw_back_in

    claw_back_in(
        s,
        FundClawBack(region, cb.institution, cb.amount, f"核查追回-{cb.finding_id}", note,
                     dt.date.today(), cb.setl_id),
        actor=actor,
    )  # fmt: skip
    return True


def open_count(s: Session) -> int:
    return int(
        s.scalar(
            select(func.count())
            .select_from(Finding)
            .where(Finding.status.in_([x.value for x in OPEN_FINDINGS]))
        )
        or 0
    )


__all__ = [
    "FindingView",
    "assign",
    "claw_back",
    "emit_fund_event",
    "investigate",
    "list_findings",
    "open_count",
    "resolve",
    "view",
]
