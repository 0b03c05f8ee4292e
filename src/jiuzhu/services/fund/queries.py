"""Reads of the books: trial balance, hospitals' payables, an account's entries.

Typed views with amounts in fen; the CLI and API format them (calc-contract §12 shapes in
:mod:`jiuzhu.cli.fund`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen


@dataclass(frozen=True, slots=True)
class BalanceRow:
    account_code: str
    account_name: str
    debit: int
    credit: int


@dataclass(frozen=True, slots=True)
class Payable:
    fixmedins_code: str
    unpaid: int


@dataclass(frozen=True, slots=True)
class Finding:
    """A broken invariant of the books (beancount-style validation)."""

    check: str
    subject: str
    detail: str


def _regions(s: Session) -> list[str]:
    return sorted(r for (r,) in s.execute(select(JournalLine.region).distinct()))


def trial_balance(
    uow: UnitOfWork, as_of: dt.date, *, county: str | None = None
) -> list[BalanceRow]:
    """试算平衡表: per account with postings up to and including ``as_of``, the sums of its
    debit and credit postings (calc-contract §12)."""
    with uow.read() as s:
        names: dict[str, str] = {}
        for region in _regions(s):
            for a in chart(region).accounts:
                names.setdefault(a.code, a.name)
        q = (
            select(JournalLine.account, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
            .where(JournalLine.entry_date <= as_of)
            .group_by(JournalLine.account)
            .order_by(JournalLine.account)
        )
        if county is not None:
            q = q.where(JournalLine.county == county)
        return [
            BalanceRow(code, names.get(code, code), int(d or 0), int(c or 0))
            for code, d, c in s.execute(q)
        ]


def payables(uow: UnitOfWork, as_of: dt.date) -> list[Payable]:
    """What the fund owes each hospital for one-stop settlements up to ``as_of``: the credit
    balance of 应付定点医药机构 by hospital (settlements − reversals − claw-backs − paid).
    Hospitals that owe the fund (a debit balance) are :func:`receivables`."""
    return [p for p in _hospital_balances(uow, as_of) if p.unpaid > 0]


def receivables(uow: UnitOfWork, as_of: dt.date) -> list[Payable]:
    """Hospitals whose claw-backs exceed what the fund owed them (新疆规程 第二十四条 追回)."""
    return [
        Payable(p.fixmedins_code, -p.unpaid) for p in _hospital_balances(uow, as_of) if p.unpaid < 0
    ]


def _hospital_balances(uow: UnitOfWork, as_of: dt.date) -> list[Payable]:
    with uow.read() as s:
        totals: dict[str, int] = {}
        for region in _regions(s):
            q = (
                select(JournalLine.party, func.sum(JournalLine.credit - JournalLine.debit))
                .where(
                    JournalLine.region == region,
                    JournalLine.account == chart(region).code("payable_hospital"),
                    JournalLine.entry_date <= as_of,
                    JournalLine.party.is_not(None),
                )
                .group_by(JournalLine.party)
            )
            for party, bal in s.execute(q):
                code = str(party)
                totals[code] = totals.get(code, 0) + int(bal or 0)
        return [Payable(k, v) for k, v in sorted(totals.items())]


def findings(uow: UnitOfWork) -> list[Finding]:
    """Every broken invariant: a settlement without its entry (or a reversed one without
    its reversal), an entry that does not balance, a trial balance that does not."""
    out: list[Finding] = []
    with uow.read() as s:
        posted = select(JournalEntry.source_id).where(JournalEntry.kind == "settle")
        for (setl_id,) in s.execute(
            select(Settlement.setl_id).where(Settlement.setl_id.not_in(posted))
        ):
            out.append(
                Finding("settlement_posted", setl_id, "settlement without its journal entry")
            )
        reversed_posted = select(JournalEntry.source_id).where(
            JournalEntry.kind.in_(("reverse", "clawback"))
        )
        q = select(Settlement.setl_id).where(
            Settlement.status == "reversed", Settlement.setl_id.not_in(reversed_posted)
        )
        for (setl_id,) in s.execute(q):
            out.append(
                Finding(
                    "reversal_posted", setl_id, "reversed settlement without its reversing entry"
                )
            )
        q2 = (
            select(JournalLine.entry_id, func.sum(JournalLine.debit), func.sum(JournalLine.credit))
            .group_by(JournalLine.entry_id)
            .having(func.sum(JournalLine.debit) != func.sum(JournalLine.credit))
        )
        for entry_id, d, c in s.execute(q2):
            out.append(
                Finding(
                    "entry_balances",
                    str(entry_id),
                    f"debits {format_fen(int(d))} ≠ credits {format_fen(int(c))}",
                )
            )
        d, c = s.execute(select(func.sum(JournalLine.debit), func.sum(JournalLine.credit))).one()
        if int(d or 0) != int(c or 0):
            out.append(
                Finding(
                    "trial_balance",
                    "all",
                    f"debits {format_fen(int(d or 0))} ≠ credits {format_fen(int(c or 0))}",
                )
            )
    return out
