"""Use cases of the books that staff run: close a month, claw back, post a manual entry.

Each takes the open unit of work (a session) or opens one transaction; its money event goes
through the message bus like any other (the postings are its handler's).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db import journal
from jiuzhu.adapters.db.fund_tables import FundPeriod, JournalEntry
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import Conflict, InputError, NotFound
from jiuzhu.domain.events import ClawedBack
from jiuzhu.domain.journal import Entry, Line, expense_role
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen
from jiuzhu.services import messagebus


def close_month(uow: UnitOfWork, region: str, month: str, *, actor: str) -> None:
    """月结: nothing posts into ``month`` (YYYY-MM) any more; closing twice is refused."""
    try:
        year, mon = (int(x) for x in month.split("-"))
        dt.date(year, mon, 1)
        if len(month) != 7:
            raise ValueError
    except ValueError:
        raise InputError(f"month must be YYYY-MM, got {month!r}", column="month") from None
    with uow.begin() as s:
        if s.get(FundPeriod, (region, month)) is not None:
            raise Conflict(f"会计期间 {region} {month} 已结账 (already closed)", field="month")
        s.add(FundPeriod(region=region, month=month, closed_by=actor))
        s.flush()
        audit(s, actor, "close_month", "fund_period", f"{region}:{month}", None, {"month": month})


@dataclass(frozen=True)
class ClawBack:
    """追回 from a hospital (新疆规程 第二十四条), naming its decision document."""

    region: str
    institution: str
    amount: int
    document: str
    reason: str
    day: dt.date
    setl_id: str | None = None


def claw_back_in(s: Session, cmd: ClawBack, *, actor: str) -> None:
    if cmd.amount <= 0:
        raise InputError("claw-back amount must be positive", column="amount")
    if not cmd.document.strip():
        raise InputError("claw-back needs its decision document number", column="document")
    if not cmd.reason.strip():
        raise InputError("claw-back needs a reason", column="reason")
    q = select(JournalEntry.id).where(
        JournalEntry.kind == "clawback", JournalEntry.source_id == cmd.document
    )
    if s.execute(q).first() is not None:
        raise Conflict(f"claw-back document {cmd.document} already posted", field="document")
    role = "expense_inpatient"
    county = None
    if cmd.setl_id is not None:
        row = s.get(Settlement, cmd.setl_id)
        if row is None or row.institution != cmd.institution:
            raise NotFound(
                f"no settlement {cmd.setl_id} of institution {cmd.institution}", field="setl_id"
            )
        if cmd.amount > row.maf_pay + row.tilt_pay:
            raise InputError(
                f"claw-back {format_fen(cmd.amount)} exceeds what settlement {cmd.setl_id} paid "
                f"({format_fen(row.maf_pay + row.tilt_pay)})",
                column="amount",
            )
        role = expense_role(row.source, row.med_type, bool(row.body.get("out_of_area", 0)))
        county = row.county
    else:
        known = select(Settlement.setl_id).where(Settlement.institution == cmd.institution)
        if s.execute(known.limit(1)).first() is None:
            raise NotFound(f"no settlements of institution {cmd.institution}", field="institution")
    ev = ClawedBack(
        cmd.document, cmd.region, cmd.institution, cmd.setl_id, cmd.amount, county, cmd.day,
        cmd.reason, role,
    )  # fmt: skip
    messagebus.publish(s, ev)
    audit(
        s,
        actor,
        "claw_back",
        "fixmedins",
        cmd.institution,
        None,
        {"document": cmd.document, "amount": format_fen(cmd.amount), "setl_id": cmd.setl_id,
         "reason": cmd.reason},
    )  # fmt: skip


def settlement_clawed_back(s: Session, setl_id: str, *, reason: str, day: dt.date) -> None:
    """A whole settlement recovered (its totals already taken out by the caller, e.g. the
    checks' claw-back, 新疆规程 第二十四条): the fund's claw-back entry of its maf + tilt,
    named by the settlement (one per settlement)."""
    row = s.get(Settlement, setl_id)
    if row is None:
        raise NotFound(f"no settlement {setl_id}", field="setl_id")
    amount = row.maf_pay + row.tilt_pay
    if amount <= 0 or not row.institution:
        # nothing was owed to a hospital: the entry records the claw-back without lines
        entry = Entry(row.region, day, "clawback", setl_id, f"追回 结算 {setl_id}（{reason}）", ())
        journal.post(s, entry)
        return
    role = expense_role(row.source, row.med_type, bool(row.body.get("out_of_area", 0)))
    ev = ClawedBack(
        setl_id, row.region, row.institution, setl_id, amount, row.county, day, reason, role
    )
    messagebus.publish(s, ev)


def claw_back(uow: UnitOfWork, cmd: ClawBack, *, actor: str) -> None:
    with uow.begin() as s:
        claw_back_in(s, cmd, actor=actor)


def post_manual(uow: UnitOfWork, entry: Entry, *, actor: str) -> int:
    """A bookkeeper's entry (funding, transfers, remittance): accounts must be in the chart,
    the month open; the entry balances (checked before anything is written)."""
    c = chart(entry.region)
    for i, ln in enumerate(entry.lines, 1):
        if c.account(ln.account) is None:
            raise InputError(f"line {i}: unknown account {ln.account}", column="account")
    with uow.begin() as s:
        if s.execute(
            select(JournalEntry.id).where(
                JournalEntry.kind == entry.kind, JournalEntry.source_id == entry.source_id
            )
        ).first():
            raise Conflict(f"entry {entry.source_id} already posted", field="source_id")
        entry_id = journal.post(s, entry, actor, strict_day=True)
        assert entry_id is not None
        audit(s, actor, "post", "journal_entry", str(entry_id), None, {"source": entry.source_id})
        return entry_id


__all__ = [
    "ClawBack",
    "Line",
    "claw_back",
    "claw_back_in",
    "close_month",
    "post_manual",
    "settlement_clawed_back",
]
