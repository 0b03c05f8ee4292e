"""The one compiled claim reader (``batch/read_kernel.py``) in any column order, with
columns it does not read before, between and after those it does: `jiuzhu calc`'s
columnar path and `jiuzhu warning scan`'s fast path both read such files, and give
what the checking readers give (calc-contract §8: columns in any order, extra columns
ignored)."""

from __future__ import annotations

import random
from pathlib import Path

import pytest
from warning_cases import CASES

from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import columns, readers, reference, results
from jiuzhu.services.batch import run as batch
from jiuzhu.services.warning.columnar import scan_fast
from jiuzhu.services.warning.scan import ScanResult, scan_reference


def _shuffled(text: str, rnd: random.Random) -> str:
    """The CSV with its columns in another order and three extra columns mixed in
    (one of them last, past every column read)."""
    rows = [line.split(",") for line in text.splitlines()]
    width = len(rows[0])
    order = list(range(width)) + [-1, -2]
    rnd.shuffle(order)
    order.append(-3)
    out = []
    for k, row in enumerate(rows):
        row = row + [""] * (width - len(row))
        out.append(",".join(row[j] if j >= 0 else (f"x{-j}" if k == 0 else "a b") for j in order))
    return "\n".join(out) + "\n"


@pytest.mark.parametrize("seed", range(6))
def test_calc_reads_any_column_order(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    ids = tmp_path / "ids.csv"
    ids.write_text(
        _shuffled(
            "psn_no,identity,begndate,enddate\nA,dibao,2024-01-01,\nB,bianyuan,2023-05-01,2025-01-01",
            rnd,
        ),
        encoding="utf-8",
    )
    claims = tmp_path / "claims.csv"
    claims.write_text(
        _shuffled(
            "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,"
            "hifmi_pay,hifob_pay,out_of_area,referral,emergency,in_province\n"
            "A1,A,2024-02-01 10:00:00,21,2024-01-20,2024-01-30,52000.00,15000.00,5000.00,2000.00,0,0,0,1\n"
            "B1,B,2024-03-01 09:00:00,14,2024-03-01,2024-03-01,4000.5,0.00,0.00,,0,0,0,\n"
            "A2,A,2024-05-01 10:00:00,21,2024-04-20,2024-04-30,65000,25000.00,0.00,0,1,1,0,1",
            rnd,
        ),
        encoding="utf-8",
    )
    policy = RegionPolicy.load("ningxia")
    assert columns.read_columns(claims) is not None
    source = batch.IdentitySource(ids)
    assert source.persons is not None
    got = batch.calc_file(claims, source, policy)
    assert isinstance(got, batch.ColumnarOutcome)
    got.write_results(tmp_path / "got.csv")
    want = reference.run_file(claims, readers.read_identities(ids), policy)
    results.write_lines(tmp_path / "want.csv", want.lines)
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()
    assert got.totals == want.totals


@pytest.mark.parametrize("seed", range(4))
def test_warning_scan_reads_any_column_order(tmp_path: Path, seed: int) -> None:
    rnd = random.Random(seed)
    for case in CASES:
        ids = tmp_path / "ids.csv"
        ids.write_text(case.identities, encoding="utf-8")
        claims = tmp_path / "claims.csv"
        claims.write_text(_shuffled(case.claims, rnd), encoding="utf-8")
        policy = RegionPolicy.load(case.region, None, case.params)
        spans = readers.read_identities(ids)
        fast = scan_fast(claims, spans, policy)
        assert fast is not None, case.name
        assert fast.body == ScanResult.of(scan_reference(claims, spans, policy)).body, case.name
