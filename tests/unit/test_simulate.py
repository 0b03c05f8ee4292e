"""`jiuzhu simulate` (政策测算): figures worked by hand from 宁医保发〔2023〕102号 第十四条."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from jiuzhu.domain.errors import PolicyError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.overlay import apply_overlay
from jiuzhu.services import simulate as sim
from jiuzhu.services.batch.run import IdentitySource

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

CLAIMS = """setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay
S1,A,2024-02-01 10:00:00,21,2024-01-20,2024-02-01,50000,20000,0
S2,A,2024-05-01 10:00:00,21,2024-04-20,2024-05-01,40000,0,0
S3,A,2024-08-01 10:00:00,21,2024-07-20,2024-08-01,20000.00,0,0
S4,B,2024-03-01 10:00:00,21,2024-02-20,2024-03-01,10000,0,0
"""
IDS = """psn_no,identity,begndate,enddate
A,dibao,2024-01-01,
B,bianyuan,2024-01-01,
"""


def _run(tmp: Path, change: dict[str, object]) -> sim.Simulation:
    (tmp / "c.csv").write_text(CLAIMS, encoding="utf-8")
    (tmp / "i.csv").write_text(IDS, encoding="utf-8")
    now = RegionPolicy.load("ningxia")
    changed = apply_overlay(now, change, "test")
    claims = sim.read_claims_columns(tmp / "c.csv")
    return sim.simulate(claims, IdentitySource(tmp / "i.csv"), now, changed, "test")


def test_cap_raised_for_class_two(tmp_path: Path) -> None:
    # A (dibao, class 二, 80%, cap 50,000; tilt 70% over 3,000, calc-contract §9):
    #   now: maf 24,000 + 26,000 + 0; tilt 2,100 + 9,800 + 14,000 → 75,900.00
    #   cap 60,000: S1 maf 24,000, rem 6,000, over 3,000 → tilt 2,100      = 26,100
    #               S2 maf 32,000 (left 36,000), rem 8,000, R 14,000,
    #                  over 8,000 → tilt 5,600                             = 37,600
    #               S3 maf 4,000 (left 4,000), rem 16,000, over 16,000
    #                  → tilt 11,200                                       = 15,200
    #   → 78,900.00, difference +3,000.00 (S2 +1,800, S3 +1,200)
    # B (bianyuan, class 三: 3,000 deductible, 70%): 7,000 × 70% = 4,900 either way
    s = _run(
        tmp_path, {"classes": {"二": {"annual_cap": [{"from": "2024-01-01", "value": 60000}]}}}
    )
    assert (s.paid_now, s.paid_change, s.difference) == (8_080_000, 8_380_000, 300_000)
    assert s.changed_settlements == 2
    months = {r.key: r.difference for r in s.by["month"]}
    assert months == {"2024-02": 0, "2024-03": 0, "2024-05": 180_000, "2024-08": 120_000}
    by_class = {r.key: (r.persons, r.settlements, r.difference) for r in s.by["class"]}
    assert by_class == {"二": (1, 3, 300_000), "三": (1, 1, 0)}
    assert [m.psn_masked for m in s.gainers] == ["*"] and s.losers == []


def test_identity_moved_into_class_two(tmp_path: Path) -> None:
    # B moves to class 二: 10,000 × 80% = 8,000 (no deductible); rem 2,000 < 3,000: no tilt.
    # now 4,900 → 8,000: +3,100.00
    s = _run(
        tmp_path, {"classes": {"二": {"identities": ["dibao", "gaoling", "jiance", "bianyuan"]}}}
    )
    assert s.difference == 310_000
    assert s.changed_settlements == 1


def test_no_change_reproduces_every_payment(tmp_path: Path) -> None:
    from gen_claims import generate

    ids, claims = generate(3000, 300, tmp_path, seed=7)
    now = RegionPolicy.load("ningxia")
    same = apply_overlay(
        now, {"classes": {"二": {"ratio": [{"from": "2023-09-01", "value": "0.80"}]}}}, "same"
    )
    s = sim.simulate(sim.read_claims_columns(claims), IdentitySource(ids), now, same, "same")
    assert s.changed_settlements == 0
    assert s.difference == 0 and s.paid_now > 0
    assert all(r.difference == 0 for rows in s.by.values() for r in rows)


@pytest.mark.parametrize(
    "change, message",
    [
        ({"classes": {"九": {"ratio": [{"from": "2024-01-01", "value": "1"}]}}}, "classes.九"),
        ({"classes": {"二": {"name": "x"}}}, "classes.二.name: cannot change"),
        ({"classes": {"二": {"ratio": "0.9"}}}, "classes.二.ratio: expected a list"),
        ({"bogus": 1}, "unknown key"),
        ({"classes": {"二": {"ratio": [{"from": "2024-01-01", "value": 0.9}]}}}, "not valid"),
    ],
)
def test_bad_change_is_refused_with_its_place(change: dict[str, object], message: str) -> None:
    with pytest.raises(PolicyError) as exc:
        apply_overlay(RegionPolicy.load("ningxia"), change, "change.yaml")
    assert message in str(exc.value) and "change.yaml" in str(exc.value)
