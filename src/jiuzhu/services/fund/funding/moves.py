"""Funding steps: income, transfers 财政专户 → 支出户, year-end remittance and closing.

- Income (双鸭山实施办法 第十五条 统收): Dr 财政专户存款 (or the agency's 支出户存款 for interest
  earned there), Cr the source's income account.
- Transfer (第十六条 统支; 第十四条 市、县分账): Dr the agency's 支出户存款, Cr 财政专户存款; the
  财政专户 must hold the amount.
- Year-end remittance (宁医保发〔2023〕102号 第二十七条 每年度末…将支出户的余额和利息收入按规定
  全额上缴): each 支出户's balance on 31 December, interest included, back to the 财政专户
  (one set of books, 市级统收统支) or, ``to_upper``, as 上解上级支出.
- Year-end closing (滚存结余): every income and expense account's net of the year, per
  county, into 一般基金结余, dated 31 December.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.funding_tables import FundMove, FundRequest
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import Conflict, InputError, NotFound
from jiuzhu.domain.journal import Line
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.funding.balances import (
    CLOSE_PREFIX,
    expenditure_accounts,
    result_accounts,
    sums,
)
from jiuzhu.services.fund.funding.common import (
    SOURCES,
    MoveView,
    county_code,
    document_no,
    move_view,
    positive,
    post_move,
)


@dataclass(frozen=True, slots=True)
class Income:
    region: str
    source: str
    """upper | own | lottery | donation | interest | other"""
    amount: int
    document: str
    day: dt.date
    county: str | None = None
    into_expenditure: bool = False
    """interest earned on an agency's 支出户 is booked there (第二十七条)"""
    memo: str = ""


def record_income(uow: UnitOfWork, cmd: Income, *, actor: str) -> MoveView:
    src = SOURCES.get(cmd.source)
    if src is None:
        raise InputError(
            f"unknown income source {cmd.source!r} (one of {', '.join(SOURCES)})", column="source"
        )
    positive(cmd.amount)
    doc = document_no(cmd.document)
    c = chart(cmd.region)
    county = county_code(c, cmd.county, required=cmd.into_expenditure)
    into = c.expenditure(county) if cmd.into_expenditure else c.code("fiscal_account")
    lines = (
        Line(into, cmd.amount, 0, None, county),
        Line(c.code(src.role), 0, cmd.amount, None, county),
    )
    memo = f"{src.label}收入 {doc}" + (f"（{cmd.memo}）" if cmd.memo else "")
    with uow.begin() as s:
        return move_view(post_move(s, region=cmd.region, kind="income", document=doc, day=cmd.day,
                         memo=memo, lines=lines, amount=cmd.amount, actor=actor, county=county,
                         source=cmd.source))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Transfer:
    region: str
    county: str | None
    amount: int
    document: str
    day: dt.date
    request_month: str | None = None
    """the month of the request to finance it funds (用款申请)"""


def transfer(uow: UnitOfWork, cmd: Transfer, *, actor: str) -> MoveView:
    """财政专户 → the agency's 支出户 (双鸭山实施办法 第十六条)."""
    with uow.begin() as s:
        return transfer_in(s, cmd, actor=actor)


def transfer_in(s: Session, cmd: Transfer, *, actor: str) -> MoveView:
    """:func:`transfer` in the caller's transaction."""
    positive(cmd.amount)
    doc = document_no(cmd.document)
    c = chart(cmd.region)
    county = county_code(c, cmd.county, required=True)
    fiscal = c.code("fiscal_account")
    request_id = None
    if cmd.request_month:
        req = s.scalar(select(FundRequest).where(FundRequest.region == cmd.region,
                                                 FundRequest.month == cmd.request_month))  # fmt: skip
        if req is None:
            raise NotFound(f"no request to finance for {cmd.request_month}", field="request_month")
        request_id = req.id
    held = sum(d - k for (_, _), (d, k) in sums(s, cmd.region, [fiscal], end=cmd.day).items())
    if held < cmd.amount:
        raise InputError(
            f"财政专户余额不足 the fiscal account holds {format_fen(held)} on {cmd.day}, "
            f"less than {format_fen(cmd.amount)}",
            column="amount",
        )
    lines = (Line(c.expenditure(county), cmd.amount, 0, None, county),
             Line(fiscal, 0, cmd.amount, None, county))  # fmt: skip
    return move_view(post_move(s, region=cmd.region, kind="transfer", document=doc, day=cmd.day,
                     memo=f"财政专户拨付支出户 {county or ''} {doc}", lines=lines,
                     amount=cmd.amount, actor=actor, county=county, request_id=request_id))  # fmt: skip


@dataclass(frozen=True, slots=True)
class Remitted:
    move: MoveView
    lines: list[tuple[str, str | None, int]]
    """(account, county, amount) remitted"""
    overdrawn: list[tuple[str, str | None, int]]
    """支出户 with a credit balance (paid out more than received): reported, not remitted"""


def remit_year_end(
    uow: UnitOfWork, region: str, year: int, document: str, *, actor: str, to_upper: bool = False
) -> Remitted:
    """第二十七条: every 支出户's balance on 31 December of ``year`` (interest included)."""
    doc = document_no(document)
    c = chart(region)
    end = dt.date(year, 12, 31)
    target = c.code("expense_to_upper") if to_upper else c.code("fiscal_account")
    with uow.begin() as s:
        bal = sums(s, region, expenditure_accounts(c), end=end)
        out = sorted(
            ((a, k, d - cr) for (a, k), (d, cr) in bal.items()), key=lambda t: (t[0], t[1] or "")
        )
        pos = [t for t in out if t[2] > 0]
        neg = [t for t in out if t[2] < 0]
        if not pos:
            raise InputError(f"no 支出户 holds a balance on {end}: nothing to remit", column="year")
        lines: list[Line] = []
        for account, county, amount in pos:
            lines.append(Line(target, amount, 0, None, county))
            lines.append(Line(account, 0, amount, None, county))
        total = sum(t[2] for t in pos)
        what = "上解上级" if to_upper else "缴回财政专户"
        move = post_move(s, region=region, kind="remit", document=doc, day=end,
                         memo=f"{year} 年末支出户余额及利息{what} {doc}", lines=tuple(lines),
                         amount=total, actor=actor)  # fmt: skip
        return Remitted(move_view(move), pos, neg)


def close_year(uow: UnitOfWork, region: str, year: int, document: str, *, actor: str) -> MoveView:
    """结转: the year's income and expense, per account and county, into 一般基金结余."""
    doc = document_no(document)
    c = chart(region)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    inc, exp = result_accounts(c)
    carried = c.code("carried_balance")
    with uow.begin() as s:
        done = s.scalar(select(FundMove.id).where(FundMove.region == region, FundMove.kind == "close",
                                                  FundMove.day == end))  # fmt: skip
        if done is not None:
            raise Conflict(f"{year} 年度已结转 (the year is closed already)", field="year")
        lines: list[Line] = []
        net_by_county: dict[str | None, int] = {}
        for (account, county), (d, k) in sorted(
            sums(s, region, inc + exp, start=start, end=end).items(),
            key=lambda t: (t[0][0], t[0][1] or ""),
        ):
            net = k - d  # what the account adds to the balance (income +, expense −)
            if net == 0:
                continue
            # the closing line takes the account to zero: a credit balance is debited
            lines.append(
                Line(account, net, 0, None, county)
                if net > 0
                else Line(account, 0, -net, None, county)
            )
            net_by_county[county] = net_by_county.get(county, 0) + net
        if not lines:
            raise InputError(f"no income or expense in {year}: nothing to close", column="year")
        for county, net in sorted(net_by_county.items(), key=lambda t: t[0] or ""):
            if net > 0:
                lines.append(Line(carried, 0, net, None, county))
            elif net < 0:
                lines.append(Line(carried, -net, 0, None, county))
        total = sum(net_by_county.values())
        return move_view(post_move(s, region=region, kind="close", document=doc, day=end,
                         memo=f"{year} 年度收支结转一般基金结余 {doc}（本年结余 {format_fen(total)}）",
                         lines=tuple(lines), amount=abs(total), actor=actor))  # fmt: skip


__all__ = ["CLOSE_PREFIX", "Income", "Remitted", "Transfer", "close_year", "record_income",
           "remit_year_end", "transfer"]  # fmt: skip
