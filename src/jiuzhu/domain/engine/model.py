"""The engine's nouns: the running totals, a cited step, the reason codes, an assessment.

Shared by the three parts (``classify``, ``kernel``, ``narrate``) and by every caller
through ``jiuzhu.domain.engine``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from jiuzhu.policy.money import Fen, Ratio


@dataclass(frozen=True, slots=True)
class Totals:
    """Running totals of one person in one year (calc-contract §5), in fen.

    S: policy-scope self-pay (deductible); P: assistance paid (annual cap);
    R: remaining burden of tilt-eligible settlements; TP: tilted assistance paid.
    """

    S: Fen = 0
    P: Fen = 0
    R: Fen = 0
    TP: Fen = 0

    def minus(self, other: Totals) -> Totals:
        return Totals(self.S - other.S, self.P - other.P, self.R - other.R, self.TP - other.TP)

    def plus(self, other: Totals) -> Totals:
        return Totals(self.S + other.S, self.P + other.P, self.R + other.R, self.TP + other.TP)


ZERO = Totals()


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the calculation: what, with which values, under which article."""

    key: str
    ref: str
    data: dict[str, object]


# reason codes of an assessment
PAID = "paid"
NO_IDENTITY = "no_identity"
UNCLASSED = "unclassed_identity"
NOT_COVERED_VISIT = "visit_type_not_covered"
NO_REFERRAL = "out_of_area_without_referral"


@dataclass(frozen=True, slots=True)
class Assessment:
    """What a settlement earns: regular (maf_pay) and tilted (tilt_pay) assistance, in fen."""

    setl_id: str
    psn_no: str
    year: int
    identity: str
    class_id: str | None
    reason: str
    base: Fen
    deductible: Fen
    maf_pay: Fen
    tilt_pay: Fen
    before: Totals
    after: Totals
    trace: tuple[Step, ...] = field(default=())
    ratio_pct: str = ""
    """The regular ratio applied, e.g. '80%' ('' when nothing was computed)."""
    article: str = ""
    """The article the result rests on (the last step's)."""

    @property
    def delta(self) -> Totals:
        """This settlement's share of the running totals (used when it is reversed)."""
        return self.after.minus(self.before)

    @property
    def ratio_text(self) -> str:
        if self.ratio_pct:
            return self.ratio_pct
        for s in self.trace:
            if s.key == "ratio":
                return str(s.data["ratio"])
        return ""

    @property
    def ref(self) -> str:
        if self.article:
            return self.article
        return self.trace[-1].ref if self.trace else ""


Outcome = tuple[str, str | None, str, Fen, Fen, Fen, Fen, Totals, str, str]
"""(identity, class_id, reason, base, deductible, maf_pay, tilt_pay, totals after,
ratio_pct, article): an assessment's figures without its claim, before and trace."""


_PERCENT: dict[tuple[int, int], str] = {}


def percent(r: Ratio) -> str:
    """``Ratio.percent()``, remembered (the batch asks for it once per settlement)."""
    key = (r.num, r.den)
    p = _PERCENT.get(key)
    if p is None:
        p = _PERCENT[key] = r.percent()
    return p
