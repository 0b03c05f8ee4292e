"""The early-warning lines (预警监测) of a region as in force on a day (calc-contract §11).

Resolved apart from the benefit terms: a scan needs the identity rule, the order of the
classes (就高不就低) and its lines' numbers, not the benefit numbers, so a region whose
benefit parameters are not set can still be scanned. A line whose number is a parameter
nobody set is a missing required parameter (§11 → §8).
"""

from __future__ import annotations

import datetime as dt
import weakref
from dataclasses import dataclass

from jiuzhu.domain.errors import MissingParameter, PolicyError
from jiuzhu.policy.loader import Cited, RegionPolicy
from jiuzhu.policy.money import Fen
from jiuzhu.policy.schema import IDENTITY_RULE_ZH, ParamRef

SumKey = tuple[str, frozenset[str] | None]
"""A running sum: its measure (B or H) and the visit types it counts (None: all)."""


@dataclass(frozen=True, slots=True)
class LineTerms:
    """One warning line in force on a day."""

    id: str
    who: frozenset[str] | None
    """Identity codes watched; None = anyone, with or without an identity."""
    measure: str
    visit_types: frozenset[str] | None
    line: Fen
    line_ref: Cited
    departments: tuple[str, ...]
    ref: str

    @property
    def sum_key(self) -> SumKey | None:
        return (self.measure, self.visit_types) if self.measure in ("B", "H") else None


@dataclass(frozen=True, slots=True)
class WarningTerms:
    """What a warning scan needs on one day: identity choice and the lines in force."""

    region: str
    day: dt.date
    identity_rule: str
    identity_rule_ref: str
    rank_of: dict[str, int]
    """Identity code → rank of its class (0 = highest, listed first)."""
    retro_identities: frozenset[str]
    retro_months: int
    lines: tuple[LineTerms, ...]


def sum_keys(policy: RegionPolicy) -> tuple[SumKey, ...]:
    """Every running sum the region's lines use, in a fixed order."""
    out: list[SumKey] = []
    for w in policy.spec.early_warning:
        if w.measure in ("B", "H"):
            k = (w.measure, frozenset(w.visit_types) if w.visit_types else None)
            if k not in out:
                out.append(k)
    return tuple(out)


def sum_key_text(k: SumKey) -> str:
    """``B``, ``H`` or ``B:chronic_outpatient+inpatient`` (stored JSON keys)."""
    return k[0] if k[1] is None else f"{k[0]}:{'+'.join(sorted(k[1]))}"


def require_warning_parameters(policy: RegionPolicy) -> None:
    """Fail naming the first parameter a scan needs (identity rule, line values) that is unset."""
    rule = policy.spec.identity_rule.value
    names = [rule[6:]] if rule.startswith("param:") else []
    for w in policy.spec.early_warning:
        names += [e.value.param for e in w.line.entries if isinstance(e.value, ParamRef)]
    missing = set(policy.missing_parameters())
    for n in names:
        if n in missing:
            policy.param_value(n, dt.date.max)  # raises MissingParameter naming it


_CACHE: weakref.WeakKeyDictionary[RegionPolicy, dict[tuple[dt.date, bool], WarningTerms]] = (
    weakref.WeakKeyDictionary()
)


def warning_terms(policy: RegionPolicy, day: dt.date, *, lenient: bool = False) -> WarningTerms:
    """The lines in force on ``day`` (a line with no entry yet in force is left out).

    ``lenient`` (real-time settlement, which must never fail for a warning): a line
    whose parameter is unset is left out instead of raising MissingParameter, and an
    unset identity rule is left empty (the settlement's own identity is used there).
    """
    cache = _CACHE.setdefault(policy, {})
    t = cache.get((day, lenient))
    if t is not None:
        return t
    spec = policy.spec
    rule = spec.identity_rule.value
    if rule.startswith("param:"):
        try:
            rule, _ = policy.param_value(rule[6:], day)
        except MissingParameter:
            if not lenient:
                raise
            rule = "any_day_of_stay"
        if rule not in IDENTITY_RULE_ZH:
            raise PolicyError(f"identity rule '{rule}' is not one of {', '.join(IDENTITY_RULE_ZH)}")
    rank_of = {code: rank for rank, c in enumerate(spec.classes) for code in c.identities}
    lines: list[LineTerms] = []
    for w in spec.early_warning:
        e = w.line.at(day)
        if e is None:
            continue
        if isinstance(e.value, dict):
            raise PolicyError(f"region {policy.region}: warning line {w.id} must be one amount")
        try:
            fen, param = policy.money(e.value, day)
        except MissingParameter:
            if not lenient:
                raise
            continue
        lines.append(
            LineTerms(
                w.id,
                None if w.identities == ["anyone"] else frozenset(w.identities),
                w.measure,
                frozenset(w.visit_types) if w.visit_types else None,
                fen,
                Cited(e.ref, param),
                tuple(w.departments),
                w.ref,
            )
        )
    retro = spec.retro_start
    t = WarningTerms(
        policy.region,
        day,
        rule,
        spec.identity_rule.ref,
        rank_of,
        frozenset(retro.identities) if retro else frozenset(),
        retro.months if retro else 0,
        tuple(lines),
    )
    cache[(day, lenient)] = t
    return t
