"""Reads of the funding steps: the moves of a year, each agency's 支出户 and 滚存结余."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from jiuzhu.adapters.db.funding_tables import FundMove
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.accounts import chart
from jiuzhu.services.fund.funding.balances import expenditure_accounts, result_accounts, sums
from jiuzhu.services.fund.funding.common import SOURCES, MoveView, agency_key, move_view

KIND_NAMES = {
    "income": "收入",
    "transfer": "拨付支出户",
    "remit": "年末上缴",
    "close": "年度结转",
    "insurer": "承办机构往来",
}


def moves(uow: UnitOfWork, region: str, year: int, kind: str | None = None) -> list[MoveView]:
    with uow.read() as s:
        q = select(FundMove).where(
            FundMove.region == region,
            FundMove.day >= dt.date(year, 1, 1),
            FundMove.day <= dt.date(year, 12, 31),
        )
        if kind:
            q = q.where(FundMove.kind == kind)
        return [move_view(m) for m in s.scalars(q.order_by(FundMove.day, FundMove.id))]


@dataclass(frozen=True, slots=True)
class AgencyBalance:
    agency: str
    name: str
    account: str
    expenditure: int
    """支出户存款 balance"""
    carried: int
    """滚存结余: 一般基金结余 and the unclosed income less expense"""


def balances(uow: UnitOfWork, region: str, day: dt.date) -> tuple[int, list[AgencyBalance]]:
    """(财政专户 balance, each agency's 支出户 and 滚存结余) on ``day``."""
    c = chart(region)
    inc, exp = result_accounts(c)
    with uow.read() as s:
        fiscal = sum(
            d - k for (d, k) in sums(s, region, [c.code("fiscal_account")], end=day).values()
        )
        spend = sums(s, region, expenditure_accounts(c), end=day)
        result = sums(s, region, [*inc, *exp, c.code("carried_balance")], end=day)
    per: dict[str, list[int]] = {}
    for (_, county), (d, k) in spend.items():
        per.setdefault(agency_key(c, county), [0, 0])[0] += d - k
    for (_, county), (d, k) in result.items():
        per.setdefault(agency_key(c, county), [0, 0])[1] += k - d
    names = {a.counties[0]: (a.name, a.code) for a in c.agencies()}
    for code in names:
        per.setdefault(code, [0, 0])
    out = [
        AgencyBalance(code, names.get(code, (code or "未记录", ""))[0],
                      names.get(code, ("", c.code("expenditure_account")))[1], v[0], v[1])
        for code, v in sorted(per.items())
    ]  # fmt: skip
    return fiscal, out


__all__ = ["KIND_NAMES", "SOURCES", "AgencyBalance", "balances", "moves"]
