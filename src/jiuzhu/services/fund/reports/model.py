"""The shape every fund report shares: tables of cells, each cell with its drill key."""

from __future__ import annotations

import calendar
import datetime as dt
import re
import urllib.parse
from dataclasses import dataclass, field

from jiuzhu.domain.errors import InputError

MONEY, COUNT, TEXT, RATIO = "money", "count", "text", "ratio"


@dataclass(frozen=True, slots=True)
class Cell:
    value: int | str | None
    """fen for money, a whole number for counts, basis points ×100 (1/10000) for ratios"""
    kind: str = TEXT
    drill: str | None = None
    """the query string of :func:`drill.drill` that lists what the figure sums"""


@dataclass
class Table:
    key: str
    title: str
    headers: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    note: str = ""


@dataclass
class Report:
    key: str
    title: str
    region: str
    period: str
    tables: list[Table]
    refs: list[str]
    paragraphs: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Period:
    """A calendar month, quarter or year (梅州规程 第十五条 会计期间采用公历制)."""

    text: str
    start: dt.date
    end: dt.date
    kind: str
    """month | quarter | year"""

    @property
    def label(self) -> str:
        y = self.start.year
        if self.kind == "month":
            return f"{y} 年 {self.start.month} 月"
        if self.kind == "quarter":
            return f"{y} 年第 {(self.start.month - 1) // 3 + 1} 季度"
        return f"{y} 年度"


def period(text: str) -> Period:
    """``YYYY-MM`` (month), ``YYYYQn`` (quarter) or ``YYYY`` (year)."""
    t = (text or "").strip().upper()
    try:
        if re.fullmatch(r"\d{4}-\d{2}", t):
            y, m = int(t[:4]), int(t[5:])
            return Period(t, dt.date(y, m, 1), dt.date(y, m, calendar.monthrange(y, m)[1]), "month")
        if re.fullmatch(r"\d{4}Q[1-4]", t):
            y, q = int(t[:4]), int(t[5])
            m0 = 3 * (q - 1) + 1
            end = dt.date(y, m0 + 2, calendar.monthrange(y, m0 + 2)[1])
            return Period(t, dt.date(y, m0, 1), end, "quarter")
        if re.fullmatch(r"\d{4}", t):
            y = int(t)
            return Period(t, dt.date(y, 1, 1), dt.date(y, 12, 31), "year")
    except ValueError:
        pass
    raise InputError(f"period must be YYYY-MM, YYYYQn or YYYY, got {text!r}", column="period")


def drill_key(**kw: object) -> str:
    return urllib.parse.urlencode({k: str(v) for k, v in kw.items() if v is not None})


def money(v: int, drill: str | None = None) -> Cell:
    return Cell(int(v), MONEY, drill)


def count(v: int, drill: str | None = None) -> Cell:
    return Cell(int(v), COUNT, drill)


def text(v: str | None) -> Cell:
    return Cell(v, TEXT)


def per(total: int, n: int) -> int:
    """total / n in fen, half-up (人均)."""
    if n <= 0:
        return 0
    q, r = divmod(total, n)
    return q + (1 if 2 * r >= n else 0)
