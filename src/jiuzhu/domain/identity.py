"""Identities (救助身份) and which one applies to a stay (calc-contract §4)."""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from jiuzhu.policy.schema import IDENTITY_CODES

IDENTITY_ORDER = {code: i for i, code in enumerate(IDENTITY_CODES)}


@dataclass(frozen=True, slots=True)
class IdentitySpan:
    """An identity valid from ``begndate`` to ``enddate``, both included; ``None`` = still valid."""

    code: str
    begndate: dt.date
    enddate: dt.date | None = None

    def valid_on(self, day: dt.date) -> bool:
        return self.begndate <= day and (self.enddate is None or day <= self.enddate)

    def overlaps(self, first: dt.date, last: dt.date) -> bool:
        return self.begndate <= last and (self.enddate is None or self.enddate >= first)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier; if that month has no such day, the day before it.

    梅州 第十条（二）: "资格认定之日前12个月的同日，如无相同日期则以前1日为准".
    2024-02-29 → 2023-02-28; 2024-03-31 → 2023-03-31.
    """
    total = day.year * 12 + (day.month - 1) - months
    year, month = divmod(total, 12)
    month += 1
    last = calendar.monthrange(year, month)[1]
    return dt.date(year, month, min(day.day, last))


def candidates(
    spans: Sequence[IdentitySpan],
    rule: str,
    begndate: dt.date,
    enddate: dt.date,
    retro_codes: frozenset[str] = frozenset(),
    retro_months: int = 0,
) -> list[IdentitySpan]:
    """Identities that count for a stay under the region's rule.

    Every rule asks whether a span meets a window of days: the whole stay
    (``any_day_of_stay``), its last day (``on_enddate``) or its first (``on_begndate``).
    """
    if rule == "any_day_of_stay":
        first, last = begndate, enddate
    elif rule == "on_enddate":
        first = last = enddate
    elif rule == "on_begndate":
        first = last = begndate
    else:
        raise ValueError(f"unknown identity rule {rule}")
    out: list[IdentitySpan] = []
    for s in spans:
        if retro_months and s.code in retro_codes:
            s = IdentitySpan(s.code, months_before(s.begndate, retro_months), s.enddate)
        if s.begndate <= last and (s.enddate is None or s.enddate >= first):
            out.append(s)
    return out


Interval = tuple[dt.date, dt.date | None]
"""``(begndate, enddate)``, both included; ``None`` = still valid."""


def union_of(spans: Iterable[Interval]) -> list[Interval]:
    """The days on which any of several spans of one identity is valid, as disjoint
    intervals in order; spans that overlap or touch (one ends the day before the next
    begins) merge into one (calc-contract §10: valid on the union, as ``jiuzhu calc``
    reads the same rows)."""
    out: list[Interval] = []
    for beg, end in sorted(spans, key=lambda s: s[0]):
        if out:
            first, last = out[-1]
            if last is None:
                continue  # the interval before is still open: it holds this span
            if beg <= last or beg - last == ONE_DAY:
                out[-1] = (first, None if end is None else max(end, last))
                continue
        out.append((beg, end))
    return out


ONE_DAY = dt.timedelta(days=1)
