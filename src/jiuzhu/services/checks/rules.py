"""Check rules 核查规则: each a named function with its article, returning findings with evidence.

Enrolment (梅州 第二十条), benefits (梅州 第二十一条), hospitals (梅州 第二十二条;
新疆规程 第二十三–二十四条; 双鸭山实施办法 第二十二条 and 柳州任务清单 七（五）for
先诊疗后付费). Each rule is one SQL query over the registry and the settlements, so a
run over a million persons stays a handful of statements. Evidence never carries an
ID number or a name (the psn_no and figures identify the case).

Not here: "enrolled twice or in two regions" — the registry finds a person by the keyed
hash of the ID number and holds it once (a unique constraint), so a duplicate needs
another region's enrolment list, which no department sends yet. Fund (梅州 第二十三条):
entries without their source document and payables overdue; "reconciliation differences
open too long" needs a bank reconciliation the fund's books do not keep yet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from jiuzhu.policy.money import format_fen


@dataclass(frozen=True)
class Draft:
    """A finding before it is stored: what it is about and the evidence."""

    subject: str
    evidence: dict[str, Any]
    psn_no: str | None = None
    setl_id: str | None = None
    institution: str | None = None
    amount: int = 0


@dataclass(frozen=True)
class Options:
    """What a run is told: the year for enrolment, and the operator's numbers the texts
    do not give (a rule that needs one it was not given is skipped, and says so)."""

    year: int = field(default_factory=lambda: dt.date.today().year)
    today: dt.date = field(default_factory=dt.date.today)
    readmission_days: int | None = None
    outlier_factor: int | None = None
    payable_days: int | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    article: str
    title: str
    run: Callable[[Session, Options], Iterator[Draft]]
    needs: str | None = None
    """The option this rule needs (None: none)."""


RULES: dict[str, Rule] = {}


def rule(name: str, category: str, article: str, title: str, needs: str | None = None):  # type: ignore[no-untyped-def]
    def deco(
        fn: Callable[[Session, Options], Iterator[Draft]],
    ) -> Callable[[Session, Options], Iterator[Draft]]:
        RULES[name] = Rule(name, category, article, title, fn, needs)
        return fn

    return deco


_PAID = "s.status = 'settled' AND (s.maf_pay + s.tilt_pay) > 0"


def _json_text(s: Session, column: str, key: str) -> str:
    if s.get_bind().dialect.name == "postgresql":
        return f"({column}->>'{key}')"
    return f"json_extract({column}, '$.{key}')"


@rule("enrol_dead_subsidised", "enrolment", "梅州规程 第二十条（一）", "已死亡人员仍资助参保")
def enrol_dead_subsidised(s: Session, o: Options) -> Iterator[Draft]:
    q = text(
        "SELECT e.psn_no, e.year, MIN(d.death_date) FROM person_enrolment e "
        "JOIN death_record d ON d.psn_no = e.psn_no "
        "WHERE e.status = 'local' AND e.year > CAST(strftime_year AS INTEGER) GROUP BY e.psn_no, e.year".replace(
            "CAST(strftime_year AS INTEGER)", _year_of(s, "d.death_date")
        )
    )
    for psn, year, died in s.execute(q):
        yield Draft(f"psn:{psn}:{year}", {"enrolment_year": year, "death_date": str(died)}, psn)


def _year_of(s: Session, column: str) -> str:
    if s.get_bind().dialect.name == "postgresql":
        return f"EXTRACT(YEAR FROM {column})"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


@rule(
    "enrol_beneficiary_not_subsidised", "enrolment", "梅州规程 第二十条（三）", "救助对象未资助参保"
)
def enrol_not_subsidised(s: Session, o: Options) -> Iterator[Draft]:
    first, last = dt.date(o.year, 1, 1), dt.date(o.year, 12, 31)
    q = text(
        "SELECT i.psn_no, MIN(i.code), MIN(e.status) FROM person_identity i "
        "LEFT JOIN person_enrolment e ON e.psn_no = i.psn_no AND e.year = :y "
        "WHERE i.begndate <= :last AND (i.enddate IS NULL OR i.enddate >= :first) "
        "AND (e.status IS NULL OR e.status = 'unenrolled') "
        "AND NOT EXISTS (SELECT 1 FROM death_record d WHERE d.psn_no = i.psn_no AND d.death_date < :first) "
        "GROUP BY i.psn_no"
    )
    for psn, code, status in s.execute(q, {"y": o.year, "first": first, "last": last}):
        yield Draft(
            f"psn:{psn}:{o.year}",
            {"year": o.year, "identity": code, "enrolment": status or "无记录"},
            psn,
        )


@rule(
    "benefit_after_death", "benefits", "梅州规程 第二十一条（二）", "向已死亡人员支付医疗救助待遇"
)
def benefit_after_death(s: Session, o: Options) -> Iterator[Draft]:
    q = text(
        "SELECT s.setl_id, s.psn_no, s.institution, s.begndate, s.maf_pay + s.tilt_pay, MIN(d.death_date) "
        f"FROM settlement s JOIN death_record d ON d.psn_no = s.psn_no WHERE {_PAID} "
        "AND s.begndate > d.death_date GROUP BY s.setl_id, s.psn_no, s.institution, s.begndate, s.maf_pay, s.tilt_pay"
    )
    for sid, psn, inst, beg, amt, died in s.execute(q):
        yield Draft(f"setl:{sid}", {"begndate": str(beg), "death_date": str(died), "paid": format_fen(amt)},
                    psn, sid, inst, int(amt))  # fmt: skip


@rule(
    "benefit_identity_ended",
    "benefits",
    "梅州规程 第二十一条（二）",
    "身份已追溯终止仍按该身份支付",
)
def benefit_identity_ended(s: Session, o: Options) -> Iterator[Draft]:
    q = text(
        "SELECT s.setl_id, s.psn_no, s.institution, s.identity, s.begndate, s.enddate, s.maf_pay + s.tilt_pay "
        f"FROM settlement s WHERE {_PAID} AND s.source <> 'backpay' AND NOT EXISTS (SELECT 1 FROM person_identity i "
        "WHERE i.psn_no = s.psn_no AND i.code = s.identity AND i.begndate <= s.enddate "
        "AND (i.enddate IS NULL OR i.enddate >= s.begndate))"
    )
    for sid, psn, inst, code, beg, end, amt in s.execute(q):
        yield Draft(f"setl:{sid}", {"identity_paid": code, "stay": f"{beg}–{end}", "paid": format_fen(amt),
                                    "why": "登记的该身份有效期已不覆盖本次住院"}, psn, sid, inst, int(amt))  # fmt: skip


@rule(
    "benefit_reimbursement_overdue",
    "benefits",
    "梅州规程 第二十一条（一）",
    "零星报销超过办结时限未支付",
)
def reimbursement_overdue(s: Session, o: Options) -> Iterator[Draft]:
    q = text(
        "SELECT id, psn_no, deadline, status FROM reimb_application "
        "WHERE deadline IS NOT NULL AND deadline < :today AND status IN ('in_review', 'approved')"
    )
    for app, psn, deadline, status in s.execute(q, {"today": o.today}):
        yield Draft(
            f"reimb:{app}", {"application": app, "deadline": str(deadline), "status": status}, psn
        )


@rule(
    "benefit_backpay_unpaid",
    "benefits",
    "梅州规程 第二十一条（一）；宁医保发〔2023〕102号 第十九条",
    "应补报未补报",
)
def backpay_unpaid(s: Session, o: Options) -> Iterator[Draft]:
    q = text(
        "SELECT s.setl_id, s.psn_no, s.institution, s.reason FROM settlement s "
        "WHERE s.status = 'settled' AND s.source <> 'backpay' AND s.reason IN ('no_identity', 'unclassed_identity') "
        "AND NOT EXISTS (SELECT 1 FROM settlement b WHERE b.backpay_of = s.setl_id) "
        "AND EXISTS (SELECT 1 FROM person_identity i WHERE i.psn_no = s.psn_no AND i.code <> s.identity "
        "AND i.begndate <= s.enddate AND (i.enddate IS NULL OR i.enddate >= s.begndate))"
    )
    for sid, psn, inst, reason in s.execute(q):
        yield Draft(
            f"setl:{sid}",
            {"reason_then": reason, "why": "现登记有覆盖本次住院的身份，可补报"},
            psn,
            sid,
            inst,
        )


@rule(
    "hospital_no_identity",
    "hospitals",
    "梅州规程 第二十二条（1）；新疆规程 第二十三条",
    "无有效救助身份人员在院获得医疗救助支付",
)
def hospital_no_identity(s: Session, o: Options) -> Iterator[Draft]:
    q = text(
        "SELECT s.setl_id, s.psn_no, s.institution, s.maf_pay + s.tilt_pay FROM settlement s "
        f"WHERE {_PAID} AND s.source = 'one_stop' AND NOT EXISTS (SELECT 1 FROM person_identity i "
        "WHERE i.psn_no = s.psn_no AND i.begndate <= s.enddate AND (i.enddate IS NULL OR i.enddate >= s.begndate))"
    )
    for sid, psn, inst, amt in s.execute(q):
        yield Draft(f"setl:{sid}", {"paid": format_fen(amt)}, psn, sid, inst, int(amt))


@rule(
    "hospital_deposit",
    "hospitals",
    "双鸭山实施办法 第二十二条；柳州任务清单 七（五）；梅州规程 第二十二条（3）",
    "先诊疗后付费对象被收取押金",
)
def hospital_deposit(s: Session, o: Options) -> Iterator[Draft]:
    dep = _json_text(s, "s.body", "deposit")
    q = text(
        f"SELECT s.setl_id, s.psn_no, s.institution, s.class_id, {dep} FROM settlement s "
        f"WHERE s.status = 'settled' AND s.class_id IN ('一', '二') AND {dep} IS NOT NULL "
        f"AND {dep} NOT IN ('0', '0.00')"
    )
    for sid, psn, inst, cls, deposit in s.execute(q):
        yield Draft(f"setl:{sid}", {"class": cls, "deposit": deposit}, psn, sid, inst)


@rule(
    "hospital_readmission",
    "hospitals",
    "梅州规程 第二十二条（2）；新疆规程 第二十三条",
    "短期内再次入院（分解住院）",
    needs="readmission_days",
)
def hospital_readmission(s: Session, o: Options) -> Iterator[Draft]:
    assert o.readmission_days is not None
    pg = s.get_bind().dialect.name == "postgresql"
    gap = "(s.begndate - s.prev_end)" if pg else "(julianday(s.begndate) - julianday(s.prev_end))"
    q = text(
        "SELECT s.setl_id, s.psn_no, s.institution, s.prev_id, s.prev_end, s.begndate FROM ("
        "SELECT setl_id, psn_no, institution, begndate, "
        "LAG(enddate) OVER (PARTITION BY psn_no, institution ORDER BY begndate, setl_id) AS prev_end, "
        "LAG(setl_id) OVER (PARTITION BY psn_no, institution ORDER BY begndate, setl_id) AS prev_id "
        "FROM settlement WHERE status = 'settled' AND med_type LIKE '2%' AND source = 'one_stop') s "
        f"WHERE s.prev_end IS NOT NULL AND {gap} <= :days AND {gap} >= 0"
    )
    for sid, psn, inst, prev, prev_end, beg in s.execute(q, {"days": o.readmission_days}):
        yield Draft(f"setl:{sid}", {"previous": prev, "previous_discharge": str(prev_end), "admission": str(beg),
                                    "window_days": o.readmission_days}, psn, sid, inst)  # fmt: skip


@rule(
    "hospital_outlier",
    "hospitals",
    "梅州规程 第二十二条（2）；新疆规程 第二十三条",
    "住院费用明显高于本院同类",
    needs="outlier_factor",
)
def hospital_outlier(s: Session, o: Options) -> Iterator[Draft]:
    """A stay whose policy-scope amount is over ``outlier_factor`` times the hospital's median."""
    assert o.outlier_factor is not None
    import numpy as np

    rows = s.execute(
        text("SELECT institution, setl_id, psn_no, base FROM settlement WHERE status = 'settled' "
             "AND source = 'one_stop' AND med_type LIKE '2%' AND institution IS NOT NULL ORDER BY institution")
    ).all()  # fmt: skip
    start = 0
    while start < len(rows):
        end = start
        while end < len(rows) and rows[end][0] == rows[start][0]:
            end += 1
        bases = np.fromiter((r[3] for r in rows[start:end]), np.int64, end - start)
        # the middle value (the upper one of an even count): integers, no float
        median = int(np.sort(bases)[(end - start) // 2]) if end - start >= 20 else 0
        if median > 0:
            for r in rows[start:end]:
                if r[3] > o.outlier_factor * median:
                    yield Draft(f"setl:{r[1]}", {"base": format_fen(r[3]), "hospital_median": format_fen(median),
                                                 "factor": o.outlier_factor}, r[2], r[1], r[0])  # fmt: skip
        start = end


@rule("fund_entry_without_source", "fund", "梅州规程 第二十三条（二）", "记账凭证无原始单据")
def fund_entry_without_source(s: Session, o: Options) -> Iterator[Draft]:
    q = text(
        "SELECT e.id, e.kind, e.source_id, e.entry_date FROM journal_entry e "
        "WHERE e.source_id IS NULL OR e.source_id = '' OR (e.kind IN ('settle', 'reverse') "
        "AND NOT EXISTS (SELECT 1 FROM settlement x WHERE x.setl_id = e.source_id))"
    )
    for eid, kind, src, day in s.execute(q):
        yield Draft(
            f"entry:{eid}", {"entry": eid, "kind": kind, "source_id": src or "", "date": str(day)}
        )


@rule(
    "fund_payable_overdue",
    "fund",
    "梅州规程 第二十三条（二）（基金拨付）",
    "应付定点医疗机构款项逾期未拨付",
    needs="payable_days",
)
def fund_payable_overdue(s: Session, o: Options) -> Iterator[Draft]:
    """A hospital whose oldest unpaid amount (first in, first out) is older than
    ``payable_days``: the paid debits cover the earliest credits first."""
    assert o.payable_days is not None
    rows = s.execute(
        text("SELECT party, entry_date, SUM(credit), SUM(debit) FROM journal_line "
             "WHERE account IN (SELECT DISTINCT account FROM journal_line l JOIN journal_entry e "
             "ON e.id = l.entry_id WHERE e.kind = 'settle' AND l.credit > 0 AND l.party IS NOT NULL) "
             "AND party IS NOT NULL GROUP BY party, entry_date ORDER BY party, entry_date")
    ).all()  # fmt: skip
    limit = o.today - dt.timedelta(days=o.payable_days)
    by_party: dict[str, list[tuple[dt.date, int, int]]] = {}
    for party, day, cr, dr in rows:
        d = day if isinstance(day, dt.date) else dt.date.fromisoformat(str(day)[:10])
        by_party.setdefault(str(party), []).append((d, int(cr or 0), int(dr or 0)))
    for party, days in by_party.items():
        paid = sum(d for _, _, d in days)
        owed = sum(c for _, c, _ in days) - paid
        if owed <= 0:
            continue
        acc = 0
        for day, cr, _ in days:
            acc += cr
            if acc > paid:
                if day < limit:
                    yield Draft(f"inst:{party}:{day}", {"institution": party, "oldest_unpaid": str(day),
                                "unpaid": format_fen(owed), "days": o.payable_days}, institution=party,
                                amount=owed)  # fmt: skip
                break
