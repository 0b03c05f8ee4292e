"""The kernel: integer arithmetic of one covered settlement over the running totals.

calc-contract §5 (deductible on the year's running self-pay ``S``, ratio rounded half-up
to the fen, annual cap on the assistance paid ``P``) and §6 (tilted assistance on the
part of the remaining burden above the threshold, counted on ``R``, within a separate
cap on ``TP`` or the class's shared cap on ``P``). Only integers in fen: no identity,
no coverage (that is :mod:`.classify`), no words (that is :mod:`.narrate`).

This is the part a columnar engine compiles: ``services/batch/engine_kernel.run`` is its
twin, and the differential tests (``tests/unit/test_columnar_differential.py``,
``tests/unit/test_engine_kernel.py``) hold the two together.
"""

from __future__ import annotations

from typing import NamedTuple

from jiuzhu.domain.engine.model import Totals
from jiuzhu.policy.loader import ClassTerms, TiltTerms
from jiuzhu.policy.money import Fen, Ratio


class Figures(NamedTuple):
    """Every figure of one covered settlement, in fen (the trace reads them all)."""

    base: Fen
    """the settlement's base (calc-contract §2)"""
    before: Totals
    deductible: Fen
    """the deductible used by this settlement"""
    eligible: Fen
    """base − deductible: what the ratio applies to"""
    raw_maf: Fen
    """round(eligible × ratio), before the annual cap"""
    cap_left: Fen
    """the annual cap left before this settlement"""
    maf: Fen
    """regular assistance paid (maf_pay)"""
    tilt_rem: Fen
    """remaining burden counted for tilt (base − maf; 0 when not tilt-eligible)"""
    tilt_over: Fen
    """its part above the threshold, counted on R"""
    tilt_raw: Fen
    """round(over × tilt ratio), before the tilt's cap"""
    tilt_left: Fen
    """the tilt's cap left before it (separate: on TP; shared: the class cap on P)"""
    tilt: Fen
    """tilted assistance paid (tilt_pay)"""
    after: Totals


def kernel(
    base: Fen,
    totals: Totals,
    cls: ClassTerms,
    ratio: Ratio,
    tilt: TiltTerms | None,
    tilt_eligible: bool,
) -> Figures:
    """One covered settlement's assistance given the person-year ``totals`` before it."""
    S, P, R, TP = totals.S, totals.P, totals.R, totals.TP
    # §5: deductible on the year's running self-pay, ratio half-up (Ratio.apply), annual cap
    # (conditionals rather than max/min: this runs once per settlement, the calls cost)
    ded = cls.deductible - S
    ded = 0 if ded <= 0 else (base if ded > base else ded)  # max(0, min(base, line − S))
    eligible = base - ded
    raw_maf = (2 * eligible * ratio.num + ratio.den) // (2 * ratio.den)
    cap_left = cls.annual_cap - P
    if cap_left < 0:
        cap_left = 0
    maf = cap_left if raw_maf > cap_left else raw_maf
    S += base
    P += maf
    rem = over = raw = left = tilt_pay = 0
    if tilt is not None and tilt_eligible:
        # §6: the remaining burden's part above the threshold, counted on R:
        # over = max(0, R + rem − threshold) − max(0, R − threshold)
        rem = base - maf
        thr = tilt.threshold
        over = R + rem - thr
        if over < 0:
            over = 0
        already = R - thr  # what the earlier settlements put above it
        if already > 0:
            over -= already
        R += rem
        tr = tilt.ratio
        raw = (2 * over * tr.num + tr.den) // (2 * tr.den)
        shared = tilt.cap_kind == "shared"
        if shared:
            left = cls.annual_cap - P
        else:
            assert tilt.annual_cap is not None  # separate: its own cap on TP
            left = tilt.annual_cap - TP
        if left < 0:
            left = 0
        tilt_pay = left if raw > left else raw
        TP += tilt_pay
        if shared:
            P += tilt_pay
    # tuple.__new__: a NamedTuple without its Python-level __new__ (once per settlement)
    return tuple.__new__(Figures, (
        base, totals, ded, eligible, raw_maf, cap_left, maf, rem, over, raw, left, tilt_pay,
        Totals(S, P, R, TP),
    ))  # fmt: skip
