"""Check rules 核查规则: each a named rule with its article, producing findings with evidence.

Enrolment (梅州 第二十条), benefits (梅州 第二十一条), hospitals (梅州 第二十二条;
新疆规程 第二十三–二十四条; 双鸭山实施办法 第二十二条 and 柳州任务清单 七（五）for
先诊疗后付费), fund (梅州 第二十三条). Each rule is ONE set-based SELECT giving the
finding's subject, person, settlement, hospital, amount (fen) and evidence (JSON built by
the database); the run inserts it with ``INSERT … SELECT`` (services/checks/run.py), so a
million persons never pass through Python. Evidence never carries an ID number or a name
(the psn_no and figures identify the case).
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
    """A finding before it is stored (rules worked out in Python: the FIFO of payables)."""

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
    recon_days: int | None = None
    """how long a reconciliation difference may stay open (the texts give no number)"""
    settlements: str = "settlement"
    """The table the settlement rules read: the run's narrow copy on PostgreSQL
    (run.py: ``check_settlement``, one pass over the wide table for all of them)."""


SETTLEMENT_COLUMNS = (
    "setl_id, psn_no, institution, identity, class_id, status, source, med_type, reason, "
    "begndate, enddate, base, maf_pay, tilt_pay"
)
"""What the settlement rules read of a settlement (the narrow copy holds these)."""

NARROW_RULES = frozenset(
    {"benefit_identity_ended", "benefit_backpay_unpaid", "hospital_no_identity",
     "hospital_readmission", "hospital_outlier"}
)  # fmt: skip
"""The rules that read ``Options.settlements``."""

Select = tuple[str, dict[str, Any]]
"""A SELECT of ``subject, psn_no, setl_id, institution, amount, evidence`` and its values."""


@dataclass(frozen=True)
class Rule:
    name: str
    category: str
    article: str
    title: str
    sql: Callable[[Session, Options], Select] | None = None
    run: Callable[[Session, Options], Iterator[Draft]] | None = None
    needs: str | None = None
    """The option this rule needs (None: none)."""


RULES: dict[str, Rule] = {}


def rule(name: str, category: str, article: str, title: str, needs: str | None = None):  # type: ignore[no-untyped-def]
    def deco(fn: Callable[[Session, Options], Select]) -> Callable[[Session, Options], Select]:
        RULES[name] = Rule(name, category, article, title, sql=fn, needs=needs)
        return fn

    return deco


# -- SQL pieces of both dialects ----------------------------------------------------------


def _pg(s: Session) -> bool:
    return s.get_bind().dialect.name == "postgresql"


def _obj(s: Session, **pairs: str) -> str:
    """A JSON object of SQL expressions (json_build_object / json_object)."""
    fn = "json_build_object" if _pg(s) else "json_object"
    args = ", ".join(f"'{k}', {v}" for k, v in pairs.items())
    return f"{fn}({args})"


def _fen(expr: str) -> str:
    """A non-negative amount in fen as the contract's text (format_fen): yuan.fen."""
    return (
        f"(CAST(({expr}) / 100 AS TEXT) || '.' || CASE WHEN ({expr}) % 100 < 10 THEN '0' "
        f"ELSE '' END || CAST(({expr}) % 100 AS TEXT))"
    )


def _t(expr: str) -> str:
    return f"CAST({expr} AS TEXT)"


def _year_of(s: Session, column: str) -> str:
    if _pg(s):
        return f"CAST(EXTRACT(YEAR FROM {column}) AS INTEGER)"
    return f"CAST(strftime('%Y', {column}) AS INTEGER)"


def _json_text(s: Session, column: str, key: str) -> str:
    if _pg(s):
        return f"({column}->>'{key}')"
    return f"json_extract({column}, '$.{key}')"


_NONE = "CAST(NULL AS VARCHAR(60))"
_PAID = "s.status = 'settled' AND (s.maf_pay + s.tilt_pay) > 0"


# -- enrolment (梅州 第二十条) -------------------------------------------------------------


@rule("enrol_dead_subsidised", "enrolment", "梅州规程 第二十条（一）", "已死亡人员仍资助参保")
def enrol_dead_subsidised(s: Session, o: Options) -> Select:
    ev = _obj(s, enrolment_year="e.year", death_date=_t("MIN(d.death_date)"))
    return (
        f"SELECT 'psn:' || e.psn_no || ':' || {_t('e.year')} AS subject, e.psn_no, "
        f"{_NONE} AS setl_id, {_NONE} AS institution, 0 AS amount, {ev} AS evidence "
        "FROM person_enrolment e JOIN death_record d ON d.psn_no = e.psn_no "
        f"WHERE e.status = 'local' AND e.year > {_year_of(s, 'd.death_date')} "
        "GROUP BY e.psn_no, e.year",
        {},
    )


@rule(
    "enrol_beneficiary_not_subsidised", "enrolment", "梅州规程 第二十条（三）", "救助对象未资助参保"
)
def enrol_not_subsidised(s: Session, o: Options) -> Select:
    ev = _obj(
        s,
        year="CAST(:y AS INTEGER)",
        identity="MIN(i.code)",
        enrolment="COALESCE(MIN(e.status), '无记录')",
    )
    return (
        f"SELECT 'psn:' || i.psn_no || CAST(:suffix AS VARCHAR(10)) AS subject, i.psn_no, "
        f"{_NONE} AS setl_id, {_NONE} AS institution, 0 AS amount, {ev} AS evidence "
        "FROM person_identity i "
        "LEFT JOIN person_enrolment e ON e.psn_no = i.psn_no AND e.year = :y "
        "WHERE i.begndate <= :last AND (i.enddate IS NULL OR i.enddate >= :first) "
        "AND (e.status IS NULL OR e.status = 'unenrolled') "
        "AND NOT EXISTS (SELECT 1 FROM death_record d WHERE d.psn_no = i.psn_no "
        "AND d.death_date < :first) GROUP BY i.psn_no",
        {
            "y": o.year,
            "suffix": f":{o.year}",
            "first": dt.date(o.year, 1, 1),
            "last": dt.date(o.year, 12, 31),
        },
    )


@rule("enrol_duplicate", "enrolment", "梅州规程 第二十条（二）", "重复参保（同一人多次或多地参保）")
def enrol_duplicate(s: Session, o: Options) -> Select:
    """The same person (keyed hash of the ID number) enrolled more than once in a year:
    the registry's own subsidised enrolment (本地: local or self-paid here) and the records
    of the enrolment lists (services/checks/insured.py) together; in two regions when the
    places differ. The subject names the hash's first 16 characters, never the number."""
    ev = _obj(
        s,
        year="x.year",
        enrolments="COUNT(*)",
        regions="COUNT(DISTINCT x.region)",
        kind="CASE WHEN COUNT(DISTINCT x.region) > 1 THEN CAST(:two AS TEXT) "
        "ELSE CAST(:twice AS TEXT) END",
    )
    return (
        f"SELECT 'dup:' || SUBSTR(x.h, 1, 16) || ':' || {_t('x.year')} AS subject, "
        f"MAX(x.psn_no) AS psn_no, {_NONE} AS setl_id, {_NONE} AS institution, 0 AS amount, "
        f"{ev} AS evidence FROM ("
        "SELECT p.certno_hash AS h, e.year, CAST(:home AS VARCHAR(40)) AS region, e.psn_no "
        "FROM person_enrolment e JOIN person p ON p.psn_no = e.psn_no "
        "WHERE e.status IN ('local', 'self_paid') AND p.certno_hash IS NOT NULL "
        "AND EXISTS (SELECT 1 FROM insured_record r WHERE r.certno_hash = p.certno_hash "
        "AND r.year = e.year) "
        "UNION ALL SELECT r.certno_hash, r.year, r.region, r.psn_no FROM insured_record r) x "
        "WHERE 1 = 1 GROUP BY x.h, x.year HAVING COUNT(*) > 1",
        {"home": "本统筹区", "two": "多地参保", "twice": "重复参保"},
    )


# -- benefits (梅州 第二十一条) ------------------------------------------------------------


@rule(
    "benefit_after_death", "benefits", "梅州规程 第二十一条（二）", "向已死亡人员支付医疗救助待遇"
)
def benefit_after_death(s: Session, o: Options) -> Select:
    paid = "s.maf_pay + s.tilt_pay"
    ev = _obj(s, begndate=_t("s.begndate"), death_date=_t("MIN(d.death_date)"), paid=_fen(paid))
    return (
        f"SELECT 'setl:' || s.setl_id AS subject, s.psn_no, s.setl_id, s.institution, "
        f"{paid} AS amount, {ev} AS evidence FROM settlement s "
        f"JOIN death_record d ON d.psn_no = s.psn_no WHERE {_PAID} "
        "AND s.begndate > d.death_date "
        "GROUP BY s.setl_id, s.psn_no, s.institution, s.begndate, s.maf_pay, s.tilt_pay",
        {},
    )


@rule(
    "benefit_identity_ended",
    "benefits",
    "梅州规程 第二十一条（二）",
    "身份已追溯终止仍按该身份支付",
)
def benefit_identity_ended(s: Session, o: Options) -> Select:
    paid = "s.maf_pay + s.tilt_pay"
    ev = _obj(
        s,
        identity_paid="s.identity",
        stay=f"{_t('s.begndate')} || '–' || {_t('s.enddate')}",
        paid=_fen(paid),
        why="CAST(:why AS TEXT)",
    )
    return (
        f"SELECT 'setl:' || s.setl_id AS subject, s.psn_no, s.setl_id, s.institution, "
        f"{paid} AS amount, {ev} AS evidence FROM {o.settlements} s "
        f"WHERE {_PAID} AND s.source <> 'backpay' AND NOT EXISTS (SELECT 1 FROM "
        "person_identity i WHERE i.psn_no = s.psn_no AND i.code = s.identity "
        "AND i.begndate <= s.enddate AND (i.enddate IS NULL OR i.enddate >= s.begndate))",
        {"why": "登记的该身份有效期已不覆盖本次住院"},
    )


@rule(
    "benefit_reimbursement_overdue",
    "benefits",
    "梅州规程 第二十一条（一）",
    "零星报销超过办结时限未支付",
)
def reimbursement_overdue(s: Session, o: Options) -> Select:
    ev = _obj(s, application="id", deadline=_t("deadline"), status="status")
    return (
        f"SELECT 'reimb:' || {_t('id')} AS subject, psn_no, {_NONE} AS setl_id, "
        f"{_NONE} AS institution, 0 AS amount, {ev} AS evidence FROM reimb_application "
        "WHERE deadline IS NOT NULL AND deadline < :today AND status IN ('in_review', 'approved')",
        {"today": o.today},
    )


@rule(
    "benefit_backpay_unpaid",
    "benefits",
    "梅州规程 第二十一条（一）；宁医保发〔2023〕102号 第十九条",
    "应补报未补报",
)
def backpay_unpaid(s: Session, o: Options) -> Select:
    ev = _obj(s, reason_then="s.reason", why="CAST(:why AS TEXT)")
    return (
        f"SELECT 'setl:' || s.setl_id AS subject, s.psn_no, s.setl_id, s.institution, "
        f"0 AS amount, {ev} AS evidence FROM {o.settlements} s "
        "WHERE s.status = 'settled' AND s.source <> 'backpay' "
        "AND s.reason IN ('no_identity', 'unclassed_identity') "
        "AND NOT EXISTS (SELECT 1 FROM settlement b WHERE b.backpay_of = s.setl_id) "
        "AND EXISTS (SELECT 1 FROM person_identity i WHERE i.psn_no = s.psn_no "
        "AND i.code <> s.identity AND i.begndate <= s.enddate "
        "AND (i.enddate IS NULL OR i.enddate >= s.begndate))",
        {"why": "现登记有覆盖本次住院的身份，可补报"},
    )


# -- hospitals (梅州 第二十二条; 新疆规程 第二十三条) -----------------------------------------


@rule(
    "hospital_no_identity",
    "hospitals",
    "梅州规程 第二十二条（1）；新疆规程 第二十三条",
    "无有效救助身份人员在院获得医疗救助支付",
)
def hospital_no_identity(s: Session, o: Options) -> Select:
    paid = "s.maf_pay + s.tilt_pay"
    return (
        f"SELECT 'setl:' || s.setl_id AS subject, s.psn_no, s.setl_id, s.institution, "
        f"{paid} AS amount, {_obj(s, paid=_fen(paid))} AS evidence FROM {o.settlements} s "
        f"WHERE {_PAID} AND s.source = 'one_stop' AND NOT EXISTS (SELECT 1 FROM "
        "person_identity i WHERE i.psn_no = s.psn_no AND i.begndate <= s.enddate "
        "AND (i.enddate IS NULL OR i.enddate >= s.begndate))",
        {},
    )


@rule(
    "hospital_deposit",
    "hospitals",
    "双鸭山实施办法 第二十二条；柳州任务清单 七（五）；梅州规程 第二十二条（3）",
    "先诊疗后付费对象被收取押金",
)
def hospital_deposit(s: Session, o: Options) -> Select:
    # PostgreSQL: the partial index on the body's deposit (migration 1402) finds the few
    dep = _json_text(s, "s.body", "deposit")
    ev = _obj(s, **{"class": "s.class_id", "deposit": dep})
    return (
        f"SELECT 'setl:' || s.setl_id AS subject, s.psn_no, s.setl_id, s.institution, "
        f"0 AS amount, {ev} AS evidence FROM settlement s "
        f"WHERE {dep} IS NOT NULL AND s.status = 'settled' AND s.class_id IN ('一', '二') "
        f"AND {dep} NOT IN ('0', '0.00')",
        {},
    )


@rule(
    "hospital_readmission",
    "hospitals",
    "梅州规程 第二十二条（2）；新疆规程 第二十三条",
    "短期内再次入院（分解住院）",
    needs="readmission_days",
)
def hospital_readmission(s: Session, o: Options) -> Select:
    assert o.readmission_days is not None
    gap = (
        "(s.begndate - s.prev_end)" if _pg(s) else "(julianday(s.begndate) - julianday(s.prev_end))"
    )
    # PostgreSQL sorts the keys bytewise (as SQLite does), not by the locale: much faster
    c = ' COLLATE "C"' if _pg(s) else ""
    ev = _obj(
        s,
        previous="s.prev_id",
        previous_discharge=_t("s.prev_end"),
        admission=_t("s.begndate"),
        window_days="CAST(:days AS INTEGER)",
    )
    return (
        f"SELECT 'setl:' || s.setl_id AS subject, s.psn_no, s.setl_id, s.institution, "
        f"0 AS amount, {ev} AS evidence FROM ("
        "SELECT setl_id, psn_no, institution, begndate, "
        f"LAG(enddate) OVER w AS prev_end, LAG(setl_id) OVER w AS prev_id "
        f"FROM {o.settlements} WHERE status = 'settled' AND med_type LIKE '2%' "
        "AND source = 'one_stop' "
        f"WINDOW w AS (PARTITION BY psn_no{c}, institution{c} ORDER BY begndate, setl_id{c})) s "
        f"WHERE s.prev_end IS NOT NULL AND {gap} <= :days AND {gap} >= 0",
        {"days": o.readmission_days},
    )


@rule(
    "hospital_outlier",
    "hospitals",
    "梅州规程 第二十二条（2）；新疆规程 第二十三条",
    "住院费用明显高于本院同类",
    needs="outlier_factor",
)
def hospital_outlier(s: Session, o: Options) -> Select:
    """A stay whose policy-scope amount is over ``outlier_factor`` times the hospital's
    median: the middle value of its stays (the upper one of an even count; at least 20)."""
    assert o.outlier_factor is not None
    ev = _obj(
        s,
        base=_fen("b.base"),
        hospital_median=_fen("m.median"),
        factor="CAST(:factor AS INTEGER)",
    )
    stays = (
        f"FROM {o.settlements} WHERE status = 'settled' AND source = 'one_stop' "
        "AND med_type LIKE '2%' AND institution IS NOT NULL"
    )
    if _pg(s):
        # the stays read once (MATERIALIZED); the upper middle value is the lower middle
        # one counted from the top: percentile_disc(0.5) over the amounts descending
        medians = (
            f"b AS MATERIALIZED (SELECT institution, setl_id, psn_no, base {stays}), "
            "m AS (SELECT institution, percentile_disc(0.5) WITHIN GROUP (ORDER BY base DESC) "
            "AS median FROM b GROUP BY institution HAVING COUNT(*) >= 20) "
        )
    else:
        medians = (
            "b AS (SELECT institution, setl_id, psn_no, base, "
            "ROW_NUMBER() OVER (PARTITION BY institution ORDER BY base) AS rn, "
            f"COUNT(*) OVER (PARTITION BY institution) AS n {stays}), "
            "m AS (SELECT institution, base AS median FROM b WHERE n >= 20 AND rn = n / 2 + 1) "
        )
    return (
        f"WITH {medians}"
        f"SELECT 'setl:' || b.setl_id AS subject, b.psn_no, b.setl_id, b.institution, "
        f"0 AS amount, {ev} AS evidence FROM b JOIN m ON m.institution = b.institution "
        "WHERE m.median > 0 AND b.base > :factor * m.median",
        {"factor": o.outlier_factor},
    )


# -- fund (梅州 第二十三条) ----------------------------------------------------------------


@rule("fund_entry_without_source", "fund", "梅州规程 第二十三条（二）", "记账凭证无原始单据")
def fund_entry_without_source(s: Session, o: Options) -> Select:
    ev = _obj(
        s,
        entry="e.id",
        kind="e.kind",
        source_id="COALESCE(e.source_id, '')",
        date=_t("e.entry_date"),
    )
    return (
        f"SELECT 'entry:' || {_t('e.id')} AS subject, {_NONE} AS psn_no, {_NONE} AS setl_id, "
        f"{_NONE} AS institution, 0 AS amount, {ev} AS evidence FROM journal_entry e "
        "WHERE e.source_id IS NULL OR e.source_id = '' OR (e.kind IN ('settle', 'reverse') "
        "AND NOT EXISTS (SELECT 1 FROM settlement x WHERE x.setl_id = e.source_id))",
        {},
    )


@rule("fund_recon_open_too_long", "fund", "梅州规程 第二十三条（一）（二）; 宁医保发〔2023〕102号 第二十八条",
      "对账差异长期未处理", needs="recon_days")  # fmt: skip
def fund_recon_open_too_long(s: Session, o: Options) -> Select:
    """A difference between the books and the bank or finance (services/fund/reconcile)
    still open ``recon_days`` after the day it is about: 第二十八条 asks that the books agree
    with the bank and finance; 梅州 第二十三条 that what does not be found and put right."""
    assert o.recon_days is not None
    amount = "CASE WHEN d.amount < 0 THEN -d.amount ELSE d.amount END"
    ev = _obj(
        s,
        kind="d.kind",
        account="d.account",
        county="d.county",
        day=_t("d.day"),
        ref="d.ref",
        detail="d.detail",
        days=_t(":days"),
    )
    return (
        f"SELECT 'recon:' || {_t('d.id')} AS subject, {_NONE} AS psn_no, {_NONE} AS setl_id, "
        f"{_NONE} AS institution, {amount} AS amount, {ev} AS evidence FROM recon_difference d "
        "WHERE d.status = 'open' AND d.day < :limit",
        {"limit": o.today - dt.timedelta(days=o.recon_days), "days": o.recon_days},
    )


def fund_payable_overdue(s: Session, o: Options) -> Iterator[Draft]:
    """A hospital whose oldest unpaid amount (first in, first out) is older than
    ``payable_days``: the paid debits cover the earliest credits first. The sums by
    hospital and day come from the database; the FIFO walk over them is here."""
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


RULES["fund_payable_overdue"] = Rule(
    "fund_payable_overdue",
    "fund",
    "梅州规程 第二十三条（二）（基金拨付）",
    "应付定点医疗机构款项逾期未拨付",
    run=fund_payable_overdue,
    needs="payable_days",
)
