"""Balances the funding steps read: per account and county up to a day, per agency."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.policy.accounts import Chart

CLOSE_PREFIX = "close/"
"""source_id prefix of the year-end closing entries (结转), which a 收支表 leaves out."""


def sums(
    s: Session,
    region: str,
    accounts: Iterable[str],
    *,
    start: dt.date | None = None,
    end: dt.date,
    without_closing: bool = False,
) -> dict[tuple[str, str | None], tuple[int, int]]:
    """(account, county) → (Σ debit, Σ credit) of the lines dated in [start, end]."""
    accounts = list(accounts)
    q = (
        select(JournalLine.account, JournalLine.county, func.sum(JournalLine.debit),
               func.sum(JournalLine.credit))
        .where(JournalLine.region == region, JournalLine.account.in_(accounts),
               JournalLine.entry_date <= end)
        .group_by(JournalLine.account, JournalLine.county)
    )  # fmt: skip
    if start is not None:
        q = q.where(JournalLine.entry_date >= start)
    if without_closing:
        closing = select(JournalEntry.id).where(
            JournalEntry.region == region,
            JournalEntry.kind == "manual",
            JournalEntry.source_id.like(CLOSE_PREFIX + "%"),
        )
        q = q.where(JournalLine.entry_id.not_in(closing))
    return {(a, c): (int(d or 0), int(k or 0)) for a, c, d, k in s.execute(q)}


def expenditure_accounts(c: Chart) -> list[str]:
    """1004 支出户存款 and each agency's 明细科目."""
    return [c.code("expenditure_account"), *(a.code for a in c.agencies())]


def result_accounts(c: Chart) -> tuple[list[str], list[str]]:
    """(income accounts, expense accounts) that carry postings (leaves and roles)."""
    inc = [a.code for a in c.accounts if a.kind == "income"]
    exp = [a.code for a in c.accounts if a.kind == "expense"]
    return inc, exp
