"""Bank statement lines and finance's balances from CSV or XLSX, into fen. Nothing is
kept unless the whole file reads; each error names file, line and column."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from jiuzhu.domain.errors import InputError
from jiuzhu.services.fund.clearing.parse import amount
from jiuzhu.services.identity_import.rows import parse_date, read_table

BANK_FIELDS = ("txn_date", "txn_id", "income", "expense")
BANK_OPTIONAL = ("doc_no", "balance")
FINANCE_FIELDS = ("account", "date", "balance")
FINANCE_OPTIONAL = ("county",)
ALIASES = {
    "交易日期": "txn_date", "流水号": "txn_id", "交易流水号": "txn_id", "凭证号": "doc_no",
    "摘要凭证号": "doc_no", "收入金额": "income", "收入": "income", "支出金额": "expense",
    "支出": "expense", "余额": "balance", "科目编码": "account", "日期": "date", "县区": "county",
}  # fmt: skip


@dataclass(frozen=True, slots=True)
class BankLine:
    line: int
    txn_date: dt.date
    txn_id: str
    doc_no: str | None
    amount: int
    """fen: > 0 money in (收入), < 0 money out (支出)"""
    balance: int | None


@dataclass(frozen=True, slots=True)
class FinanceFigure:
    line: int
    account: str
    county: str
    day: dt.date
    balance: int


def _columns(
    name: str, header: list[str], need: tuple[str, ...], opt: tuple[str, ...]
) -> dict[str, int]:
    idx: dict[str, int] = {}
    for i, h in enumerate(header):
        f = h if h in need or h in opt else ALIASES.get(h)
        if f and f not in idx:
            idx[f] = i
    for f in need:
        if f not in idx:
            raise InputError(f"header must have {', '.join(need)} (optional {', '.join(opt)})",
                             file=name, line=1, column=f)  # fmt: skip
    return idx


def _date(text: str, name: str, line: int, column: str) -> dt.date:
    d = parse_date(text)
    if d is None:
        raise InputError(f"malformed date {text!r}", file=name, line=line, column=column)
    return d


def bank_lines(name: str, data: bytes) -> list[BankLine]:
    """A bank statement: ``txn_date,txn_id,income,expense[,doc_no,balance]`` (交易日期, 流水号,
    收入金额, 支出金额, 凭证号, 余额). Each line is money in or money out; a ``txn_id`` twice
    is a duplicate bank line."""
    header, rows = read_table(name, data)
    idx = _columns(name, header, BANK_FIELDS, BANK_OPTIONAL)
    out: list[BankLine] = []
    first: dict[str, int] = {}
    width = max(idx.values()) + 1
    for n, cells in rows:
        c = cells + [""] * (width - len(cells))

        def cell(f: str, c: list[str] = c) -> str:
            return c[idx[f]].strip() if f in idx else ""

        tid = cell("txn_id")
        if not tid:
            raise InputError("txn_id is empty", file=name, line=n, column="txn_id")
        if tid in first:
            raise InputError(f"duplicate bank line: txn_id {tid} (first on line {first[tid]})",
                             file=name, line=n, column="txn_id")  # fmt: skip
        first[tid] = n
        inc = amount(cell("income") or "0", file=name, line=n, column="income")
        exp = amount(cell("expense") or "0", file=name, line=n, column="expense")
        if (inc > 0) == (exp > 0):
            raise InputError("a line is either income or expense (one of them > 0)", file=name,
                             line=n, column="income")  # fmt: skip
        bal = None
        if cell("balance"):
            t = cell("balance")
            neg = t.startswith("-")
            bal = amount(t[1:] if neg else t, file=name, line=n, column="balance") * (
                -1 if neg else 1
            )
        out.append(BankLine(n, _date(cell("txn_date"), name, n, "txn_date"), tid,
                            cell("doc_no") or None, inc - exp, bal))  # fmt: skip
    if not out:
        raise InputError("no lines", file=name, line=2)
    return out


def finance_figures(name: str, data: bytes) -> list[FinanceFigure]:
    """Finance's balances: ``account,date,balance[,county]`` (科目编码, 日期, 余额, 县区); one
    figure per account, county and day."""
    header, rows = read_table(name, data)
    idx = _columns(name, header, FINANCE_FIELDS, FINANCE_OPTIONAL)
    out: list[FinanceFigure] = []
    first: dict[tuple[str, str, dt.date], int] = {}
    width = max(idx.values()) + 1
    for n, cells in rows:
        c = cells + [""] * (width - len(cells))
        acct = c[idx["account"]].strip()
        if not acct:
            raise InputError("account is empty", file=name, line=n, column="account")
        county = c[idx["county"]].strip() if "county" in idx else ""
        if county and not (len(county) == 6 and county.isdigit()):
            raise InputError(
                "county must be a 6-digit division code", file=name, line=n, column="county"
            )
        day = _date(c[idx["date"]].strip(), name, n, "date")
        t = c[idx["balance"]].strip()
        neg = t.startswith("-")
        bal = amount(t[1:] if neg else t, file=name, line=n, column="balance") * (-1 if neg else 1)
        key = (acct, county, day)
        if key in first:
            raise InputError(f"duplicate figure for {acct} {county} {day} (first on line {first[key]})",
                             file=name, line=n, column="date")  # fmt: skip
        first[key] = n
        out.append(FinanceFigure(n, acct, county, day, bal))
    if not out:
        raise InputError("no lines", file=name, line=2)
    return out
