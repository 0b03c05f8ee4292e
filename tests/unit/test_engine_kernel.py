"""The engine's three parts (issue 12): classify, kernel, narrate.

- the kernel's arithmetic keeps the contract's invariants for any class and tilt terms
  and any running totals (calc-contract §5, §6): the deductible within the base and the
  line left, 0 ≤ maf_pay ≤ the annual cap left, totals that never go down, tilted
  assistance within its own cap (separate) or what the shared cap leaves; and every
  figure equals the one-line formulas of the contract (``max``/``min`` as written there);
- ``narrate(classify, kernel)`` gives exactly the steps :func:`evaluate` writes, and
  both give exactly what the engine gave before the split (``engine_reference.py``, the
  old single function kept verbatim), for all five regions with drawn parameters,
  special groups (梅州 "两病" children) included.
"""

from __future__ import annotations

import datetime as dt

import pytest
from engine_reference import reference_evaluate
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.domain import engine
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import (
    PAID,
    Step,
    Totals,
    assess,
    classify,
    evaluate,
    kernel,
    narrate,
)
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import REGIONS, Cited, ClassTerms, RegionPolicy, TiltTerms
from jiuzhu.policy.money import Ratio
from jiuzhu.policy.schema import IDENTITY_CODES

MANY = settings(
    max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)
FEW = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

fen = st.one_of(st.integers(0, 1_000), st.integers(0, 500_000), st.integers(0, 30_000_000))
ratios = st.sampled_from(["0", "0.05", "0.123", "0.5", "0.6", "0.65", "0.7", "0.8", "1"])


@st.composite
def class_terms(draw: st.DrawFn) -> tuple[ClassTerms, Ratio]:
    ratio = Ratio(draw(ratios))
    cls = ClassTerms(
        "二", "test class", 2, draw(fen), Cited("ded"), {"inpatient": ratio}, Cited("ratio"),
        draw(fen), Cited("cap"), True, "class ref",
    )  # fmt: skip
    return cls, ratio


@st.composite
def tilt_terms(draw: st.DrawFn) -> TiltTerms:
    kind = draw(st.sampled_from(["separate", "shared"]))
    return TiltTerms(
        kind, "class_ids", frozenset({"二"}), False, True, False, draw(fen), Cited("thr"),
        Ratio(draw(ratios)), Cited("tilt ratio"),
        draw(fen) if kind == "separate" else None, Cited("tilt cap"), "tilt ref",
    )  # fmt: skip


totals = st.builds(Totals, fen, fen, fen, fen)


@MANY
@given(fen, totals, class_terms(), st.one_of(st.none(), tilt_terms()), st.booleans())
def test_kernel_invariants(
    base: int,
    before: Totals,
    cr: tuple[ClassTerms, Ratio],
    tt: TiltTerms | None,
    tilt_eligible: bool,
) -> None:
    cls, ratio = cr
    f = kernel(base, before, cls, ratio, tt, tilt_eligible)
    after = f.after
    # §5, as the contract writes it
    assert f.deductible == max(0, min(base, cls.deductible - before.S))
    assert 0 <= f.deductible <= base and f.eligible == base - f.deductible
    assert f.raw_maf == ratio.apply(base - f.deductible)
    assert f.cap_left == max(0, cls.annual_cap - before.P)
    assert 0 <= f.maf <= f.cap_left and f.maf == min(f.raw_maf, f.cap_left)
    assert f.maf <= base
    # the totals never go down; S counts the whole base
    assert before.S + base == after.S
    assert after.P >= before.P and after.R >= before.R and after.TP >= before.TP
    if tt is None or not tilt_eligible:
        assert f.tilt == f.tilt_rem == f.tilt_over == f.tilt_raw == 0
        assert after == Totals(before.S + base, before.P + f.maf, before.R, before.TP)
        return
    # §6: the part of the remaining burden above the threshold, on the running R
    rem = base - f.maf
    assert f.tilt_rem == rem and before.R + rem == after.R
    over = max(0, before.R + rem - tt.threshold) - max(0, before.R - tt.threshold)
    assert f.tilt_over == over and 0 <= over <= rem
    assert f.tilt_raw == tt.ratio.apply(over)
    assert 0 <= f.tilt <= f.tilt_raw and f.tilt <= f.tilt_left
    assert before.TP + f.tilt == after.TP
    if tt.cap_kind == "separate":
        assert tt.annual_cap is not None
        assert f.tilt_left == max(0, tt.annual_cap - before.TP)
        assert max(before.TP, tt.annual_cap) >= after.TP
        assert before.P + f.maf == after.P
    else:  # shared: regular and tilted assistance together within the class's cap
        assert f.tilt_left == max(0, cls.annual_cap - before.P - f.maf)
        assert f.maf + f.tilt <= max(0, cls.annual_cap - before.P)
        assert before.P + f.maf + f.tilt == after.P
    assert f.maf + f.tilt <= base  # the tilt ratio is at most 1 here


# -- the three parts together, against the engine before the split -------------------

DAY0 = dt.date(2025, 3, 1)  # meizhou's standards are in force from 2025-01-01
MONEY = ["0", "100", "1500", "5000", "20000", "110000", "12345.67"]
DIAGNOSES = "C91；C92；Q21"
early = st.one_of(st.just(0), st.sampled_from([100_000, 500_000, 3_000_000]), fen)
running = st.builds(Totals, early, early, early, early)


def _policy(region: str, draw: st.DrawFn) -> RegionPolicy:
    """The region with every missing parameter drawn (special groups' too)."""
    spec = RegionPolicy.load(region).spec
    values: dict[str, str] = {}
    for name, decl in spec.parameters.items():
        if decl.unit == "ratio":
            values[name] = draw(ratios)
        elif decl.unit == "yuan":
            values[name] = draw(st.sampled_from(MONEY))
        elif name == "identity_rule":
            values[name] = draw(st.sampled_from(["any_day_of_stay", "on_enddate", "on_begndate"]))
        elif name.endswith("_diagnoses"):
            values[name] = DIAGNOSES
    return RegionPolicy(spec, None, values)


@st.composite
def claims(draw: st.DrawFn) -> tuple[RegionPolicy, Claim, list[IdentitySpan], Totals]:
    policy = _policy(draw(st.sampled_from(REGIONS)), draw)
    spans = [
        IdentitySpan(
            draw(st.sampled_from(list(IDENTITY_CODES))),
            DAY0 + dt.timedelta(days=draw(st.integers(-60, 30))),
            draw(
                st.one_of(st.none(), st.just(DAY0 + dt.timedelta(days=draw(st.integers(-5, 60)))))
            ),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    begin = DAY0 + dt.timedelta(days=draw(st.integers(0, 20)))
    inscp = draw(fen)
    hifp = draw(st.integers(0, inscp))
    out_of_area = draw(st.booleans())
    claim = Claim(
        "S1", "P1", dt.datetime.combine(begin, dt.time(9)),
        draw(st.sampled_from(["11", "14", "21", "2101", "41"])),
        begin, begin + dt.timedelta(days=draw(st.integers(0, 20))),
        inscp, hifp, draw(st.sampled_from([0, (inscp - hifp) // 3])),
        draw(st.sampled_from([0, 0, 50])),
        out_of_area, out_of_area and draw(st.booleans()), out_of_area and draw(st.booleans()),
        draw(st.booleans()),
        draw(st.sampled_from(["", "C91.0", "C91.0", "Q21.1", "J18"])),
        draw(st.sampled_from([None, 3, 14, 14, 15])),
    )  # fmt: skip
    return policy, claim, spans, draw(running)


@FEW
@given(claims())
def test_the_parts_give_what_the_engine_gave(case: tuple) -> None:
    policy, claim, spans, before = case
    terms = policy.terms_on(claim.enddate)
    want_steps: list[Step] = []
    want = reference_evaluate(claim, spans, before, terms, want_steps)
    got_steps: list[Step] = []
    assert evaluate(claim, spans, before, terms, got_steps) == want
    assert got_steps == want_steps
    assert evaluate(claim, spans, before, terms) == want  # without the trace: same figures
    c = classify(claim, spans, terms)
    f = None
    if c.reason == PAID:
        assert c.cls is not None and c.ratio is not None
        f = kernel(claim.base, before, c.cls, c.ratio, terms.tilt, c.tilt_eligible)
        assert (f.deductible, f.maf, f.tilt, f.after) == (want[4], want[5], want[6], want[7])
    assert narrate(claim, c, f, terms) == want_steps
    a = assess(claim, spans, before, terms)
    assert a.trace == tuple(want_steps)
    assert assess(claim, spans, before, terms, trace=False).trace == ()


def test_without_the_trace_nothing_is_narrated(monkeypatch: pytest.MonkeyPatch) -> None:
    def told(*args: object) -> list[Step]:
        raise AssertionError("narrated")

    monkeypatch.setattr(engine, "narrate", told)
    policy = RegionPolicy.load("ningxia")
    claim = Claim("S1", "A", dt.datetime(2024, 5, 1), "21", dt.date(2024, 4, 20),
                  dt.date(2024, 5, 1), 4_000_000, 0, 0)  # fmt: skip
    spans = [IdentitySpan("dibao", dt.date(2024, 1, 1))]
    a = assess(claim, spans, Totals(), policy, trace=False)
    # dibao (二): 40,000 × 80% = 32,000; tilt (8,000 − 3,000) × 70% = 3,500 (第十四条)
    assert (a.maf_pay, a.tilt_pay, a.trace) == (3_200_000, 350_000, ())
    with pytest.raises(AssertionError, match="narrated"):
        assess(claim, spans, Totals(), policy)
