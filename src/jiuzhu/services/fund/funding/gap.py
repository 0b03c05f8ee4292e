"""The gap rule of 双鸭山实施办法 第十七条, per agency (市本级, each county) for one year.

如市本级或个别县当年收支相抵出现缺口，(1) 由同级累计结余基金补足，(2) 累计结余基金不足时，需同级
政府负责解决；(3) 市本级及各县累计结余基金均不足时，实行市、县政府对基金缺口两级分担机制.

Read here as: an agency's gap is its expense less its income of the year (0 if none); its
accumulated balance is its 滚存结余 at the end of the previous year; what that does not
cover is its same-level government's — unless every agency (the city and each county) is
left with an uncovered gap, when each county's rest is shared between the city and the
county government at the operator's ratio ``gap_city_share`` (the city government's part,
half-up to the fen; the text gives no ratio), and the city's rest stays the city's.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import Ratio
from jiuzhu.services.fund.funding.balances import result_accounts, sums
from jiuzhu.services.fund.funding.common import agency_key

PARAM = "gap_city_share"
REF = "双鸭山实施办法 第十七条"


@dataclass(frozen=True, slots=True)
class AgencyYear:
    """An agency's year: income, expense, and its 滚存结余 before the year (fen)."""

    agency: str
    name: str
    income: int
    expense: int
    balance_before: int


@dataclass(frozen=True, slots=True)
class GapShare:
    agency: str
    name: str
    income: int
    expense: int
    gap: int
    balance_before: int
    from_balance: int
    same_level_government: int
    city_government: int
    county_government: int
    step: str


def share_gaps(years: Iterable[AgencyYear], city: str, ratio: Ratio | None) -> list[GapShare]:
    """Pure: each agency's gap and who covers it (``city`` is the city agency's code)."""
    rows = list(years)
    rests: dict[str, tuple[int, int, int]] = {}
    for a in rows:
        gap = max(0, a.expense - a.income)
        from_balance = min(gap, max(0, a.balance_before))
        rests[a.agency] = (gap, from_balance, gap - from_balance)
    all_short = bool(rows) and all(r[2] > 0 for r in rests.values())
    if all_short and ratio is None:
        raise InputError(
            f"{REF}: every agency is short; the ratio {PARAM} is required", column=PARAM
        )
    out: list[GapShare] = []
    for a in rows:
        gap, fb, rest = rests[a.agency]
        same = city_part = county_part = 0
        if rest and all_short:
            if a.agency == city:
                city_part = rest
            else:
                assert ratio is not None
                city_part = ratio.apply(rest)
                county_part = rest - city_part
            step = "市、县政府两级分担"
        elif rest:
            same = rest
            step = "同级政府负责解决"
        elif gap:
            step = "同级累计结余基金补足"
        else:
            step = "收支相抵无缺口"
        out.append(GapShare(a.agency, a.name, a.income, a.expense, gap, a.balance_before, fb,
                            same, city_part, county_part, step))  # fmt: skip
    return out


def agency_years(uow: UnitOfWork, region: str, year: int) -> list[AgencyYear]:
    """Each agency's income and expense in ``year`` (closing entries left out) and its
    accumulated balance at the end of the year before (income less expense ever, plus
    一般基金结余 carried)."""
    c = chart(region)
    agencies = c.agencies()
    if not agencies:
        raise InputError(
            f"region {region} keeps no 支出户 per agency (市、县分账)", column="region"
        )
    inc, exp = result_accounts(c)
    carried = [c.code("carried_balance")]
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    kind = {a: "income" for a in inc} | {a: "expense" for a in exp}
    acc: dict[str, list[int]] = {a.counties[0]: [0, 0, 0] for a in agencies}
    with uow.read() as s:
        this = sums(s, region, inc + exp, start=start, end=end, without_closing=True)
        before = sums(s, region, inc + exp + carried, end=start - dt.timedelta(days=1))
    for (account, county), (d, k) in this.items():
        row = acc.setdefault(agency_key(c, county), [0, 0, 0])
        if kind[account] == "income":
            row[0] += k - d
        else:
            row[1] += d - k
    for (_, county), (d, k) in before.items():
        acc.setdefault(agency_key(c, county), [0, 0, 0])[2] += k - d
    names = {a.counties[0]: a.name.split("—")[-1] for a in agencies}
    return [AgencyYear(code, names.get(code, code), v[0], v[1], v[2]) for code, v in acc.items()]


def gap_sharing(uow: UnitOfWork, policy: RegionPolicy, year: int) -> list[GapShare]:
    """第十七条 for ``year``; the ratio is read only when every agency is short."""
    years = agency_years(uow, policy.region, year)
    city = chart(policy.region).agencies()[0].counties[0]
    ratio = None
    if _all_short(years):  # raises MissingParameter naming the ratio when it is not set
        ratio = Ratio(policy.param_value(PARAM, dt.date(year, 12, 31))[0])
    return share_gaps(years, city, ratio)


def _all_short(years: list[AgencyYear]) -> bool:
    return bool(years) and all(
        max(0, a.expense - a.income) > max(0, a.balance_before) for a in years
    )
