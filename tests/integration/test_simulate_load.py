"""A stored year read in columns for 政策测算 (issue 11): back-pay counted with what was
paid, the per-process cache reloaded when a settlement or an identity changes, the parts
of a PostgreSQL read one consistent year, county codes carried."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from settlement_support import D, add_person
from sqlalchemy import update

from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.overlay import apply_overlay
from jiuzhu.services import backpay
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.settlement import settle
from jiuzhu.services.simulate_load import read_year
from jiuzhu.services.simulate_stored import cached_year

POLICY = RegionPolicy.load("ningxia")


def _stay(setl_id: str, psn: str, base_fen: int, month: int, micro: int = 0) -> Claim:
    end = D(2024, month, 10)
    return Claim(setl_id, psn, dt.datetime(2024, month, 10, 9, 0, 0, micro), "21",
                 D(2024, month, 1), end, base_fen, 0, 0)  # fmt: skip


def test_late_identity_then_backpay_through_the_cache(uow: UnitOfWork) -> None:
    """宁医保发〔2023〕102号 第十四条, 第十九条. dibao (class 二, 80%): base 10,000.00 pays
    8,000.00 (remaining 2,000 ≤ tilt threshold 3,000: no tilt). A tekun identity (class
    一, 100%) from 2024-05-01 arrives late: re-run, the stay pays 10,000.00, so the
    no-change simulation shows +2,000.00 against what was stored. Back-pay pays the
    2,000.00; what was paid is then 10,000.00 and the difference is 0."""
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    settle(uow, POLICY, _stay("S1", "A", 1_000_000, 6, micro=500_000), source="import", actor="t")
    same = apply_overlay(POLICY, {}, "no change")
    year = cached_year(uow, "ningxia", 2024)
    assert cached_year(uow, "ningxia", 2024) is year  # nothing changed: not read again
    sim = year.simulate(POLICY, same, "no change")
    assert (sim.paid_now, sim.paid_change, sim.difference) == (800_000, 800_000, 0)

    add_person(uow, "A", [("tekun", D(2024, 5, 1), None)])
    year = cached_year(uow, "ningxia", 2024)  # an identity changed: read again
    sim = year.simulate(POLICY, same, "no change")
    assert (sim.paid_now, sim.paid_change, sim.difference) == (800_000, 1_000_000, 200_000)

    [paid] = backpay.run(uow, POLICY, actor="t", evidence="民政局 证明 2024-07")
    assert paid["setl_id"] == backpay.backpay_id("S1")
    year = cached_year(uow, "ningxia", 2024)  # a back-pay was stored: read again
    assert year.claims.n == 1  # the back-pay row is not a claim of its own
    sim = year.simulate(POLICY, same, "no change")
    assert (sim.paid_now, sim.paid_change, sim.difference) == (1_000_000, 1_000_000, 0)


def test_parts_read_one_year_and_counties_are_carried(uow: UnitOfWork) -> None:
    """Settlements in February, May and August, read in one part and in three (cuts on
    May 1 and September 1): the same columns. Person B's county is 640104."""
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    add_person(uow, "B", [("tekun", D(2024, 1, 1), None)])
    with uow.begin() as s:
        s.execute(update(Person).where(Person.psn_no == "B").values(county="640104"))
    for i, (psn, month) in enumerate([("A", 2), ("B", 5), ("A", 8), ("B", 8)]):
        settle(uow, POLICY, _stay(f"S{i}", psn, 200_000 * (i + 1), month), source="import",
               actor="t")  # fmt: skip
    with uow.read() as s:
        one = read_year(s, "ningxia", 2024, parts=1)[0]
        three = read_year(s, "ningxia", 2024, parts=3)[0]

    def rows(c: cc.ClaimColumns) -> dict[str, list[int]]:
        keep = [cc.TIME, cc.VT, cc.BEG, cc.END, cc.YEAR, cc.BASE, cc.FLAGS, cc.STORED_PAID,
                cc.COUNTY]  # fmt: skip
        return {c.text(i, cc.SETL_ID0): [int(c.cols[k, i]) for k in keep] for i in range(c.n)}

    assert rows(one) == rows(three) and len(rows(one)) == 4
    assert one.n_groups == 2
    got = rows(one)
    assert got["S1"][-1] == 640104 and got["S0"][-1] == -1
    assert got["S0"][5] == 200_000 and got["S3"][5] == 800_000  # base in fen
    assert got["S0"][0] == dt.datetime(2024, 2, 10, 9).toordinal() * 86400 + 9 * 3600
    year = cached_year(uow, "ningxia", 2024)
    sim = year.simulate(POLICY, apply_overlay(POLICY, {}, "same"), "same")
    counties = {r.key: (r.persons, r.settlements) for r in sim.by["county"]}
    assert counties == {"640104": (1, 2), "（未记录 not recorded）": (1, 2)}
    assert np.array_equal(year.recompute(POLICY), year.stored_paid)


def test_cli_tries_several_changes_on_one_reading(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`jiuzhu simulate --year 2024 --overlay A --overlay B`: one reading, two changes.
    dibao (class 二, 80%), one stay of base 10,000.00 pays 8,000.00 now (第十四条);
    A: class 二 at 90% pays 9,000.00 (+1,000.00); B: at 100%, 10,000.00 (+2,000.00)."""
    from typer.testing import CliRunner

    from jiuzhu.adapters.db.engine import default_engine, make_engine
    from jiuzhu.cli.main import app
    from jiuzhu.config import get_settings

    monkeypatch.setenv("JIUZHU_DATABASE_URL", db_url)
    get_settings.cache_clear()
    default_engine.cache_clear()
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    settle(uow, POLICY, _stay("S1", "A", 1_000_000, 6), source="import", actor="t")
    files = []
    for name, ratio in (("a.yaml", "0.9"), ("b.yaml", "1")):
        f = tmp_path / name
        f.write_text(f'classes:\n  二:\n    ratio:\n      - {{from: 2024-01-01, value: "{ratio}"}}\n',
                     encoding="utf-8")  # fmt: skip
        files += ["--overlay", str(f)]
    out = CliRunner().invoke(
        app, ["simulate", "--region", "ningxia", "--year", "2024", *files], catch_exceptions=False
    )
    assert out.exit_code == 0, out.output
    text = out.output.replace("\n", "")
    assert "方案 a.yaml" in text and "方案 b.yaml" in text
    assert "差额 difference +1000.00" in text and "差额 difference +2000.00" in text
    engine.dispose()
    default_engine().dispose()
    default_engine.cache_clear()
    get_settings.cache_clear()
