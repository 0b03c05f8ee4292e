"""Drill-down: a report cell's key → the journal lines or the settlements behind it.

The totals returned are computed over every row behind the cell (the listed rows are
capped at ``limit``); they equal the cell's figure — the test of every report.
"""

from __future__ import annotations

import datetime as dt
import urllib.parse
from dataclasses import dataclass, field

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.accounts import DEBIT_NORMAL, chart
from jiuzhu.services.fund.funding.balances import CLOSE_PREFIX, result_accounts
from jiuzhu.services.fund.reports.spending import counted, dimension_sql

GROUPS = {"result": "收支结余", "income": "收入", "expense": "支出"}
"""account groups a journal drill may name instead of one account"""


@dataclass(frozen=True, slots=True)
class LineRow:
    entry_id: int
    day: dt.date
    kind: str
    source_id: str
    memo: str
    account: str
    county: str | None
    party: str | None
    debit: int
    credit: int
    value: int
    """what the line adds to the cell's figure"""


@dataclass(frozen=True, slots=True)
class SettlementRow:
    setl_id: str
    psn_no: str
    setl_time: dt.datetime
    med_type: str
    class_id: str | None
    institution: str | None
    county: str | None
    source: str
    maf_pay: int
    tilt_pay: int


@dataclass
class Drill:
    src: str
    title: str
    total: int = 0
    """money: Σ value (journal) or Σ maf + tilt (settlements)"""
    visits: int = 0
    persons: int = 0
    maf_pay: int = 0
    tilt_pay: int = 0
    rows: int = 0
    lines: list[LineRow] = field(default_factory=list)
    settlements: list[SettlementRow] = field(default_factory=list)


def _day(q: dict[str, str], name: str) -> dt.date | None:
    v = q.get(name)
    if not v:
        return None
    try:
        return dt.date.fromisoformat(v)
    except ValueError:
        raise InputError(f"malformed date {v!r}", column=name) from None


def drill(s: Session, key: str, *, limit: int = 1000) -> Drill:
    q = {k: v[0] for k, v in urllib.parse.parse_qs(key, keep_blank_values=True).items()}
    src, region = q.get("src"), q.get("region")
    if not region:
        raise InputError("drill key without region", column="key")
    if src == "journal":
        return _journal(s, region, q, limit)
    if src == "subsidy":
        return _subsidy(s, region, q, limit)
    if src == "settlements":
        return _settlements(s, region, q, limit)
    raise InputError(f"unknown drill source {src!r}", column="key")


def _line_rows(s: Session, base: list[object], sign: dict[str, int], limit: int, d: Drill) -> Drill:
    value = func.sum(JournalLine.debit - JournalLine.credit)
    for acct, v, n in s.execute(
        select(JournalLine.account, value, func.count()).join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*base).group_by(JournalLine.account)  # type: ignore[arg-type]
    ):  # fmt: skip
        d.total += sign.get(acct, 1) * int(v or 0)
        d.rows += int(n)
    q = (
        select(JournalEntry.id, JournalEntry.entry_date, JournalEntry.kind, JournalEntry.source_id,
               JournalEntry.memo, JournalLine.account, JournalLine.county, JournalLine.party,
               JournalLine.debit, JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(*base).order_by(JournalLine.entry_date, JournalLine.id).limit(limit)  # type: ignore[arg-type]
    )  # fmt: skip
    for r in s.execute(q):
        v = sign.get(r.account, 1) * (int(r.debit) - int(r.credit))
        d.lines.append(LineRow(r.id, r.entry_date, r.kind, r.source_id, r.memo, r.account, r.county,
                               r.party, int(r.debit), int(r.credit), v))  # fmt: skip
    return d


def _journal(s: Session, region: str, q: dict[str, str], limit: int) -> Drill:
    c = chart(region)
    account = q.get("account") or ""
    inc, exp = result_accounts(c)
    if account in GROUPS:
        accounts = {"result": inc + exp, "income": inc, "expense": exp}[account]
        # income and the result are credit − debit; expense debit − credit
        sign = {a: (1 if account == "expense" else -1) for a in accounts}
        title = GROUPS[account]
    else:
        a = c.account(account)
        if a is None:
            raise InputError(f"unknown account {account!r}", column="account")
        accounts = [account]
        sign = {account: 1 if a.kind in DEBIT_NORMAL else -1}
        title = f"{a.code} {a.name}"
    base: list[object] = [JournalLine.region == region, JournalLine.account.in_(accounts)]
    start, end = _day(q, "start"), _day(q, "end")
    if start:
        base.append(JournalLine.entry_date >= start)
    if end:
        base.append(JournalLine.entry_date <= end)
    if "county" in q:  # "" is the lines without a county (未记录)
        base.append(
            JournalLine.county == q["county"] if q["county"] else JournalLine.county.is_(None)
        )
    if q.get("closing") == "0":
        base.append(~JournalEntry.source_id.like(CLOSE_PREFIX + "%"))
    return _line_rows(s, base, sign, limit, Drill("journal", title))


def _subsidy(s: Session, region: str, q: dict[str, str], limit: int) -> Drill:
    code = chart(region).code("expense_subsidy")
    base: list[object] = [JournalLine.region == region, JournalLine.account == code,
                          JournalEntry.kind == "subsidy",
                          JournalEntry.source_id.like(f"{q.get('year', '')}/%")]  # fmt: skip
    if "county" in q:
        base.append(func.coalesce(JournalLine.county, "") == q["county"])
    return _line_rows(s, base, {code: 1}, limit, Drill("subsidy", f"资助参保 {q.get('year')}"))


def _settlements(s: Session, region: str, q: dict[str, str], limit: int) -> Drill:
    start, end = _day(q, "start"), _day(q, "end")
    if start is None or end is None:
        raise InputError("settlement drill needs start and end", column="key")
    cond = counted(region, start, end)
    dim = q.get("dim")
    title = "结算明细"
    if dim:
        try:
            cond.append(dimension_sql(dim) == q.get("value", ""))
        except ValueError:
            raise InputError(f"unknown dimension {dim!r}", column="dim") from None
        title += f"（{dim} = {q.get('value')}）"
    d = Drill("settlements", title)
    n, persons, maf, tilt, rows = s.execute(
        select(func.sum(case((Settlement.source == "backpay", 0), else_=1)),
               func.count(func.distinct(Settlement.psn_no)), func.sum(Settlement.maf_pay),
               func.sum(Settlement.tilt_pay), func.count()).where(*cond)
    ).one()  # fmt: skip
    d.visits, d.persons, d.rows = int(n or 0), int(persons or 0), int(rows or 0)
    d.maf_pay, d.tilt_pay = int(maf or 0), int(tilt or 0)
    d.total = d.maf_pay + d.tilt_pay
    for r in s.execute(
        select(Settlement.setl_id, Settlement.psn_no, Settlement.setl_time, Settlement.med_type,
               Settlement.class_id, Settlement.institution, Settlement.county, Settlement.source,
               Settlement.maf_pay, Settlement.tilt_pay)
        .where(*cond).order_by(Settlement.setl_time, Settlement.setl_id).limit(limit)
    ):  # fmt: skip
        d.settlements.append(SettlementRow(**dict(r._mapping)))
    return d
