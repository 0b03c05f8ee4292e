"""The engine as one function, as it stood before the split into classify, kernel and
narrate (issue 12): the simple twin that ``test_engine_kernel.py`` holds the three parts
to, figure for figure and step for step. Kept verbatim; do not tidy it.
"""

from __future__ import annotations

from collections.abc import Sequence

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import (
    NO_IDENTITY,
    NO_REFERRAL,
    NOT_COVERED_VISIT,
    PAID,
    UNCLASSED,
    Outcome,
    Step,
    Totals,
    choose_identity,
    special_group,
)
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import Terms
from jiuzhu.policy.money import Ratio

_PERCENT: dict[tuple[int, int], str] = {}


def _percent(r: Ratio) -> str:
    key = (r.num, r.den)
    p = _PERCENT.get(key)
    if p is None:
        p = _PERCENT[key] = r.percent()
    return p


def reference_evaluate(
    claim: Claim,
    spans: Sequence[IdentitySpan],
    totals: Totals,
    terms: Terms,
    steps: list[Step] | None = None,
) -> Outcome:
    """The engine before it was split (session 4), verbatim: one function that
    classifies, computes and narrates, appending its cited steps to ``steps``."""
    code, cls, cands = choose_identity(claim, spans, terms)
    if cls is None and terms.special_groups and claim.dise_codg:
        cls = special_group(claim, terms) or cls
    if steps is not None:
        steps.append(
            Step(
                "identity",
                terms.identity_rule_ref,
                {
                    "rule": terms.identity_rule,
                    "candidates": [s.code for s in cands],
                    "chosen": code,
                    "class": cls.id if cls else None,
                    "class_name": cls.name if cls else None,
                    "class_ref": cls.ref if cls else None,
                },
            )
        )
    base = claim.base

    def nothing(reason: str, ref: str, data: dict[str, object]) -> Outcome:
        if steps is not None:
            steps.append(Step(reason, ref, data))
        return (code, cls.id if cls else None, reason, base, 0, 0, 0, totals, "", ref)

    if cls is None:
        if not code:
            return nothing(NO_IDENTITY, terms.identity_rule_ref, {})
        why, ref = terms.unclassed.get(code, ("该身份在本地区无救助类别", terms.identity_rule_ref))
        return nothing(UNCLASSED, ref, {"code": code, "why": why})

    vt = claim.visit_type
    if terms.covered_visit_types is not None and vt not in terms.covered_visit_types:
        return nothing(
            NOT_COVERED_VISIT, terms.covered_ref, {"med_type": claim.med_type, "visit_type": vt}
        )
    if (
        terms.referral_required_out_of_area
        and claim.out_of_area
        and not claim.referral
        and not (terms.emergency_exempt and claim.emergency)
    ):
        return nothing(NO_REFERRAL, terms.referral_ref, {})

    S, P, R, TP = totals.S, totals.P, totals.R, totals.TP
    # deductible: counted on the year's running self-pay S (§5)
    ded = max(0, min(base, cls.deductible - S))
    S_before = S
    S += base
    ratio = cls.ratio[vt]
    ratio_pct = _percent(ratio)
    maf = ratio.apply(base - ded)
    cap_left = max(0, cls.annual_cap - P)
    capped = maf > cap_left
    raw_maf = maf
    maf = min(maf, cap_left)
    P += maf
    if steps is not None:
        steps.append(
            Step(
                "base",
                "calc-contract §2",
                {
                    "inscp_scp_amt": claim.inscp_scp_amt,
                    "hifp_pay": claim.hifp_pay,
                    "hifmi_pay": claim.hifmi_pay,
                    "hifob_pay": claim.hifob_pay,
                    "base": base,
                },
            )
        )
        steps.append(
            Step(
                "deductible",
                cls.deductible_ref.text(),
                {"line": cls.deductible, "S_before": S_before, "used": ded},
            )
        )
        steps.append(
            Step(
                "ratio",
                cls.ratio_ref.text(),
                {"ratio": ratio_pct, "eligible": base - ded, "amount": raw_maf},
            )
        )
        steps.append(
            Step(
                "cap",
                cls.annual_cap_ref.text(),
                {
                    "cap": cls.annual_cap,
                    "left_before": cap_left,
                    "left_after": cap_left - maf,
                    "capped": capped,
                },
            )
        )

    tilt_pay = 0
    tt = terms.tilt
    if tt is not None:
        eligible = (
            (ratio.num < ratio.den)
            if tt.eligible == "ratio_below_one"
            else (cls.id in tt.class_ids)
        ) and (claim.in_province or not tt.requires_in_province)
        if tt.requires_referral_out_of_area and claim.out_of_area and not claim.referral:
            eligible = False
        if eligible:
            rem = base - maf
            over = max(0, R + rem - tt.threshold) - max(0, R - tt.threshold)
            R_before = R
            R += rem
            raw = tt.ratio.apply(over)
            if tt.cap_kind == "separate":
                assert tt.annual_cap is not None
                left = max(0, tt.annual_cap - TP)
            else:
                left = max(0, cls.annual_cap - P)
            tilt_pay = min(raw, left)
            TP += tilt_pay
            if tt.cap_kind == "shared":
                P += tilt_pay
            if steps is not None:
                if tt.cap_kind == "separate":
                    cap_ref = tt.annual_cap_ref.text() if tt.annual_cap_ref else tt.ref
                else:
                    cap_ref = cls.annual_cap_ref.text()
                steps.append(
                    Step(
                        "tilt",
                        tt.ref,
                        {
                            "remaining": rem,
                            "R_before": R_before,
                            "threshold": tt.threshold,
                            "threshold_ref": tt.threshold_ref.text(),
                            "over": over,
                            "ratio": _percent(tt.ratio),
                            "ratio_ref": tt.ratio_ref.text(),
                            "raw": raw,
                            "cap_kind": tt.cap_kind,
                            "left_before": left,
                            "cap_ref": cap_ref,
                            "tilt": tilt_pay,
                        },
                    )
                )
        elif steps is not None:
            steps.append(
                Step(
                    "tilt_none",
                    tt.ref,
                    {
                        "class": cls.id,
                        "in_province": claim.in_province,
                        "out_of_area": claim.out_of_area,
                        "referral": claim.referral,
                    },
                )
            )
    if steps is not None:
        steps.append(Step("result", cls.ref, {"maf_pay": maf, "tilt_pay": tilt_pay}))
    return (code, cls.id, PAID, base, ded, maf, tilt_pay, Totals(S, P, R, TP), ratio_pct, cls.ref)
