"""Simulation over stored settlements (政策测算): with no change, every settlement not
reversed gets exactly what was stored; the claim's columns are filled on insert."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest
from settlement_support import D, add_person
from sqlalchemy import select

from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.overlay import apply_overlay
from jiuzhu.services.batch import readers
from jiuzhu.services.settlement import reverse, settle
from jiuzhu.services.simulate_stored import load_year

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def _settle_generated(uow: UnitOfWork, tmp: Path) -> list[Claim]:
    from gen_claims import generate

    ids, claims_path = generate(400, 40, tmp, seed=11)
    spans = readers.read_identities(ids)
    for psn in {c.psn_no for c in readers.read_claims(claims_path)}:
        add_person(uow, psn, [(s.code, s.begndate, s.enddate) for s in spans.get(psn, [])])
    claims = sorted(readers.read_claims(claims_path), key=lambda c: c.order_key())
    policy = RegionPolicy.load("ningxia")
    for c in claims:
        settle(uow, policy, c, source="import", actor="test")
    return claims


def test_no_change_reproduces_every_stored_payment(uow: UnitOfWork, tmp_path: Path) -> None:
    claims = _settle_generated(uow, tmp_path)
    gone = claims[5].setl_id
    reverse(uow, gone, actor="test")
    now = RegionPolicy.load("ningxia")
    with uow.read() as s:
        year = load_year(s, "ningxia", 2024)
        row = s.scalar(select(Settlement).where(Settlement.setl_id == claims[0].setl_id))
        assert row is not None
        got = (row.inscp_scp_amt, row.hifp_pay, row.hifmi_pay, row.hifob_pay, row.in_province)
    n = year.claims.n
    assert n == sum(1 for c in claims if c.year == 2024 and c.setl_id != gone)
    # the claim's columns, as stored in the body (migration 0800, every insert)
    c = claims[0]
    assert got == (c.inscp_scp_amt, c.hifp_pay, c.hifmi_pay, c.hifob_pay, int(c.in_province))
    # no change: each settlement re-run gets exactly what was stored
    rerun = year.recompute(now)
    paid = year.stored_paid
    assert (rerun == paid).all() and paid.sum() > 0
    same = apply_overlay(now, {}, "no change")
    sim = year.simulate(now, same, "no change")
    assert sim.difference == 0 and sim.changed_settlements == 0
    assert sim.settlements == n


def test_a_change_is_counted_against_what_was_paid(uow: UnitOfWork, tmp_path: Path) -> None:
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    policy = RegionPolicy.load("ningxia")
    for i, (day, base) in enumerate([("2024-02-01", 3_000_000), ("2024-05-01", 4_000_000),
                                     ("2024-08-01", 2_000_000)]):  # fmt: skip
        d = D.fromisoformat(day)
        settle(uow, policy, Claim(f"S{i}", "A", random_time(d), "21", d, d, base, 0, 0),
               source="import", actor="test")  # fmt: skip
    with uow.read() as s:
        year = load_year(s, "ningxia", 2024)
    # calc-contract §9 paid 75,900.00; class 二 cap 60,000 pays 78,900.00 (tests/unit/test_simulate.py)
    changed = apply_overlay(
        policy, {"classes": {"二": {"annual_cap": [{"from": "2024-01-01", "value": 60000}]}}}, "x"
    )
    sim = year.simulate(policy, changed, "x")
    assert (sim.paid_now, sim.paid_change, sim.difference) == (7_590_000, 7_890_000, 300_000)


def random_time(d: object) -> object:
    import datetime as dt

    assert isinstance(d, dt.date)
    return dt.datetime.combine(d, dt.time(10, random.randrange(60)))


def test_api_simulation_and_its_xlsx(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.api.app import create_app
    from jiuzhu.config import get_settings
    from jiuzhu.services.access.accounts import create_user

    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    with uow.begin() as s:
        create_user(s, "fin", "pw-fin", ["finance"], "test")
        create_user(s, "reg", "pw-reg", ["registry"], "test")
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    policy = RegionPolicy.load("ningxia")
    for i, day in enumerate(["2024-02-01", "2024-05-01", "2024-08-01"]):
        d = D.fromisoformat(day)
        base = [3_000_000, 4_000_000, 2_000_000][i]
        settle(uow, policy, Claim(f"S{i}", "A", random_time(d), "21", d, d, base, 0, 0),
               source="import", actor="test")  # fmt: skip
    change = {"classes": {"二": {"annual_cap": [{"from": "2024-01-01", "value": 60000}]}}}
    with TestClient(create_app(policy=policy, engine=engine)) as client:
        h = {}
        for u in ("fin", "reg"):
            r = client.post("/api/v1/auth/login", json={"username": u, "password": "pw-" + u})
            h[u] = {"Authorization": f"Bearer {r.json()['token']}"}
        body = {"year": 2024, "change": change, "name": "cap 60000"}
        r = client.post("/api/v1/simulations", json=body, headers=h["fin"])
        assert r.status_code == 200, r.text
        got = r.json()
        assert (got["paid_now"], got["paid_change"], got["difference"]) == (
            "75900.00", "78900.00", "3000.00",
        )  # fmt: skip
        assert got["gainers"][0]["key"] == "*" and got["losers"] == []
        assert client.post("/api/v1/simulations", json=body, headers=h["reg"]).status_code == 403
        bad = {"year": 2024, "change": {"classes": {"九": {}}}}
        r = client.post("/api/v1/simulations", json=bad, headers=h["fin"])
        assert r.status_code in (400, 422) and "classes.九" in r.json()["error"]["message"]
        r = client.post("/api/v1/simulations.xlsx", json=body, headers=h["fin"])
        assert r.status_code == 200 and r.content[:2] == b"PK"
    engine.dispose()
    get_settings.cache_clear()
