"""A region's policy compiled into small integer tables for the compiled engine.

The policy is piecewise constant in time: it changes only on the ``from`` day of some
dated entry (of the region file, of an operator parameter or of a simulation overlay).
Those days cut time into periods; each period's terms are resolved once by the
reference resolver (``RegionPolicy.terms_on``) and laid out per class, visit type and
identity code. A period is resolved only if a claim falls in it; a period whose terms
cannot be resolved (a missing parameter, no value in force) makes the caller use the
reference path, which raises the error naming the parameter and the day.

Every text the results print (identity code, class id, reason, ratio, article) is an
entry of one string table, already in its CSV form.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass, field

import numpy as np

from jiuzhu.domain.engine import NO_IDENTITY, NO_REFERRAL, NOT_COVERED_VISIT, PAID, UNCLASSED
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.policy.loader import RegionPolicy, Terms
from jiuzhu.policy.schema import IDENTITY_CODES, DatedSeries
from jiuzhu.services.batch.read_kernel import VISIT_TYPES

CODES = tuple(IDENTITY_CODES)
"""Identity codes in the order of calc-contract §1 (the tie-break of §4)."""
REASONS = (PAID, NO_IDENTITY, UNCLASSED, NOT_COVERED_VISIT, NO_REFERRAL)
RULES = ("any_day_of_stay", "on_enddate", "on_begndate")
MAX_CLASSES = 16


def csv_field(text: str) -> str:
    """``text`` as ``csv.writer`` writes it inside a row (quoted only when it must be)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow([text, ""])
    return buf.getvalue()[:-2]


class Strings:
    """The string table: each distinct text once, as UTF-8 CSV fields."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.texts: list[str] = []

    def __call__(self, text: str) -> int:
        i = self.index.get(text)
        if i is None:
            i = self.index[text] = len(self.texts)
            self.texts.append(text)
        return i

    def blob(self) -> tuple[np.ndarray, np.ndarray]:
        encoded = [csv_field(t).encode("utf-8") for t in self.texts]
        offsets = np.zeros(len(encoded) + 1, np.int64)
        offsets[1:] = np.cumsum([len(b) for b in encoded])
        return np.frombuffer(b"".join(encoded) or b"\0", np.uint8).copy(), offsets


def change_days(policy: RegionPolicy) -> list[dt.date]:
    """Every day on which some dated value of the policy may change, ascending."""
    days: set[dt.date] = {dt.date.min}

    def add(s: DatedSeries | None) -> None:
        if s is not None:
            days.update(e.from_ for e in s.entries)

    spec = policy.spec
    for c in spec.classes:
        add(c.deductible)
        add(c.ratio)
        add(c.annual_cap)
    if spec.tilt is not None:
        add(spec.tilt.threshold)
        add(spec.tilt.ratio)
        add(spec.tilt.annual_cap)
    for series in policy._params.values():  # noqa: SLF001 - the resolver's own inputs
        add(series)
    return sorted(days)


@dataclass
class PolicyTables:
    """Per period ``p`` (row), class ``k``, visit type ``v`` and identity code ``c``."""

    starts: np.ndarray
    """Ordinal of each period's first day."""
    strings: Strings
    n_periods: int
    resolved: np.ndarray = field(init=False)
    rule: np.ndarray = field(init=False)
    class_of: np.ndarray = field(init=False)
    unclassed_art: np.ndarray = field(init=False)
    covered: np.ndarray = field(init=False)
    arts: np.ndarray = field(init=False)
    """[p, 0] identity rule ref, [p, 1] covered ref, [p, 2] referral ref."""
    referral: np.ndarray = field(init=False)
    """[p, 0] required out of area, [p, 1] emergency exempt."""
    money: np.ndarray = field(init=False)
    """[p, k, 0] deductible, [p, k, 1] annual cap (fen)."""
    ratio: np.ndarray = field(init=False)
    """[p, k, v, 0] numerator, [p, k, v, 1] denominator (0: no ratio for this visit type)."""
    class_text: np.ndarray = field(init=False)
    """[p, k, 0] class id, [p, k, 1] class article, [p, k, 2 + v] ratio percent."""
    tilt: np.ndarray = field(init=False)
    """[p, 0] on, 1 shared cap, 2 requires in-province, 3 threshold, 4 num, 5 den, 6 cap."""
    tilt_class: np.ndarray = field(init=False)
    """[p, k, v]: the class may get tilted assistance for this visit type."""

    def __post_init__(self) -> None:
        P, K, V, C = self.n_periods, MAX_CLASSES, len(VISIT_TYPES), len(CODES)
        self.resolved = np.zeros(P, np.uint8)
        self.rule = np.zeros(P, np.int64)
        self.class_of = np.full((P, C), -1, np.int64)
        self.unclassed_art = np.zeros((P, C), np.int64)
        self.covered = np.zeros((P, V), np.uint8)
        self.arts = np.zeros((P, 3), np.int64)
        self.referral = np.zeros((P, 2), np.uint8)
        self.money = np.zeros((P, K, 2), np.int64)
        self.ratio = np.zeros((P, K, V, 2), np.int64)
        self.class_text = np.zeros((P, K, 2 + V), np.int64)
        self.tilt = np.zeros((P, 8), np.int64)
        self.tilt_class = np.zeros((P, K, V), np.uint8)

    def period_of(self, days: np.ndarray) -> np.ndarray:
        return np.searchsorted(self.starts, days, side="right") - 1

    def max_ratio_num(self) -> int:
        return int(max(self.ratio[..., 0].max(initial=0), self.tilt[:, 4].max(initial=0)))

    def fill(self, p: int, t: Terms) -> None:
        """Lay out period ``p`` from the resolved terms ``t``."""
        s = self.strings
        self.rule[p] = RULES.index(t.identity_rule)
        for c, code in enumerate(CODES):
            ct = t.class_of_identity.get(code)
            self.class_of[p, c] = ct.rank if ct is not None else -1
            _, ref = t.unclassed.get(code, ("", t.identity_rule_ref))
            self.unclassed_art[p, c] = s(ref)
        for v, vt in enumerate(VISIT_TYPES):
            self.covered[p, v] = t.covered_visit_types is None or vt in t.covered_visit_types
        self.arts[p] = (s(t.identity_rule_ref), s(t.covered_ref), s(t.referral_ref))
        self.referral[p] = (t.referral_required_out_of_area, t.emergency_exempt)
        tt = t.tilt
        for k, ct in enumerate(t.classes):
            self.money[p, k] = (ct.deductible, ct.annual_cap)
            self.class_text[p, k, 0] = s(ct.id)
            self.class_text[p, k, 1] = s(ct.ref)
            for v, vt in enumerate(VISIT_TYPES):
                r = ct.ratio.get(vt)
                if r is None:
                    continue
                self.ratio[p, k, v] = (r.num, r.den)
                self.class_text[p, k, 2 + v] = s(r.percent())
                if tt is not None:
                    self.tilt_class[p, k, v] = (
                        r.num < r.den if tt.eligible == "ratio_below_one" else ct.id in tt.class_ids
                    )
        if tt is not None:
            self.tilt[p] = (
                1,
                tt.cap_kind == "shared",
                tt.requires_in_province,
                tt.threshold,
                tt.ratio.num,
                tt.ratio.den,
                tt.annual_cap or 0,
                tt.requires_referral_out_of_area,
            )
        self.resolved[p] = 1


def compile_policy(
    policy: RegionPolicy, end_days: np.ndarray, strings: Strings | None = None
) -> tuple[PolicyTables, np.ndarray] | None:
    """The tables for the periods the claims' ``enddate`` (ordinals) fall in, and each
    claim's period; None if some needed period cannot be resolved or has more classes
    than the tables hold (the reference path then gives the answer or the error)."""
    if len(policy.spec.classes) > MAX_CLASSES:
        return None
    days = change_days(policy)
    starts = np.array([d.toordinal() for d in days], np.int64)
    strings = strings or Strings()
    for text in ("", *CODES, *REASONS):
        strings(text)
    tables = PolicyTables(starts, strings, len(days))
    period = tables.period_of(end_days)
    for p in np.unique(period).tolist():
        try:
            tables.fill(p, policy.terms_on(days[p]))
        except (JiuzhuError, KeyError, ValueError):
            return None
    return tables, period


def code_string(c: int) -> int:
    """String-table index of identity code index ``c`` (-1: none, the empty text)."""
    return 1 + c


def reason_string(r: int) -> int:
    return 1 + len(CODES) + r
