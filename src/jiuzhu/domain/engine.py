"""The benefit engine: one settlement → medical assistance, with a cited trace.

A pure function of (claim, the person's identities, the person-year running totals,
the policy terms). It implements calc-contract §2–§7 and the identity rules of each
region (ningxia 第十二条, shuangyashan, xinjiang 第十六条, meizhou 第十一条/第十条（二））.
Every caller — the batch command, real-time settlement, manual reimbursement and
simulation — goes through :func:`assess`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.identity import IDENTITY_ORDER, IdentitySpan, candidates
from jiuzhu.policy.loader import ClassTerms, RegionPolicy, Terms
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


_PERCENT: dict[tuple[int, int], str] = {}


def _percent(r: Ratio) -> str:
    """``Ratio.percent()``, remembered (the batch asks for it once per settlement)."""
    key = (r.num, r.den)
    p = _PERCENT.get(key)
    if p is None:
        p = _PERCENT[key] = r.percent()
    return p


Outcome = tuple[str, str | None, str, Fen, Fen, Fen, Fen, Totals, str, str]
"""(identity, class_id, reason, base, deductible, maf_pay, tilt_pay, totals after,
ratio_pct, article): an assessment's figures without its claim, before and trace."""


def assess(
    claim: Claim,
    spans: Sequence[IdentitySpan],
    totals: Totals,
    policy: RegionPolicy | Terms,
    *,
    trace: bool = True,
) -> Assessment:
    """Assistance for one settlement given the person's totals for the claim's year.

    ``trace=False`` skips building the cited trace; every figure, the reason and the
    article are the same either way (they come from :func:`evaluate`).
    """
    terms = policy if isinstance(policy, Terms) else policy.terms_on(claim.enddate)
    steps: list[Step] | None = [] if trace else None
    code, class_id, reason, base, ded, maf, tilt, after, pct, article = evaluate(
        claim, spans, totals, terms, steps
    )
    return Assessment(
        claim.setl_id,
        claim.psn_no,
        claim.year,
        code,
        class_id,
        reason,
        base,
        ded,
        maf,
        tilt,
        totals,
        after,
        tuple(steps) if steps else (),
        pct,
        article,
    )


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


def evaluate(
    claim: Claim,
    spans: Sequence[IdentitySpan],
    totals: Totals,
    terms: Terms,
    steps: list[Step] | None = None,
) -> Outcome:
    """The calculation itself (calc-contract §2–§7), appending its cited steps to ``steps``.

    Returns a plain tuple (see :data:`Outcome`) so that the batch command can run a
    million settlements without building an :class:`Assessment` for each.
    """
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
