"""预算执行: per county and item, the budget, the actual spending of each month up to the
given one (the journal's expense accounts, closing entries left out), the cumulative
actual and its share of the budget (双鸭山实施办法 第十四条 加强预算执行监督)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.accounts import chart
from jiuzhu.services.fund.budget.estimate import ITEMS
from jiuzhu.services.fund.budget.record import find
from jiuzhu.services.fund.funding.balances import sums
from jiuzhu.services.fund.reports.model import Period, period


@dataclass(frozen=True, slots=True)
class ExecutionRow:
    county: str
    item: str
    budget: int
    months: tuple[int, ...]
    """actual of January … the month asked for"""
    actual: int
    ratio_bp: int | None
    """actual / budget in 1/10000 (basis points ×100), half-up; None without a budget"""


def _bp(actual: int, budget: int) -> int | None:
    if budget <= 0:
        return None
    q, r = divmod(actual * 10000, budget)
    return q + (1 if 2 * r >= budget else 0)


def execution(uow: UnitOfWork, region: str, year: int, month: int) -> list[ExecutionRow]:
    if not 1 <= month <= 12:
        raise ValueError("month 1–12")
    c = chart(region)
    codes = {c.code(item): item for item in ITEMS}
    budget = find(uow, region, year)
    blines = budget.lines if budget else {}
    actual: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0] * month)
    with uow.read() as s:
        for m in range(1, month + 1):
            p: Period = period(f"{year:04d}-{m:02d}")
            for (acct, county), (d, k) in sums(s, region, list(codes), start=p.start, end=p.end,
                                               without_closing=True).items():  # fmt: skip
                actual[(county or "", codes[acct])][m - 1] += d - k
    keys = sorted(set(blines) | set(actual))
    out = []
    for key in keys:
        months = tuple(actual[key]) if key in actual else (0,) * month
        b = blines.get(key, 0)
        out.append(ExecutionRow(key[0], key[1], b, months, sum(months), _bp(sum(months), b)))
    return out


def month_end(year: int, month: int) -> dt.date:
    return period(f"{year:04d}-{month:02d}").end
