"""Double-entry journal (借贷记账法) in integer fen, and the postings of each money event.

社会保险基金会计制度（财会〔2017〕28号）: every entry debits and credits equal sums; entries are
never changed — a correction is a reversing entry naming the one it reverses. Postings
name accounts by role (``policy/accounts/chart.yaml``), never by code.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass

from jiuzhu.domain.claim import visit_type_of
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.events import ClawedBack, Paid, Settled, Subsidised
from jiuzhu.policy.accounts import Chart
from jiuzhu.policy.money import Fen, format_fen

KINDS = ("settle", "reverse", "clawback", "pay", "subsidy", "manual", "opening")
"""settle: a settlement; reverse: a reversing entry; clawback: 追回; pay: a payment batch;
subsidy: 资助参保; manual: an entry a bookkeeper makes (funding, transfers, remittance)."""


class Unbalanced(InputError):
    """An entry whose debits and credits differ, or with a bad line."""


@dataclass(frozen=True, slots=True)
class Line:
    """One posting: an account debited or credited (never both), in fen."""

    account: str
    debit: Fen = 0
    credit: Fen = 0
    party: str | None = None
    """the hospital (fixmedins_code) or person a payable or receivable is owed to/by"""
    county: str | None = None
    """6-digit administrative division code (宁医保发〔2023〕102号 第十七–十八条)"""


@dataclass(frozen=True, slots=True)
class Entry:
    """A journal entry (记账凭证): its source document is ``kind`` + ``source_id``."""

    region: str
    day: dt.date
    kind: str
    source_id: str
    memo: str
    lines: tuple[Line, ...]
    reverses: int | None = None
    """the id of the entry this one reverses"""

    def __post_init__(self) -> None:
        check_lines(self.lines, f"{self.kind} {self.source_id}")


def check_lines(lines: Iterable[Line], what: str = "entry") -> None:
    """Each line one-sided and non-negative; debits equal credits (else :class:`Unbalanced`)."""
    dr = cr = 0
    for i, ln in enumerate(lines, 1):
        if not isinstance(ln.debit, int) or not isinstance(ln.credit, int):
            raise Unbalanced(f"{what}: line {i}: amounts must be integer fen", column="amount")
        if ln.debit < 0 or ln.credit < 0:
            raise Unbalanced(f"{what}: line {i}: negative amount", column="amount")
        if (ln.debit > 0) == (ln.credit > 0):
            raise Unbalanced(
                f"{what}: line {i}: a line is either a debit or a credit", column="amount"
            )
        dr += ln.debit
        cr += ln.credit
    if dr != cr:
        raise Unbalanced(
            f"{what}: debits {format_fen(dr)} ≠ credits {format_fen(cr)}", column="amount"
        )


def reversal(lines: Iterable[Line]) -> tuple[Line, ...]:
    """The lines of a reversing entry: every debit becomes a credit and back."""
    return tuple(Line(ln.account, ln.credit, ln.debit, ln.party, ln.county) for ln in lines)


def _pair(lines: list[Line]) -> tuple[Line, ...]:
    return tuple(ln for ln in lines if ln.debit or ln.credit)


def expense_role(source: str, med_type: str, out_of_area: bool) -> str:
    """The spending account of a settlement's regular assistance (医疗救助 split by 住院 /
    门诊慢特病 / 门诊 / 零星报销 / 异地)."""
    if source == "manual":
        return "expense_manual"
    if out_of_area:
        return "expense_out_of_area"
    return {
        "inpatient": "expense_inpatient",
        "chronic_outpatient": "expense_chronic",
    }.get(visit_type_of(med_type), "expense_outpatient")


def payee_of(ev: Settled) -> tuple[str, str]:
    """(role, party): a one-stop (or imported) settlement is owed to the hospital that
    advanced it (宁医保发〔2023〕102号 第三十条); manual reimbursement and back-pay to the person
    (第十九条, 第二十条)."""
    if ev.institution and ev.source in ("one_stop", "import"):
        return "payable_hospital", ev.institution
    return "payable_person", ev.psn_no


def _dr(account: str, amount: Fen, party: str | None, county: str | None) -> Line:
    """A debit of ``amount``; a negative amount is a credit of its opposite."""
    if amount < 0:
        return Line(account, 0, -amount, party, county)
    return Line(account, amount, 0, party, county)


def settled_lines(ev: Settled, chart: Chart) -> tuple[Line, ...]:
    """Dr 医疗救助支出 (by visit type) maf_pay, Dr 倾斜救助 tilt_pay; Cr the payee's payable.
    A settlement that pays nothing has an entry without lines. A back-pay of a higher
    class pays differences, one of which may be negative (less tilt, more regular
    assistance): that component is a credit."""
    role, party = payee_of(ev)
    c = ev.county
    expense = chart.code(expense_role(ev.source, ev.med_type, ev.out_of_area))
    return _pair(
        [
            _dr(expense, ev.maf_pay, party, c),
            _dr(chart.code("expense_tilt"), ev.tilt_pay, party, c),
            _dr(chart.code(role), -(ev.maf_pay + ev.tilt_pay), party, c),
        ]
    )


def settled_entry(ev: Settled, chart: Chart, day: dt.date | None = None) -> Entry:
    doc = f"结算 {ev.setl_id}"
    if ev.backpay_of:
        doc += f"（补报 {ev.backpay_of}）"
    if ev.app_no:
        doc += f"（零星报销 {ev.app_no}）"
    return Entry(ev.region, day or ev.day, "settle", ev.setl_id, doc, settled_lines(ev, chart))


def clawback_entry(ev: ClawedBack, chart: Chart, day: dt.date | None = None) -> Entry:
    """Dr 应付定点医药机构 (the hospital), Cr the spending account: what the fund owes the
    hospital falls by the amount recovered (新疆规程 第二十四条)."""
    if ev.amount <= 0:
        raise InputError("claw-back amount must be positive", column="amount")
    lines = (
        Line(chart.code("payable_hospital"), ev.amount, 0, ev.institution, ev.county),
        Line(chart.code(ev.visit_role), 0, ev.amount, ev.institution, ev.county),
    )
    memo = f"追回 {ev.institution} {ev.reason}" + (f"（结算 {ev.setl_id}）" if ev.setl_id else "")
    return Entry(ev.region, day or ev.day, "clawback", ev.document, memo, lines)


def paid_entry(ev: Paid, chart: Chart, day: dt.date | None = None) -> Entry:
    """Dr each payee's payable, Cr 支出户存款 (per county, the agency's own 支出户 where the
    region keeps them apart): the batch clears what it pays."""
    lines: list[Line] = []
    by_county: dict[str | None, int] = {}
    for p in ev.lines:
        role = "payable_hospital" if p.party_kind == "hospital" else "payable_person"
        lines.append(Line(chart.code(role), p.amount, 0, p.party, p.county))
        by_county[p.county] = by_county.get(p.county, 0) + p.amount
    for county, amount in by_county.items():
        lines.append(Line(chart.expenditure(county), 0, amount, None, county))
    return Entry(
        ev.region, day or ev.day, "pay", ev.batch_no, f"拨付批次 {ev.batch_no}", _pair(lines)
    )


_SUBSIDY_PERSONS = re.compile(r"^资助参保 \d{4} 年 (\d+) 人（")


def subsidy_memo(year: int, persons: int, document: str) -> str:
    """The memo of a subsidy entry; it carries the register's count of persons, which
    :func:`subsidy_persons` reads back for 资助参保统计 (one format, kept here)."""
    return f"资助参保 {year} 年 {persons} 人（{document}）"


def subsidy_persons(memo: str | None) -> int | None:
    """The persons a subsidy entry's memo states (None: not a subsidy memo)."""
    m = _SUBSIDY_PERSONS.match(memo or "")
    return int(m.group(1)) if m else None


def subsidy_entry(ev: Subsidised, chart: Chart, day: dt.date | None = None) -> Entry:
    """Dr 资助参保支出, Cr 应付居民医保基金 (梅州规程 第六条; 双鸭山实施办法 第六条); a negative
    amount (persons who left, refunds) posts the other way."""
    lines = (
        _dr(chart.code("expense_subsidy"), ev.amount, None, ev.county),
        _dr(chart.code("payable_insurance_fund"), -ev.amount, None, ev.county),
    )
    memo = subsidy_memo(ev.year, ev.persons, ev.document)
    return Entry(
        ev.region, day or ev.day, "subsidy", f"{ev.year}/{ev.document}/{ev.county or '-'}",
        memo, _pair(list(lines)),
    )  # fmt: skip


def trial_balance_ok(rows: Iterable[tuple[str, int, int]]) -> bool:
    """The trial balance balances: Σ debit = Σ credit."""
    dr = cr = 0
    for _, d, c in rows:
        dr += d
        cr += c
    return dr == cr
