"""The columnar engine against the reference, byte for byte (calc-contract §3–§8).

Hypothesis draws people, identities (class changes, overlaps, open ends, retro start
in meizhou) and claims (ties in ``setl_time``, stays across New Year, every visit type
and flag, small caps so that caps and tilt limits are reached) for all five regions,
with the operator's numbers drawn too (some of them changing in the middle of the
year). The same files go through ``services.batch.run.calc_file`` and the reference
``services.batch.reference.run_file``: RESULTS.csv, the person-year totals and the summary must
be equal, and a refusal must be the same error (message, file, line, column).
Files in an odd but valid form, and bad ones, exercise the hand-over to the reference.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.schema import IDENTITY_CODES, DatedSeries
from jiuzhu.services.batch import reference, results
from jiuzhu.services.batch import run as batch

CODES = list(IDENTITY_CODES)
HEADER = (
    "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,"
    "hifob_pay,out_of_area,referral,emergency,in_province"
)
DAY0 = dt.date(2024, 11, 1)
RATIOS = ["0.5", "0.65", "0.7", "0.8", "0.9", "1", "0.123"]
MONEY = ["0", "100", "1500", "5000", "20000", "110000"]


def _params(region: str, draw: st.DrawFn) -> tuple[dict[str, str], dict[str, DatedSeries]]:
    """Every benefit parameter of the region, drawn; one of them changes on 2025-01-01."""
    policy = RegionPolicy.load(region)
    names = policy.missing_parameters(benefits_only=True)
    flat: dict[str, str] = {}
    for name in names:
        unit = policy.spec.parameters[name].unit
        if name == "identity_rule":
            flat[name] = draw(st.sampled_from(["any_day_of_stay", "on_enddate", "on_begndate"]))
        elif unit == "ratio":
            flat[name] = draw(st.sampled_from(RATIOS))
        else:
            flat[name] = draw(st.sampled_from(MONEY + ["30000", "12345.67"]))
    dated: dict[str, DatedSeries] = {}
    money_names = [n for n in names if n != "identity_rule"]
    if money_names and draw(st.booleans()):
        name = draw(st.sampled_from(money_names))
        unit = policy.spec.parameters[name].unit
        later = draw(st.sampled_from(RATIOS if unit == "ratio" else MONEY))
        dated[name] = DatedSeries.model_validate(
            [
                {"from": dt.date(1970, 1, 1), "value": flat.pop(name), "ref": "test: before"},
                {"from": dt.date(2025, 1, 1), "value": later, "ref": "test: from 2025"},
            ]
        )
    return flat, dated


def _amount(rnd: random.Random, fen: int) -> str:
    form = rnd.choice(["2dp", "2dp", "2dp", "int", "1dp"])
    if form == "int" and fen % 100 == 0:
        return str(fen // 100)
    if form == "1dp" and fen % 10 == 0:
        return f"{fen // 100}.{(fen % 100) // 10}"
    return f"{fen // 100}.{fen % 100:02d}"


def _money(rnd: random.Random) -> int:
    """Fen, often round (so that every amount form appears) and sometimes large."""
    return rnd.choice([rnd.randrange(0, 3_000_000), 100 * rnd.randrange(0, 30_000), 0])


@st.composite
def case(draw: st.DrawFn, region: str) -> dict[str, object]:
    """Identities and CLAIMS.csv lines; the details come from a drawn seeded random
    (cheap to draw, replayed exactly by hypothesis)."""
    rnd = draw(st.randoms(use_true_random=False))
    persons = [f"P{i}" for i in range(draw(st.integers(1, 5)))]
    spans: dict[str, list[IdentitySpan]] = {}
    for psn in persons:
        for _ in range(rnd.randrange(0, 4)):
            b = DAY0 + dt.timedelta(days=rnd.randrange(-200, 120))
            e = None if rnd.random() < 0.5 else b + dt.timedelta(days=rnd.randrange(0, 150))
            spans.setdefault(psn, []).append(IdentitySpan(rnd.choice(CODES), b, e))
    lines = [HEADER]
    for k in range(draw(st.integers(1, 30))):
        beg = DAY0 + dt.timedelta(days=rnd.randrange(0, 100))
        end = beg + dt.timedelta(days=rnd.randrange(0, 20))
        when = end + dt.timedelta(days=rnd.randrange(0, 3))
        inscp = _money(rnd)
        hifp = rnd.randrange(0, inscp + 1)
        hifmi = rnd.choice([0, 0, inscp // 10])
        hifob = rnd.choice([0, 0, 1000, inscp])
        lines.append(
            ",".join(
                [
                    rnd.choice([f"S{k:03d}", f"T{k}", f"S{k:03d}x"]),
                    rnd.choice(persons),
                    f"{when} {rnd.choice(['10:00:00', '10:00:00', '23:59:59'])}",
                    rnd.choice(["11", "14", "21", "2101", "41", "22"]),
                    str(beg), str(end), _amount(rnd, inscp), _amount(rnd, hifp),
                    _amount(rnd, hifmi),
                    "" if not hifob and rnd.random() < 0.5 else _amount(rnd, hifob),
                    *(rnd.choice(["0", "1", ""]) for _ in range(4)),
                ]
            )
        )  # fmt: skip
    flat, dated = _params(region, draw)
    return {"lines": lines, "spans": spans, "flat": flat, "dated": dated}


ODD_OR_BAD = [
    ("", ""),  # plain
    ("2024-", " 2024-"),  # a date with a leading space: valid, not plain
    (",0,0,0,1", ",0,0,0, 1"),  # a flag with spaces: valid
    (",11,", ",x11,"),  # an outpatient code of another spelling: plain
    ("10:00:00", "10:00:60"),  # a bad time: refused
    (",21,", ",,"),  # empty med_type: refused
    ("S001,", "S000,"),  # maybe a duplicate setl_id: refused
    (".00,", ".001,"),  # three decimals: refused
]


def _both(tmp: Path, c: dict[str, object], region: str, mutate: tuple[str, str]) -> None:
    lines = list(c["lines"])  # type: ignore[call-overload]
    old, new = mutate
    if old:
        for i in range(1, len(lines)):
            if old in lines[i]:
                lines[i] = lines[i].replace(old, new, 1)
                break
    path = tmp / "claims.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    spans = c["spans"]
    policy = RegionPolicy(
        RegionPolicy.load(region).spec,
        c["dated"],  # type: ignore[arg-type]
        c["flat"],  # type: ignore[arg-type]
    )
    try:
        want = reference.run_file(path, spans, policy, workers=1)  # type: ignore[arg-type]
    except JiuzhuError as exc:
        with pytest.raises(type(exc)) as got:
            batch.calc_file(path, spans, policy)  # type: ignore[arg-type]
        assert str(got.value) == str(exc)
        assert vars(got.value) == vars(exc)
        return
    ids = tmp / "identities.csv"
    ids.write_text(
        "psn_no,identity,begndate,enddate\n"
        + "".join(
            f"{psn},{s.code},{s.begndate},{s.enddate or ''}\n"
            for psn, rows in spans.items()  # type: ignore[attr-defined]
            for s in rows
        ),
        encoding="utf-8",
    )
    source = batch.IdentitySource(ids)
    assert source.persons is not None, "a plain identities file is read into columns"
    got_outcome = batch.calc_file(path, source, policy)
    if not old:
        assert isinstance(got_outcome, batch.ColumnarOutcome), "a plain file takes the columns"
    results.write_lines(tmp / "want.csv", want.lines)
    got_outcome.write_results(tmp / "got.csv")
    assert (tmp / "got.csv").read_bytes() == (tmp / "want.csv").read_bytes()
    assert got_outcome.totals == want.totals
    assert got_outcome.summary == want.summary
    assert got_outcome.n_claims == len(want.lines)


@pytest.mark.parametrize("region", ["ningxia", "shuangyashan", "xinjiang", "meizhou", "liuzhou"])
@settings(
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_columnar_equals_reference(region: str, tmp_path: Path, data: st.DataObject) -> None:
    c = data.draw(case(region))
    mutate = data.draw(st.sampled_from(ODD_OR_BAD))
    _both(tmp_path, c, region, mutate)
