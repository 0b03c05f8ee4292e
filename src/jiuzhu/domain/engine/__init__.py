"""The benefit engine: one settlement → medical assistance, with a cited trace.

A pure function of (claim, the person's identities, the person-year running totals,
the policy terms). It implements calc-contract §2–§7 and the identity rules of each
region (ningxia 第十二条, shuangyashan, xinjiang 第十六条, meizhou 第十一条/第十条（二））.
Every caller — the batch command, real-time settlement, manual reimbursement and
simulation — goes through :func:`assess` (or :func:`evaluate`, its figures alone).

In three parts (issue 12):

- :func:`classify` (``classify.py``): identity, class, coverage and tilt eligibility,
  per claim and independent of every other claim;
- :func:`kernel` (``kernel.py``): integer arithmetic over the running totals S, P, R,
  TP — the part the columnar engine compiles (``services/batch/engine_kernel.py``);
- :func:`narrate` (``narrate.py``): the cited trace, built only when asked for.
"""

from __future__ import annotations

from collections.abc import Sequence

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine.classify import Classified, choose_identity, classify, special_group
from jiuzhu.domain.engine.kernel import Figures, kernel
from jiuzhu.domain.engine.model import (
    NO_IDENTITY,
    NO_REFERRAL,
    NOT_COVERED_VISIT,
    PAID,
    UNCLASSED,
    ZERO,
    Assessment,
    Outcome,
    Step,
    Totals,
)
from jiuzhu.domain.engine.narrate import narrate
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy, Terms


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


def evaluate(
    claim: Claim,
    spans: Sequence[IdentitySpan],
    totals: Totals,
    terms: Terms,
    steps: list[Step] | None = None,
) -> Outcome:
    """The calculation itself (calc-contract §2–§7): classify, then the kernel; the
    narrated steps are appended to ``steps`` when it is given.

    Returns a plain tuple (see :data:`Outcome`) so that the batch command can run a
    million settlements without building an :class:`Assessment` for each.
    """
    c = classify(claim, spans, terms)
    cls = c.cls
    base = claim.base
    if cls is None or c.ratio is None:  # refused: nothing paid, the totals unchanged
        if steps is not None:
            steps += narrate(claim, c, None, terms)
        return (c.code, cls.id if cls else None, c.reason, base, 0, 0, 0, totals, "", c.ref)
    f = kernel(base, totals, cls, c.ratio, terms.tilt, c.tilt_eligible)
    if steps is not None:
        steps += narrate(claim, c, f, terms)
    return (c.code, cls.id, PAID, base, f.deductible, f.maf, f.tilt, f.after, c.ratio_pct, cls.ref)  # fmt: skip


__all__ = [
    "NO_IDENTITY",
    "NO_REFERRAL",
    "NOT_COVERED_VISIT",
    "PAID",
    "UNCLASSED",
    "ZERO",
    "Assessment",
    "Classified",
    "Figures",
    "Outcome",
    "Step",
    "Totals",
    "assess",
    "choose_identity",
    "classify",
    "evaluate",
    "kernel",
    "narrate",
    "special_group",
]
