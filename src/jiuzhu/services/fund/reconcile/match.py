"""Matching bank lines against the journal, and the balances per account and day.

The journal's side of a bank account is, per entry, the net of its lines on that account
(借 = money in, 贷 = money out) within the county (支出户 per agency, 双鸭山实施办法 市、县
分账). A bank line matches one entry: first by document number (凭证号 = the entry's
source document) and amount, then by amount on the same day, then by amount within
:data:`DAYS` days. What is left on either side is a difference; so is every day whose
bank or finance balance differs from the books' balance at the end of that day."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.clearing_tables import ReconBankLine, ReconFinanceBalance
from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.policy.money import format_fen

DAYS = 5
"""how far apart a bank line and an entry of the same amount may be dated (value dates)"""


@dataclass(frozen=True, slots=True)
class BookItem:
    entry_id: int
    day: dt.date
    source_id: str
    amount: int


@dataclass(frozen=True, slots=True)
class Found:
    """A difference found by a run (kept in ``recon_difference`` until resolved)."""

    kind: str
    ref: str
    day: dt.date
    amount: int
    books: int | None
    detail: str


def _lines_of(account: str, county: str) -> list[object]:
    cond: list[object] = [JournalLine.account == account]
    if county:
        cond.append(JournalLine.county == county)
    return cond


def book_items(
    s: Session, region: str, account: str, county: str, begin: dt.date, end: dt.date
) -> list[BookItem]:
    q = (
        select(JournalLine.entry_id, JournalLine.entry_date, JournalEntry.source_id,
               func.sum(JournalLine.debit - JournalLine.credit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalLine.region == region, JournalLine.entry_date >= begin,
               JournalLine.entry_date <= end, *_lines_of(account, county))  # type: ignore[arg-type]
        .group_by(JournalLine.entry_id, JournalLine.entry_date, JournalEntry.source_id)
        .order_by(JournalLine.entry_date, JournalLine.entry_id)
    )  # fmt: skip
    return [BookItem(int(e), d, src, int(a)) for e, d, src, a in s.execute(q) if int(a) != 0]


def books_balance_by_day(
    s: Session, region: str, account: str, county: str, end: dt.date
) -> list[tuple[dt.date, int]]:
    """(day, balance at its end) for each day with postings, up to ``end`` (debit − credit)."""
    q = (
        select(JournalLine.entry_date, func.sum(JournalLine.debit - JournalLine.credit))
        .where(JournalLine.region == region, JournalLine.entry_date <= end,
               *_lines_of(account, county))  # type: ignore[arg-type]
        .group_by(JournalLine.entry_date)
        .order_by(JournalLine.entry_date)
    )  # fmt: skip
    out, run = [], 0
    for d, a in s.execute(q):
        run += int(a)
        out.append((d, run))
    return out


def balance_on(series: list[tuple[dt.date, int]], day: dt.date) -> int:
    bal = 0
    for d, b in series:
        if d > day:
            break
        bal = b
    return bal


def match(
    bank: list[ReconBankLine], books: list[BookItem]
) -> tuple[dict[int, int], list[ReconBankLine], list[BookItem]]:
    """({bank line id: entry id}, bank lines left, entries left)."""
    left = {b.entry_id: b for b in books}
    pairs: dict[int, int] = {}

    def take(line: ReconBankLine, ok: object) -> bool:
        for b in list(left.values()):
            if b.amount == line.amount and ok(b):  # type: ignore[operator]
                pairs[line.id] = b.entry_id
                del left[b.entry_id]
                return True
        return False

    rest = list(bank)
    for rule in (
        lambda ln: lambda b: ln.doc_no is not None and b.source_id == ln.doc_no,
        lambda ln: lambda b: b.day == ln.txn_date,
        lambda ln: lambda b: abs((b.day - ln.txn_date).days) <= DAYS,
    ):
        rest = [ln for ln in rest if not take(ln, rule(ln))]
    return pairs, rest, list(left.values())


def run_account(
    s: Session, region: str, account: str, county: str, begin: dt.date, end: dt.date
) -> tuple[list[Found], int]:
    """Every difference of ``account`` (in ``county``, "" for all) over [begin, end], and the
    number of bank lines matched."""
    bank = list(
        s.scalars(
            select(ReconBankLine)
            .where(ReconBankLine.region == region, ReconBankLine.account == account,
                   ReconBankLine.county == county, ReconBankLine.txn_date >= begin,
                   ReconBankLine.txn_date <= end)
            .order_by(ReconBankLine.txn_date, ReconBankLine.line)
        )
    )  # fmt: skip
    books = book_items(s, region, account, county, begin, end)
    pairs, bank_left, books_left = match(bank, books)
    for ln in bank:
        ln.matched_entry_id = pairs.get(ln.id)
    tag = f"{account}:{county or '-'}"
    found = [
        Found("bank_only", f"bank:{ln.id}", ln.txn_date, ln.amount, None,
              f"银行有账我方无：{ln.txn_date} 流水 {ln.txn_id} {'收入' if ln.amount > 0 else '支出'} "
              f"{format_fen(abs(ln.amount))}" + (f"（凭证号 {ln.doc_no}）" if ln.doc_no else ""))
        for ln in bank_left
    ]  # fmt: skip
    found += [
        Found("books_only", f"entry:{tag}:{b.entry_id}", b.day, b.amount, b.amount,
              f"我方有账银行无：{b.day} 凭证 #{b.entry_id}（{b.source_id}）"
              f"{'借' if b.amount > 0 else '贷'} {format_fen(abs(b.amount))}")
        for b in books_left
    ]  # fmt: skip
    series = books_balance_by_day(s, region, account, county, end)
    last: dict[dt.date, int] = {}
    for ln in bank:
        if ln.balance is not None:
            last[ln.txn_date] = ln.balance
    for day, bal in sorted(last.items()):
        ours = balance_on(series, day)
        if ours != bal:
            found.append(Found("balance_bank", f"bank:{tag}:{day}", day, bal, ours,
                               f"{day} 日终余额 银行 {format_fen(bal)}，账面 {format_fen(ours)}"))  # fmt: skip
    figures = s.scalars(
        select(ReconFinanceBalance).where(
            ReconFinanceBalance.region == region, ReconFinanceBalance.account == account,
            ReconFinanceBalance.county == county, ReconFinanceBalance.day >= begin,
            ReconFinanceBalance.day <= end,
        )
    )  # fmt: skip
    for f in figures:
        ours = balance_on(series, f.day)
        if ours != f.balance:
            found.append(Found("balance_finance", f"finance:{tag}:{f.day}", f.day, f.balance, ours,
                               f"{f.day} 余额 财政 {format_fen(f.balance)}，账面 {format_fen(ours)}"))  # fmt: skip
    return found, len(pairs)
