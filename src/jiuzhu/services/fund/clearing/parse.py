"""A hospital's statement as received: 3201 totals and 3202 detail lines, from a CSV/XLSX
file or JSON, into fen. Every error names its file (or API field), line and column."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jiuzhu.domain.clearing import TheirLine, Totals
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import AmountError, Fen, parse_fen
from jiuzhu.services.identity_import.rows import parse_date, read_table

DETAIL_FIELDS = ("setl_id", "medfee_sumamt", "fund_pay_sumamt")
DETAIL_OPTIONAL = ("refd_setl_flag",)
ALIASES = {
    "结算ID": "setl_id",
    "结算编号": "setl_id",
    "医疗费总额": "medfee_sumamt",
    "基金支付总额": "fund_pay_sumamt",
    "医疗救助基金支付": "fund_pay_sumamt",
    "退费结算标志": "refd_setl_flag",
}


@dataclass(frozen=True)
class StatementIn:
    """What a hospital submits for a period: its totals, its detail list, or both."""

    fixmedins_code: str
    stmt_begndate: dt.date
    stmt_enddate: dt.date
    totals: Totals | None = None
    detail: tuple[TheirLine, ...] | None = None


def amount(text: object, *, file: str | None, line: int | None, column: str) -> Fen:
    """Yuan text (or an integer) into fen; negative and malformed refused, located."""
    if isinstance(text, float):
        text = repr(text)  # JSON numbers: read as written, never through binary floats
    try:
        return parse_fen(text if isinstance(text, int) else str(text))
    except AmountError as exc:
        raise InputError(str(exc), file=file, line=line, column=column) from None


def day(text: object, column: str, file: str | None = None, line: int | None = None) -> dt.date:
    d = parse_date(str(text or ""))
    if d is None:
        raise InputError(
            f"malformed date {text!r} (YYYY-MM-DD)", file=file, line=line, column=column
        )
    return d


def _flag(text: str, file: str | None, line: int | None, column: str) -> bool:
    t = (text or "0").strip()
    if t not in ("0", "1", ""):
        raise InputError(f"refd_setl_flag must be 0 or 1, got {text!r}", file=file, line=line,
                         column=column)  # fmt: skip
    return t == "1"


def detail_from_file(name: str, data: bytes) -> tuple[TheirLine, ...]:
    """3202 对明细账 from CSV or XLSX: ``setl_id,medfee_sumamt,fund_pay_sumamt[,refd_setl_flag]``
    (or 结算ID,医疗费总额,基金支付总额,退费结算标志). A ``setl_id`` twice is refused."""
    header, rows = read_table(name, data)
    idx: dict[str, int] = {}
    for i, h in enumerate(header):
        f = h if h in DETAIL_FIELDS or h in DETAIL_OPTIONAL else ALIASES.get(h)
        if f and f not in idx:
            idx[f] = i
    for f in DETAIL_FIELDS:
        if f not in idx:
            raise InputError(
                "header must be setl_id,medfee_sumamt,fund_pay_sumamt[,refd_setl_flag] "
                "(or 结算ID,医疗费总额,基金支付总额,退费结算标志)",
                file=name, line=1, column=f,
            )  # fmt: skip
    si, mi, fi = idx["setl_id"], idx["medfee_sumamt"], idx["fund_pay_sumamt"]
    ri = idx.get("refd_setl_flag")
    width = max(idx.values()) + 1
    return _lines(
        ((n, cells + [""] * (width - len(cells))) for n, cells in rows),
        lambda c: (c[si], c[mi], c[fi], c[ri] if ri is not None else "0"),
        file=name,
    )


def detail_from_json(items: Iterable[Mapping[str, Any]]) -> tuple[TheirLine, ...]:
    """3202 lines of the API body; errors name ``details[i].field``."""
    out: list[TheirLine] = []
    first: dict[str, int] = {}
    for i, it in enumerate(items):
        where = f"details[{i}]"
        sid = str(it.get("setl_id") or "").strip()
        if not sid:
            raise InputError("setl_id is required", column=f"{where}.setl_id")
        if sid in first:
            raise InputError(
                f"setl_id {sid} twice (details[{first[sid]}])", column=f"{where}.setl_id"
            )
        first[sid] = i
        out.append(
            TheirLine(
                i + 1, sid,
                amount(it.get("medfee_sumamt", "0"), file=None, line=None, column=f"{where}.medfee_sumamt"),
                amount(it.get("fund_pay_sumamt"), file=None, line=None, column=f"{where}.fund_pay_sumamt"),
                _flag(str(it.get("refd_setl_flag", "0")), None, None, f"{where}.refd_setl_flag"),
            )
        )  # fmt: skip
    return tuple(out)


def _lines(rows: Iterable[tuple[int, list[str]]], pick: Any, *, file: str) -> tuple[TheirLine, ...]:
    out: list[TheirLine] = []
    first: dict[str, int] = {}
    for n, cells in rows:
        sid, med, fund, refd = pick(cells)
        sid = sid.strip()
        if not sid:
            raise InputError("setl_id is empty", file=file, line=n, column="setl_id")
        if sid in first:
            raise InputError(
                f"setl_id {sid} twice (first on line {first[sid]})", file=file, line=n,
                column="setl_id",
            )  # fmt: skip
        first[sid] = n
        out.append(
            TheirLine(
                n, sid, amount(med.strip(), file=file, line=n, column="medfee_sumamt"),
                amount(fund.strip(), file=file, line=n, column="fund_pay_sumamt"),
                _flag(refd, file, n, "refd_setl_flag"),
            )
        )  # fmt: skip
    return tuple(out)


def totals_from(
    setl_cnt: object, medfee: object, fund_pay: object, *, file: str | None = None
) -> Totals:
    """3201 对总账: fixmedins_setl_cnt, medfee_sumamt, fund_pay_sumamt."""
    try:
        n = int(str(setl_cnt).strip())
        if n < 0:
            raise ValueError
    except ValueError:
        raise InputError(
            f"fixmedins_setl_cnt must be a whole number ≥ 0, got {setl_cnt!r}",
            file=file, column="fixmedins_setl_cnt",
        ) from None  # fmt: skip
    return Totals(
        n,
        amount(medfee, file=file, line=None, column="medfee_sumamt"),
        amount(fund_pay, file=file, line=None, column="fund_pay_sumamt"),
    )
