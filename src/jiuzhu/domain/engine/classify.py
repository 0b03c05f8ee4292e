"""Classify one settlement: its identity, class, coverage and tilt eligibility.

Per claim and independent of every other claim and of the running totals
(calc-contract §3, §4, §6's who-counts): the identity that applies (the region's
identity rule, 就高不就低), its class or a special group's (梅州规程 第十二条（四）),
whether the visit is covered and referred, and whether its remaining burden counts
for tilted assistance. The columnar twin is ``services/batch/engine_kernel.classify``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine.model import (
    NO_IDENTITY,
    NO_REFERRAL,
    NOT_COVERED_VISIT,
    PAID,
    UNCLASSED,
    percent,
)
from jiuzhu.domain.identity import IDENTITY_ORDER, IdentitySpan, candidates
from jiuzhu.policy.loader import ClassTerms, Terms
from jiuzhu.policy.money import Ratio


class Classified(NamedTuple):
    """What :func:`classify` found for one claim (no totals, no amounts)."""

    code: str
    """the identity code reported (calc-contract §4), '' when none is valid"""
    cls: ClassTerms | None
    """the class whose standards apply (an identity's or a special group's)"""
    cands: list[IdentitySpan]
    """the identities valid for the stay under the region's rule"""
    reason: str
    """PAID, or the reason nothing is paid"""
    ref: str
    """the article of a refusal ('' when PAID: the class's articles apply)"""
    why: str
    """the region's words for an unclassed identity ('' otherwise)"""
    visit_type: str
    """inpatient | chronic_outpatient | outpatient ('' when refused before it mattered)"""
    ratio: Ratio | None
    """the class's regular ratio for the visit type (None when refused)"""
    ratio_pct: str
    """that ratio as the answer and the trace write it, e.g. '80%' ('' when refused)"""
    tilt_eligible: bool
    """whether the remaining burden counts for tilted assistance (§6)"""


_new = tuple.__new__
"""builds a :class:`Classified` without its Python-level ``__new__`` (once per settlement)"""


def _identity_key(code: str) -> int:
    return IDENTITY_ORDER.get(code, 999)


def choose_identity(
    claim: Claim, spans: Sequence[IdentitySpan], terms: Terms
) -> tuple[str, ClassTerms | None, list[IdentitySpan]]:
    """The identity that applies to the stay and its class (就高不就低); '' when none is valid."""
    cands = candidates(
        spans,
        terms.identity_rule,
        claim.begndate,
        claim.enddate,
        terms.retro_identities,
        terms.retro_months,
    )
    best: ClassTerms | None = None
    best_code = ""
    for s in cands:
        c = terms.class_of_identity.get(s.code)
        if c is None:
            continue
        if (
            best is None
            or c.rank < best.rank
            or (c.rank == best.rank and _identity_key(s.code) < _identity_key(best_code))
        ):
            best, best_code = c, s.code
    if best is None and cands:
        best_code = min((s.code for s in cands), key=_identity_key)
    return best_code, best, cands


def special_group(claim: Claim, terms: Terms) -> ClassTerms | None:
    """The standards of a special group the claim belongs to by age, visit, place and
    diagnosis (梅州规程 第十二条（四） "两病" children), when no identity's class applies."""
    vt = claim.visit_type
    for g in terms.special_groups:
        if g.may_apply(claim.age, vt, claim.out_of_area, claim.dise_codg):
            cls, prefixes = g.standards()
            if claim.dise_codg.strip().upper().startswith(prefixes):
                return cls
    return None


def classify(claim: Claim, spans: Sequence[IdentitySpan], terms: Terms) -> Classified:
    """Identity, class, coverage (§3, §4) and tilt eligibility (§6) of one claim."""
    code, cls, cands = choose_identity(claim, spans, terms)
    if cls is None and terms.special_groups and claim.dise_codg:
        cls = special_group(claim, terms) or cls
    if cls is None:
        if not code:
            return _new(
                Classified,
                (code, None, cands, NO_IDENTITY, terms.identity_rule_ref, "", "", None, "", False),
            )
        why, ref = terms.unclassed.get(code, ("该身份在本地区无救助类别", terms.identity_rule_ref))
        return _new(Classified, (code, None, cands, UNCLASSED, ref, why, "", None, "", False))
    vt = claim.visit_type
    if terms.covered_visit_types is not None and vt not in terms.covered_visit_types:
        return _new(
            Classified,
            (code, cls, cands, NOT_COVERED_VISIT, terms.covered_ref, "", vt, None, "", False),
        )
    if (
        terms.referral_required_out_of_area
        and claim.out_of_area
        and not claim.referral
        and not (terms.emergency_exempt and claim.emergency)
    ):
        return _new(
            Classified, (code, cls, cands, NO_REFERRAL, terms.referral_ref, "", vt, None, "", False)
        )
    ratio = cls.ratio[vt]
    tt = terms.tilt
    eligible = False
    if tt is not None:
        eligible = (
            (ratio.num < ratio.den)
            if tt.eligible == "ratio_below_one"
            else (cls.id in tt.class_ids)
        ) and (claim.in_province or not tt.requires_in_province)
        if tt.requires_referral_out_of_area and claim.out_of_area and not claim.referral:
            eligible = False
    return _new(Classified, (code, cls, cands, PAID, "", "", vt, ratio, percent(ratio), eligible))
