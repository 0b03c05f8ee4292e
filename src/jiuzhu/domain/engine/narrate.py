"""Narrate one settlement: the cited trace of what :mod:`.classify` found and what
:mod:`.kernel` computed, one :class:`Step` per step of the calculation.

Words and articles only; every figure comes from the two other parts. ``domain/explain``
turns the steps into sentences; the stored settlement keeps them as its trace.
"""

from __future__ import annotations

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine.classify import Classified
from jiuzhu.domain.engine.kernel import Figures
from jiuzhu.domain.engine.model import NO_IDENTITY, NOT_COVERED_VISIT, UNCLASSED, Step, percent
from jiuzhu.policy.loader import ClassTerms, Terms, TiltTerms


def narrate(claim: Claim, c: Classified, f: Figures | None, terms: Terms) -> list[Step]:
    """The steps of one settlement: identity, then the refusal (``f`` None) or base,
    deductible, ratio, cap, tilt and result (one list built at once: this runs for every
    settlement the service answers)."""
    cls = c.cls
    identity = Step(
        "identity",
        terms.identity_rule_ref,
        {
            "rule": terms.identity_rule,
            "candidates": [s.code for s in c.cands],
            "chosen": c.code,
            "class": cls.id if cls else None,
            "class_name": cls.name if cls else None,
            "class_ref": cls.ref if cls else None,
        },
    )
    if f is None or cls is None:
        return [identity, Step(c.reason, c.ref, _refusal_data(claim, c))]
    steps = [
        identity,
        Step(
            "base",
            "calc-contract §2",
            {
                "inscp_scp_amt": claim.inscp_scp_amt,
                "hifp_pay": claim.hifp_pay,
                "hifmi_pay": claim.hifmi_pay,
                "hifob_pay": claim.hifob_pay,
                "base": f.base,
            },
        ),
        Step(
            "deductible",
            cls.deductible_ref.text(),
            {"line": cls.deductible, "S_before": f.before.S, "used": f.deductible},
        ),
        Step(
            "ratio",
            cls.ratio_ref.text(),
            {"ratio": c.ratio_pct, "eligible": f.eligible, "amount": f.raw_maf},
        ),
        Step(
            "cap",
            cls.annual_cap_ref.text(),
            {
                "cap": cls.annual_cap,
                "left_before": f.cap_left,
                "left_after": f.cap_left - f.maf,
                "capped": f.raw_maf > f.cap_left,
            },
        ),
    ]
    if terms.tilt is not None:
        steps.append(_tilt(claim, cls, c, f, terms.tilt))
    steps.append(Step("result", cls.ref, {"maf_pay": f.maf, "tilt_pay": f.tilt}))
    return steps


def _tilt(claim: Claim, cls: ClassTerms, c: Classified, f: Figures, tt: TiltTerms) -> Step:
    """Tilted assistance (§6), or why the settlement does not count for it."""
    if not c.tilt_eligible:
        data: dict[str, object] = {
            "class": cls.id,
            "in_province": claim.in_province,
            "out_of_area": claim.out_of_area,
            "referral": claim.referral,
        }
        return Step("tilt_none", tt.ref, data)
    if tt.cap_kind == "separate":
        cap_ref = tt.annual_cap_ref.text() if tt.annual_cap_ref else tt.ref
    else:
        cap_ref = cls.annual_cap_ref.text()
    data = {
        "remaining": f.tilt_rem,
        "R_before": f.before.R,
        "threshold": tt.threshold,
        "threshold_ref": tt.threshold_ref.text(),
        "over": f.tilt_over,
        "ratio": percent(tt.ratio),
        "ratio_ref": tt.ratio_ref.text(),
        "raw": f.tilt_raw,
        "cap_kind": tt.cap_kind,
        "left_before": f.tilt_left,
        "cap_ref": cap_ref,
        "tilt": f.tilt,
    }
    return Step("tilt", tt.ref, data)


def _refusal_data(claim: Claim, c: Classified) -> dict[str, object]:
    if c.reason == NO_IDENTITY:
        return {}
    if c.reason == UNCLASSED:
        return {"code": c.code, "why": c.why}
    if c.reason == NOT_COVERED_VISIT:
        return {"med_type": claim.med_type, "visit_type": c.visit_type}
    return {}  # NO_REFERRAL
