"""The insurer schedule's steps (梅州规程 第十六–十九条): plan them, complete them.

Streams and steps (``year`` is the enrolment year E for the subsidy, the premium year Y):

subsidy (资助参保, 第十六–十七条)
  request    请拨 90% of the counties' approved total, less an earlier clearing's excess
             not yet offset; due the last day of September of E−1       (no posting)
  arrival    the money arrives from finance: 财政专户 → the centre's 支出户  (posting)
  pass_on    to the insurer within 5 working days of arrival            Dr 暂付款—应收承办机构
  addition   a mid-year addition: the insurer pays within 10 working days of the list
  clearing   by 31 August of E+1 on the actual subsidies of E           Dr 应付居民医保基金
  shortfall  actual > advanced: the difference within 1 month           Dr 应收承办机构
  offset     actual < advanced: the excess offsets the next advance requested (no posting)
premium (费用救助保费, 第十八条)
  advance_4 / advance_7  50% in April, 40% in July of the budget = Y−1's actual
             assistance (stored settlements)                            Dr 应收承办机构
  clearing   by 30 June of Y+1 on Y's actual assistance (stored settlements)
  remainder  the rest (or the insurer's refund) within 1 month of the clearing
revolving (周转金, 第十九条)
  in / out   from the insurer to the centre; from the centre to a county or the
             province's out-of-area account                              (posting)
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db import journal
from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.funding_tables import InsurerEvent
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.clock import today as clock_today
from jiuzhu.domain.errors import Conflict, InputError, NotFound, WorkflowError
from jiuzhu.domain.journal import Entry, Line
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.insurer.rules import (
    InsurerRules,
    add_months,
    add_working_days,
    month_end,
    rules,
)

STATUSES = {"planned": "待办", "done": "已完成", "cancelled": "已取消"}
TRANSITIONS: dict[str, frozenset[str]] = {
    "planned": frozenset({"done", "cancelled"}),
    "done": frozenset(),
    "cancelled": frozenset(),
}
"""The one transition table of an event's status."""

LABELS = {
    ("subsidy", "request"): "资助参保资金请拨（90%）",
    ("subsidy", "arrival"): "资助参保资金到账",
    ("subsidy", "pass_on"): "划拨承办商业保险机构",
    ("subsidy", "addition"): "中途新增资助参保划拨",
    ("subsidy", "clearing"): "资助参保资金清算",
    ("subsidy", "shortfall"): "清算差额划拨",
    ("subsidy", "offset"): "超出部分抵减下一年度预拨",
    ("premium", "advance_4"): "费用救助保费划拨（4月 50%）",
    ("premium", "advance_7"): "费用救助保费划拨（7月 40%）",
    ("premium", "clearing"): "费用救助保费清算",
    ("premium", "remainder"): "剩余保费划拨",
    ("premium", "refund"): "多拨保费退回",
    ("revolving", "in"): "周转金拨入（承办机构 → 市医保中心）",
    ("revolving", "out"): "周转金拨付（市医保中心 → 县区/省异地结算账户）",
}


@dataclass(frozen=True, slots=True)
class EventView:
    id: int
    year: int
    stream: str
    step: str
    seq: int
    label: str
    due_date: dt.date | None
    amount: int
    status: str
    status_text: str
    done_on: dt.date | None
    document: str | None
    entry_id: int | None
    overdue: bool
    """planned and its due date has passed"""
    late: bool
    """done after its due date"""
    ref: str
    basis: dict[str, Any]


def view(e: InsurerEvent, today: dt.date | None = None) -> EventView:
    """A typed view of a stored step; 逾期 against ``today``."""
    now = today or clock_today()
    overdue = e.status == "planned" and e.due_date is not None and e.due_date < now
    late = (
        e.status == "done"
        and e.due_date is not None
        and e.done_on is not None
        and e.done_on > e.due_date
    )
    text = "逾期" if overdue else STATUSES[e.status] + ("（逾期完成）" if late else "")
    return EventView(e.id, e.year, e.stream, e.step, e.seq, LABELS[(e.stream, e.step)], e.due_date,
                     e.amount, e.status, text, e.done_on, e.document, e.entry_id, overdue, late,
                     e.ref, dict(e.basis or {}))  # fmt: skip


def _get(
    s: Session, region: str, year: int, stream: str, step: str, seq: int = 1
) -> InsurerEvent | None:
    return s.scalar(select(InsurerEvent).where(
        InsurerEvent.region == region, InsurerEvent.year == year, InsurerEvent.stream == stream,
        InsurerEvent.step == step, InsurerEvent.seq == seq))  # fmt: skip


def _add(s: Session, r: InsurerRules, year: int, stream: str, step: str, *, due: dt.date | None,
         amount: int, ref: str, actor: str, seq: int = 1, basis: dict[str, Any] | None = None,
         status: str = "planned", done_on: dt.date | None = None) -> InsurerEvent:  # fmt: skip
    if _get(s, r.region, year, stream, step, seq) is not None:
        raise Conflict(f"{LABELS[(stream, step)]} {year} 已登记 (already recorded)", field="year")
    ev = InsurerEvent(region=r.region, year=year, stream=stream, step=step, seq=seq, due_date=due,
                      amount=amount, ref=ref[:300], basis=basis or {}, actor=actor, status=status,
                      done_on=done_on)  # fmt: skip
    s.add(ev)
    s.flush()
    return ev


def _city(region: str) -> str | None:
    agencies = chart(region).agencies()
    return agencies[0].counties[0] if agencies else None


def _post(s: Session, ev: InsurerEvent, day: dt.date, memo: str, debit_role: str, credit_role: str,
          actor: str, party: str | None) -> int:  # fmt: skip
    """Dr ``debit_role`` Cr ``credit_role`` of the event's amount; roles ``expenditure``
    and ``fiscal`` are the centre's 支出户 and the 财政专户."""
    c = chart(ev.region)
    city = _city(ev.region)

    def acct(role: str) -> str:
        if role == "expenditure":
            return c.expenditure(city)
        return c.code(role)

    src = f"insurer/{ev.year}/{ev.stream}/{ev.step}/{ev.seq}"
    lines = (
        Line(acct(debit_role), ev.amount, 0, party, city),
        Line(acct(credit_role), 0, ev.amount, party, city),
    )
    entry_id = journal.post(
        s, Entry(ev.region, day, "manual", src, memo, lines), actor, strict_day=True
    )
    assert entry_id is not None
    return entry_id


def _positive(amount: int, field: str = "amount") -> None:
    if not isinstance(amount, int) or amount <= 0:
        raise InputError("amount must be positive integer fen", column=field)


# -- planning ----------------------------------------------------------------------------
def plan_subsidy(
    uow: UnitOfWork, region: str, year: int, approved: int, *, actor: str
) -> EventView:
    """第十六条（一）: the request for enrolment year ``year`` (made in September of year−1):
    90% of the counties' approved total, less the excess of every earlier clearing not yet
    offset (第十七条 超出部分用于抵减下一年度的预拨保费: the first advance requested after it)."""
    _positive(approved, "approved")
    r = rules(region)
    with uow.begin() as s:
        ninety = r.advance_share.apply(approved)
        pending = [e for e in s.scalars(select(InsurerEvent).where(
            InsurerEvent.region == region, InsurerEvent.stream == "subsidy", InsurerEvent.step == "offset",
            InsurerEvent.status == "done", InsurerEvent.year < year)) if not (e.basis or {}).get("applied_to")]  # fmt: skip
        offset = sum(e.amount for e in pending)
        if offset > ninety:
            raise InputError(
                f"待抵减的超出部分 {format_fen(offset)} 大于本次预拨 {format_fen(ninety)}，请人工处理 "
                "(the excess to offset exceeds this advance)",
                column="approved",
            )
        for e in pending:
            e.basis = {**(e.basis or {}), "applied_to": year}
        amount = ninety - offset
        ev = _add(s, r, year, "subsidy", "request", due=month_end(year - 1, r.request_month),
                  amount=amount, ref=r.refs["request"] + "；" + r.refs["advance_share"], actor=actor,
                  basis={"approved": approved, "ninety": ninety, "offset": offset,
                         "offset_from": [e.year for e in pending]})  # fmt: skip
        _add(s, r, year, "subsidy", "clearing",
             due=dt.date(year + 1, *r.subsidy_clearing_by),
             amount=0, ref=r.refs["subsidy_clearing"], actor=actor)  # fmt: skip
        audit(s, actor, "insurer_plan", "insurer_event", str(ev.id), None,
              {"stream": "subsidy", "year": year, "amount": format_fen(amount)})  # fmt: skip
        return view(ev)


def actual_assistance(s: Session, region: str, year: int) -> int:
    """Σ maf_pay + tilt_pay of the stored settlements of ``year`` not reversed (实际报销)."""
    q = select(func.coalesce(func.sum(Settlement.maf_pay + Settlement.tilt_pay), 0)).where(
        Settlement.region == region, Settlement.year == year, Settlement.status != "reversed"
    )
    return int(s.scalar(q) or 0)  # fmt: skip


def actual_subsidy(s: Session, region: str, year: int) -> int:
    """Σ 资助参保支出 posted for enrolment year ``year`` (subsidy entries ``year/…``)."""
    code = chart(region).code("expense_subsidy")
    q = (select(func.coalesce(func.sum(JournalLine.debit - JournalLine.credit), 0))
         .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
         .where(JournalEntry.region == region, JournalEntry.kind == "subsidy",
                JournalEntry.source_id.like(f"{year}/%"), JournalLine.account == code))  # fmt: skip
    return int(s.scalar(q) or 0)


def plan_premium(uow: UnitOfWork, region: str, year: int, *, actor: str) -> list[EventView]:
    """第十八条: the budget is ``year``−1's actual assistance; 50% due in April, 40% in July;
    the clearing by 30 June of ``year``+1."""
    r = rules(region)
    with uow.begin() as s:
        budget = actual_assistance(s, region, year - 1)
        if budget <= 0:
            raise InputError(
                f"no assistance was paid in {year - 1}: the premium budget is 0", column="year"
            )
        out = [
            _add(s, r, year, "premium", f"advance_{a.month}", due=month_end(year, a.month),
                 amount=a.share.apply(budget), ref=r.refs["premium_budget"] + "；" + a.ref, actor=actor,
                 basis={"budget": budget, "share": a.share.text})
            for a in r.premium_advances
        ]  # fmt: skip
        m, d = r.premium_clearing_by
        out.append(_add(s, r, year, "premium", "clearing", due=dt.date(year + 1, m, d), amount=0,
                        ref=r.refs["premium_clearing"], actor=actor, basis={"budget": budget}))  # fmt: skip
        audit(s, actor, "insurer_plan", "insurer_event", f"premium/{year}", None,
              {"budget": format_fen(budget)})  # fmt: skip
        return [view(e) for e in out]


def add_addition(uow: UnitOfWork, region: str, year: int, received: dt.date, amount: int, *,
                 document: str, actor: str) -> EventView:  # fmt: skip
    """第十六条（二）: a mid-year addition list received; the insurer pays within 10 working days."""
    _positive(amount)
    r = rules(region)
    with uow.begin() as s:
        n = s.scalar(select(func.count()).select_from(InsurerEvent).where(
            InsurerEvent.region == region, InsurerEvent.year == year,
            InsurerEvent.stream == "subsidy", InsurerEvent.step == "addition")) or 0  # fmt: skip
        return view(_add(s, r, year, "subsidy", "addition", seq=int(n) + 1,
                    due=add_working_days(received, r.addition_working_days), amount=amount,
                    ref=r.refs["addition"], actor=actor,
                    basis={"received": received.isoformat(), "document": document}))  # fmt: skip


def revolving(uow: UnitOfWork, region: str, year: int, direction: str, purpose: str, amount: int,
              day: dt.date, *, party: str, document: str, actor: str) -> EventView:  # fmt: skip
    """第十九条: 周转金 in (insurer → centre: Dr 支出户 Cr 应收承办机构) or out (centre → a
    county or the province's out-of-area account: Dr 暂付款—周转金 Cr 支出户)."""
    if direction not in ("in", "out"):
        raise InputError("direction must be in or out", column="direction")
    if purpose not in ("manual", "out_of_area"):
        raise InputError(
            "purpose must be manual (手工报销) or out_of_area (异地就医)", column="purpose"
        )
    _positive(amount)
    r = rules(region)
    with uow.begin() as s:
        n = s.scalar(select(func.count()).select_from(InsurerEvent).where(
            InsurerEvent.region == region, InsurerEvent.year == year,
            InsurerEvent.stream == "revolving", InsurerEvent.step == direction)) or 0  # fmt: skip
        ev = _add(s, r, year, "revolving", direction, seq=int(n) + 1, due=None, amount=amount,
                  ref=r.refs["revolving"], actor=actor, status="done", done_on=day,
                  basis={"purpose": purpose, "party": party})  # fmt: skip
        ev.document = document
        what = "手工报销" if purpose == "manual" else "异地就医联网结算"
        if direction == "in":
            ev.entry_id = _post(s, ev, day, f"{what}周转金拨入 {document}", "expenditure",
                                "receivable_insurer", actor, r.insurer)  # fmt: skip
        else:
            ev.entry_id = _post(s, ev, day, f"{what}周转金拨付 {party} {document}", "revolving_fund",
                                "expenditure", actor, party)  # fmt: skip
        audit(s, actor, "insurer_revolving", "insurer_event", str(ev.id), None,
              {"amount": format_fen(amount), "direction": direction, "party": party})  # fmt: skip
        return view(ev)


# -- completing --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Done:
    event: EventView
    follow_up: EventView | None


def complete(uow: UnitOfWork, event_id: int, day: dt.date, *, document: str, actor: str) -> Done:
    """Mark a planned step done on ``day`` with its document; post its money; plan the step
    that follows (pass-on after arrival, the difference after a clearing)."""
    document = (document or "").strip()
    if not document:
        raise InputError("the document number is required (文号/凭证号)", column="document")
    with uow.begin() as s:
        ev = s.get(InsurerEvent, event_id)
        if ev is None:
            raise NotFound(f"no insurer event {event_id}", field="event_id")
        if "done" not in TRANSITIONS[ev.status]:
            raise WorkflowError(f"{LABELS[(ev.stream, ev.step)]}：状态为{STATUSES[ev.status]}，不能再完成",
                                field="event_id")  # fmt: skip
        r = rules(ev.region)
        follow = _STEPS[(ev.stream, ev.step.split("_")[0] if ev.stream == "premium" else ev.step)](
            s, r, ev, day, document, actor)  # fmt: skip
        ev.status, ev.done_on, ev.document = "done", day, document[:80]
        s.flush()
        audit(s, actor, "insurer_done", "insurer_event", str(ev.id), None,
              {"step": f"{ev.stream}/{ev.step}", "day": day.isoformat(), "amount": format_fen(ev.amount)})  # fmt: skip
        return Done(view(ev), view(follow) if follow is not None else None)


def cancel(uow: UnitOfWork, event_id: int, *, reason: str, actor: str) -> None:
    with uow.begin() as s:
        ev = s.get(InsurerEvent, event_id)
        if ev is None:
            raise NotFound(f"no insurer event {event_id}", field="event_id")
        if "cancelled" not in TRANSITIONS[ev.status]:
            raise WorkflowError("only a planned step can be cancelled", field="event_id")
        if not reason.strip():
            raise InputError("a reason is required", column="reason")
        ev.status = "cancelled"
        audit(s, actor, "insurer_cancel", "insurer_event", str(ev.id), None, {"reason": reason})


def _request(
    s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str
) -> InsurerEvent:
    return _add(s, r, ev.year, "subsidy", "arrival", due=None, amount=ev.amount, ref=r.refs["pass_on"],
                actor=actor)  # fmt: skip


def _arrival(
    s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str
) -> InsurerEvent:
    ev.entry_id = _post(
        s, ev, day, f"资助参保资金到账 {doc}", "expenditure", "fiscal_account", actor, None
    )
    return _add(s, r, ev.year, "subsidy", "pass_on", due=add_working_days(day, r.pass_on_working_days),
                amount=ev.amount, ref=r.refs["pass_on"], actor=actor,
                basis={"arrived": day.isoformat()})  # fmt: skip


def _pay_insurer(
    s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str
) -> None:
    ev.entry_id = _post(s, ev, day, f"{LABELS[(ev.stream, ev.step)]} {doc}", "receivable_insurer",
                        "expenditure", actor, r.insurer)  # fmt: skip


def _addition(
    s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str
) -> None:
    """The insurer paid the addition from its advance (its money; no posting of ours)."""


def _subsidy_clearing(s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str) -> InsurerEvent | None:  # fmt: skip
    """第十七条: actual = the subsidies posted for the year; advanced = what was passed on
    (plus a shortfall paid earlier: none before the clearing)."""
    actual = actual_subsidy(s, ev.region, ev.year)
    passed = _get(s, ev.region, ev.year, "subsidy", "pass_on")
    advanced = passed.amount if passed is not None and passed.status == "done" else 0
    ev.amount = actual
    ev.basis = {"actual": actual, "advanced": advanced, "difference": actual - advanced}
    if actual:
        ev.entry_id = _post(s, ev, day, f"资助参保资金清算 {ev.year} {doc}", "payable_insurance_fund",
                            "receivable_insurer", actor, r.insurer)  # fmt: skip
    diff = actual - advanced
    if diff > 0:
        return _add(s, r, ev.year, "subsidy", "shortfall", amount=diff, ref=r.refs["subsidy_difference"],
                    due=add_months(day, r.subsidy_difference_months), actor=actor)  # fmt: skip
    if diff < 0:
        return _add(s, r, ev.year, "subsidy", "offset", amount=-diff, ref=r.refs["subsidy_difference"],
                    due=None, actor=actor, status="done", done_on=day)  # fmt: skip
    return None


def _premium_clearing(s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str) -> InsurerEvent | None:  # fmt: skip
    """第十八条: actual = the year's stored settlements' assistance; the rest of the premium
    (or the insurer's refund of what was advanced above it) within 1 month."""
    actual = actual_assistance(s, ev.region, ev.year)
    advanced = sum(e.amount for e in s.scalars(select(InsurerEvent).where(
        InsurerEvent.region == ev.region, InsurerEvent.year == ev.year, InsurerEvent.stream == "premium",
        InsurerEvent.step.like("advance_%"), InsurerEvent.status == "done")))  # fmt: skip
    ev.amount = actual
    ev.basis = {
        **(ev.basis or {}),
        "actual": actual,
        "advanced": advanced,
        "difference": actual - advanced,
    }
    diff = actual - advanced
    due = add_months(day, r.premium_difference_months)
    if diff > 0:
        return _add(s, r, ev.year, "premium", "remainder", amount=diff, due=due,
                    ref=r.refs["premium_difference"], actor=actor)  # fmt: skip
    if diff < 0:
        return _add(s, r, ev.year, "premium", "refund", amount=-diff, due=due,
                    ref=r.refs["premium_difference"], actor=actor)  # fmt: skip
    return None


def _refund(
    s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str
) -> None:
    ev.entry_id = _post(
        s, ev, day, f"多拨保费退回 {doc}", "expenditure", "receivable_insurer", actor, r.insurer
    )


def _none(
    s: Session, r: InsurerRules, ev: InsurerEvent, day: dt.date, doc: str, actor: str
) -> None:
    return None


_STEPS: dict[tuple[str, str], Any] = {
    ("subsidy", "request"): _request,
    ("subsidy", "arrival"): _arrival,
    ("subsidy", "pass_on"): _pay_insurer,
    ("subsidy", "addition"): _addition,
    ("subsidy", "clearing"): _subsidy_clearing,
    ("subsidy", "shortfall"): _pay_insurer,
    ("subsidy", "offset"): _none,
    ("premium", "advance"): _pay_insurer,
    ("premium", "clearing"): _premium_clearing,
    ("premium", "remainder"): _pay_insurer,
    ("premium", "refund"): _refund,
}
