"""Next year's estimate (宁医保发〔2023〕102号 第二十六条), worked as:

1. beneficiaries per county and class on the base day (31 December of the base year): a
   person counts once, in the first class of the region's policy (就高不就低) whose
   identities hold one of theirs valid that day;
2. last year's spending per beneficiary of a class and item: the base year's settlements
   (not reversed) of that class, their regular assistance by the spending account of its
   visit type (住院 / 门诊慢特病 / 门诊 / 零星报销 / 异地) and their tilt, divided by the class's
   beneficiaries on the base day (half-up to the fen);
3. the estimate of a county = Σ over classes of its beneficiaries × that per-person figure,
   per item; 资助参保 is the base year's subsidy postings of the county (its ledger);
4. the need = the estimate less the county's 滚存结余 at the end of the base year (never
   below zero).
No growth rate, price index or safety margin is applied: none is given by the texts.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.tables import Person, PersonIdentity, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.journal import expense_role
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.fund.funding.balances import result_accounts, sums
from jiuzhu.services.fund.reports.model import per

ITEMS = (
    "expense_inpatient", "expense_chronic", "expense_outpatient", "expense_tilt",
    "expense_manual", "expense_out_of_area", "expense_subsidy",
)  # fmt: skip
ITEM_NAMES = {
    "expense_inpatient": "住院救助",
    "expense_chronic": "门诊慢特病救助",
    "expense_outpatient": "普通门诊救助",
    "expense_tilt": "倾斜救助",
    "expense_manual": "零星报销",
    "expense_out_of_area": "异地就医",
    "expense_subsidy": "资助参保",
}


@dataclass
class CountyEstimate:
    county: str
    beneficiaries: dict[str, int]
    items: dict[str, int]
    carried: int
    total: int = 0
    need: int = 0


@dataclass
class Estimate:
    region: str
    year: int
    base_day: dt.date
    classes: list[tuple[str, str]]
    per_person: dict[str, dict[str, int]]
    """class → item → fen per beneficiary (base year)"""
    counties: list[CountyEstimate] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(c.total for c in self.counties)

    @property
    def need(self) -> int:
        return sum(c.need for c in self.counties)


def beneficiaries(s: Session, policy: RegionPolicy, day: dt.date) -> dict[tuple[str, str], int]:
    """(county, class) → persons on ``day`` (a person in their first class)."""
    rank = {code: (i, c.id) for i, c in enumerate(policy.spec.classes) for code in c.identities}
    q = (
        select(PersonIdentity.psn_no, PersonIdentity.code, Person.county)
        .join(Person, Person.id == PersonIdentity.person_id)
        .where(PersonIdentity.begndate <= day,
               or_(PersonIdentity.enddate.is_(None), PersonIdentity.enddate >= day))
    )  # fmt: skip
    best: dict[str, tuple[int, str, str]] = {}
    for psn, code, county in s.execute(q):
        r = rank.get(code)
        if r is None:
            continue
        if psn not in best or r[0] < best[psn][0]:
            best[psn] = (r[0], r[1], county or "")
    out: dict[tuple[str, str], int] = defaultdict(int)
    for _, klass, county in best.values():
        out[(county, klass)] += 1
    return dict(out)


def spending_by_class(s: Session, region: str, year: int) -> dict[str, dict[str, int]]:
    """class → item → the base year's assistance (regular by its account, tilt apart)."""
    q = (
        select(Settlement.class_id, Settlement.source, Settlement.med_type, Settlement.out_of_area,
               func.sum(Settlement.maf_pay), func.sum(Settlement.tilt_pay))
        .where(Settlement.region == region, Settlement.year == year, Settlement.status != "reversed")
        .group_by(Settlement.class_id, Settlement.source, Settlement.med_type, Settlement.out_of_area)
    )  # fmt: skip
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for klass, source, med_type, ooa, maf, tilt in s.execute(q):
        k = klass or ""
        out[k][expense_role(source, med_type, bool(ooa))] += int(maf or 0)
        out[k]["expense_tilt"] += int(tilt or 0)
    return out


def subsidy_by_county(s: Session, region: str, year: int) -> dict[str, int]:
    code = chart(region).code("expense_subsidy")
    q = (
        select(JournalLine.county, func.sum(JournalLine.debit - JournalLine.credit))
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(and_(JournalEntry.region == region, JournalEntry.kind == "subsidy",
                    JournalEntry.source_id.like(f"{year}/%"), JournalLine.account == code))
        .group_by(JournalLine.county)
    )  # fmt: skip
    return {c or "": int(v or 0) for c, v in s.execute(q)}


def carried_by_county(s: Session, region: str, day: dt.date) -> dict[str, int]:
    """滚存结余 per county on ``day``: 一般基金结余 and the unclosed income less expense."""
    c = chart(region)
    inc, exp = result_accounts(c)
    out: dict[str, int] = defaultdict(int)
    for (_, county), (d, k) in sums(
        s, region, [*inc, *exp, c.code("carried_balance")], end=day
    ).items():
        out[county or ""] += k - d
    return dict(out)


def estimate(uow: UnitOfWork, policy: RegionPolicy, year: int) -> Estimate:
    """The estimate for ``year`` from the base year ``year`` − 1."""
    base = year - 1
    day = dt.date(base, 12, 31)
    classes = [(c.id, c.name) for c in policy.spec.classes]
    with uow.read() as s:
        ben = beneficiaries(s, policy, day)
        spend = spending_by_class(s, policy.region, base)
        subsidy = subsidy_by_county(s, policy.region, base)
        carried = carried_by_county(s, policy.region, day)
    class_total: dict[str, int] = defaultdict(int)
    for (_, k), n in ben.items():
        class_total[k] += n
    per_person = {k: {item: per(v, class_total[k]) for item, v in items.items() if class_total[k]}
                  for k, items in spend.items()}  # fmt: skip
    est = Estimate(policy.region, year, day, classes, per_person)
    counties = sorted({c for c, _ in ben} | set(subsidy) | set(carried))
    for county in counties:
        b = {k: ben.get((county, k), 0) for k, _ in classes}
        items = {item: 0 for item in ITEMS}
        for k, n in b.items():
            for item, pp in per_person.get(k, {}).items():
                items[item] += n * pp
        items["expense_subsidy"] = subsidy.get(county, 0)
        ce = CountyEstimate(county, b, items, carried.get(county, 0))
        ce.total = sum(items.values())
        ce.need = max(0, ce.total - max(0, ce.carried))
        est.counties.append(ce)
    return est
