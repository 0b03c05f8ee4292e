"""Properties of the engine that hold for any input (hypothesis).

- no payment above its base: 0 ≤ maf_pay + tilt_pay ≤ base (calc-contract §2, §5, §6);
- annual caps: per person and year, the assistance paid stays within the largest cap
  of the classes the person was paid under (a single-class person: within that cap);
  ningxia's tilt within 110,000 (宁医保发〔2023〕102号 第十四条（一）（二））; shuangyashan's
  tilt counts in the shared cap (双鸭山实施办法 第八条, 第十一条);
- one person's results depend neither on other people's claims nor on the order of the
  input rows (calc-contract §3, §5);
- a year's claims split into several runs, carrying the totals forward, give the same
  results as one run; and the batch path (run_batch) gives what run_claims gives.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import PAID, Assessment, Totals
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services.batch.reference import run_batch, run_claims

DAY0 = dt.date(2024, 1, 1)
CODES = (
    "tekun", "guer", "wurenfuyang", "dibao", "gaoling", "bianyuan", "youfu",
    "jiance", "fanpin", "yinbing", "tuopin",
)  # fmt: skip
MED_TYPES = ("11", "14", "21", "22", "2101", "41")
POLICIES = {
    "ningxia": RegionPolicy.load("ningxia"),
    "shuangyashan": RegionPolicy.load(
        "shuangyashan", None, {"resident_income_prev_year": "41234.50"}
    ),
}
FEW = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

amounts = st.one_of(
    st.integers(0, 500_000),  # up to 5,000 yuan: deductibles and thresholds
    st.integers(1_000_000, 8_000_000),  # 10,000–80,000 yuan: class 一/二 caps
    st.integers(8_000_000, 30_000_000),  # up to 300,000 yuan: class 三–五 caps
)


@st.composite
def spans_of(draw: st.DrawFn) -> list[IdentitySpan]:
    out = []
    for _ in range(draw(st.sampled_from((0, 1, 1, 1, 2, 2, 3)))):
        begin = DAY0 + dt.timedelta(days=draw(st.integers(-400, 330)))
        length = draw(st.one_of(st.none(), st.integers(0, 400)))
        end = None if length is None else begin + dt.timedelta(days=length)
        out.append(IdentitySpan(draw(st.sampled_from(CODES)), begin, end))
    return out


@st.composite
def claim_of(draw: st.DrawFn, psn: str, i: int) -> Claim:
    med = draw(st.sampled_from(MED_TYPES))
    begin = DAY0 + dt.timedelta(days=draw(st.integers(0, 370)))  # some end in 2025
    end = begin + dt.timedelta(days=draw(st.integers(0, 30)) if med[0] == "2" else 0)
    inscp = draw(amounts)
    hifp = draw(st.integers(0, inscp))
    hifmi = draw(st.sampled_from((0, (inscp - hifp) // 3, inscp - hifp + 100)))
    hifob = draw(st.sampled_from((0, 0, 0, 50)))
    out_of_area = draw(st.booleans())
    # few distinct times per day: ties in setl_time are frequent (ordered by setl_id)
    settled = dt.datetime.combine(end, dt.time(draw(st.sampled_from((9, 9, 15)))))
    return Claim(
        setl_id=f"{psn}-{i:02d}",
        psn_no=psn,
        setl_time=settled,
        med_type=med,
        begndate=begin,
        enddate=end,
        inscp_scp_amt=inscp,
        hifp_pay=hifp,
        hifmi_pay=hifmi,
        hifob_pay=hifob,
        out_of_area=out_of_area,
        referral=out_of_area and draw(st.booleans()),
        emergency=out_of_area and draw(st.booleans()),
        in_province=draw(st.booleans())
        if out_of_area
        else draw(st.sampled_from((True, True, False))),
    )


@st.composite
def datasets(draw: st.DrawFn) -> tuple[list[Claim], dict[str, list[IdentitySpan]]]:
    claims: list[Claim] = []
    identities: dict[str, list[IdentitySpan]] = {}
    for p in range(draw(st.integers(1, 4))):
        psn = f"P{p}"
        identities[psn] = draw(spans_of())
        claims += [draw(claim_of(psn, i)) for i in range(draw(st.integers(1, 10)))]
    order = draw(st.permutations(range(len(claims))))
    return [claims[i] for i in order], identities


regions = st.sampled_from(sorted(POLICIES))


def _by_id(assessments: list[Assessment]) -> dict[str, tuple[str, int, int]]:
    return {a.setl_id: (a.identity, a.maf_pay, a.tilt_pay) for a in assessments}


@FEW
@given(regions, datasets())
def test_no_payment_above_its_base(region: str, data: tuple) -> None:
    claims, identities = data
    for a in run_claims(claims, identities, POLICIES[region]).assessments:
        assert a.maf_pay >= 0 and a.tilt_pay >= 0
        assert a.maf_pay + a.tilt_pay <= a.base, a.setl_id
        if a.reason != PAID:
            assert a.maf_pay == a.tilt_pay == 0 and a.before == a.after


@FEW
@given(regions, datasets())
def test_annual_caps(region: str, data: tuple) -> None:
    claims, identities = data
    policy = POLICIES[region]
    paid: dict[tuple[str, int], list[Assessment]] = defaultdict(list)
    run = run_claims(claims, identities, policy)
    for a in run.assessments:
        if a.reason == PAID:
            paid[(a.psn_no, a.year)].append(a)
    caps = {c.id: c.annual_cap for c in policy.terms_on(dt.date(2024, 6, 1)).classes}
    for key, items in paid.items():
        classes = {a.class_id for a in items}
        maf = sum(a.maf_pay for a in items)
        tilt = sum(a.tilt_pay for a in items)
        within = max(caps[c] for c in classes if c is not None)  # one cap if one class
        if region == "ningxia":
            assert maf <= within, key
            assert tilt <= 110_000_00, key  # 第十四条（一）（二）年度倾斜救助限额11万元
            assert all(a.tilt_pay == 0 for a in items if a.class_id not in ("一", "二"))
        else:  # shuangyashan: the tilt shares the cap (calc-contract §6)
            assert maf + tilt <= within, key
            assert all(a.tilt_pay == 0 for a in items if a.class_id == "一")
        # P is the sum of what was paid against the cap (§5), whatever the classes
        against_cap = maf if region == "ningxia" else maf + tilt
        assert against_cap == run.totals[key].P, key


@FEW
@given(regions, datasets(), st.randoms(use_true_random=False))
def test_persons_are_independent_and_row_order_does_not_matter(
    region: str, data: tuple, rnd: random.Random
) -> None:
    claims, identities = data
    policy = POLICIES[region]
    together = run_claims(claims, identities, policy).assessments
    assert [a.setl_id for a in together] == [c.setl_id for c in claims]  # input order
    expected = _by_id(together)
    # each person alone, with nobody else's identities either
    for psn in {c.psn_no for c in claims}:
        mine = [c for c in claims if c.psn_no == psn]
        alone = run_claims(mine, {psn: identities.get(psn, [])}, policy).assessments
        assert _by_id(alone) == {k: v for k, v in expected.items() if k.startswith(psn + "-")}
    # rows shuffled
    shuffled = claims[:]
    rnd.shuffle(shuffled)
    again = run_claims(shuffled, identities, policy).assessments
    assert [a.setl_id for a in again] == [c.setl_id for c in shuffled]
    assert _by_id(again) == expected


@FEW
@given(regions, datasets(), st.lists(st.integers(0, 60), max_size=3))
def test_split_runs_carry_the_totals(region: str, data: tuple, cuts: list[int]) -> None:
    claims, identities = data
    policy = POLICIES[region]
    whole = run_claims(claims, identities, policy)
    # the same claims in settlement order, cut into consecutive runs
    ordered = sorted(claims, key=lambda c: (c.setl_time, c.setl_id))
    bounds = sorted({min(c, len(ordered)) for c in cuts} | {0, len(ordered)})
    totals: dict[tuple[str, int], Totals] = {}
    parts: list[Assessment] = []
    for lo, hi in zip(bounds, bounds[1:], strict=False):
        run = run_claims(ordered[lo:hi], identities, policy, totals)
        totals = run.totals
        parts += run.assessments
    assert _by_id(parts) == _by_id(whole.assessments)
    assert totals == whole.totals
    assert sum(a.maf_pay + a.tilt_pay for a in parts) == sum(
        a.maf_pay + a.tilt_pay for a in whole.assessments
    )


@FEW
@given(regions, datasets())
def test_batch_path_equals_run_claims(region: str, data: tuple) -> None:
    claims, identities = data
    policy = POLICIES[region]
    whole = run_claims(claims, identities, policy)
    batch = run_batch(claims, identities, policy, explain=[claims[0].setl_id])
    for a, line in zip(whole.assessments, batch.lines, strict=True):
        cells = line.rstrip("\n").split(",")
        assert cells[:5] == [
            a.setl_id, a.psn_no, a.identity, format_fen(a.maf_pay), format_fen(a.tilt_pay)
        ]  # fmt: skip
    assert batch.totals == whole.totals
    traced = batch.explained[claims[0].setl_id]
    assert traced == whole.assessments[0]
