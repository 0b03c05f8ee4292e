"""The batch path of `jiuzhu calc` against the reference path, on generated data.

``run_claims`` + ``write_results`` (assessments, csv.writer) is the reference;
``run_batch`` + ``write_lines`` is what the command runs, in one process or split by
person over forked workers. All three must give the same file, byte for byte, and
the same person-year totals.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from calc_helpers import claim

from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import calc

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _gen_claims():  # bench/gen_claims.py, which is not a package
    spec = importlib.util.spec_from_file_location("gen_claims", BENCH / "gen_claims.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_claims", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("gen")
    return _gen_claims().generate(4000, 400, out, seed=7)


@pytest.mark.parametrize("region", ["ningxia", "shuangyashan"])
def test_batch_and_workers_match_the_reference(
    generated: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    ids_path, claims_path = generated
    policy = RegionPolicy.load(
        region, None, {"resident_income_prev_year": "40000"} if region == "shuangyashan" else None
    )
    spans = calc.read_identities(ids_path)
    claims = calc.read_claims(claims_path)
    explain = [claims[0].setl_id, claims[-1].setl_id]

    reference = calc.run_claims(claims, spans, policy)
    calc.write_results(tmp_path / "reference.csv", reference.assessments)

    single = calc.run_batch(claims, spans, policy, explain=explain, workers=1)
    calc.write_lines(tmp_path / "single.csv", single.lines)

    monkeypatch.setattr(calc, "PARALLEL_FROM", 0)
    monkeypatch.setattr(calc, "available_workers", lambda: 3)
    forked = calc.run_batch(claims, spans, policy, explain=explain, workers=3)
    calc.write_lines(tmp_path / "forked.csv", forked.lines)

    ref_bytes = (tmp_path / "reference.csv").read_bytes()
    assert (tmp_path / "single.csv").read_bytes() == ref_bytes
    assert (tmp_path / "forked.csv").read_bytes() == ref_bytes
    assert single.totals == reference.totals == forked.totals
    assert single.summary == forked.summary == calc.summarise(reference.assessments)
    by_id = {a.setl_id: a for a in reference.assessments}
    for setl_id in explain:
        assert single.explained[setl_id] == forked.explained[setl_id] == by_id[setl_id]
    # the data set is not trivial: some pay, some hit caps, some cross New Year
    paid = [a for a in reference.assessments if a.maf_pay or a.tilt_pay]
    assert len(paid) > 1000
    assert any(a.after.P >= 50_000_00 for a in paid)
    assert {a.year for a in reference.assessments} == {2024, 2025}


def test_split_keeps_each_person_whole() -> None:
    groups = [[0, 1, 2], [3], [4, 5], [6, 7, 8, 9], [10]]
    parts = calc._split(groups, 2)
    assert [g for p in parts for g in p] == groups
    assert all(parts)
    assert calc._split(groups, 1) == [groups]


def test_lines_needing_quotes_match_csv_writer(tmp_path: Path) -> None:
    # setl_id and psn_no are the operator's text: commas, quotes, newlines are quoted as
    # the csv module quotes them
    odd = ["A,1", 'B"2', "C\n3", "D\r4", " E "]
    claims = [
        claim({"setl_id": s, "psn_no": f"p{s}", "enddate": "2024-03-01", "inscp_scp_amt": "10"})
        for s in odd
    ]
    spans = {c.psn_no: [IdentitySpan("dibao", claims[0].enddate)] for c in claims}
    policy = RegionPolicy.load("ningxia")
    calc.write_results(tmp_path / "a.csv", calc.run_claims(claims, spans, policy).assessments)
    calc.write_lines(tmp_path / "b.csv", calc.run_batch(claims, spans, policy).lines)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
