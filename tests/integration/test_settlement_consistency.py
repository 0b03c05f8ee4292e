"""Consistency: concurrent settlements of one person never pay past the cap, and
settlements arriving in setl_time order get exactly what `jiuzhu calc` gives."""

from __future__ import annotations

import datetime as dt
import sys
import threading
from pathlib import Path

from fastapi.testclient import TestClient
from settlement_support import D, add_person, new_key, totals_consistent
from sqlalchemy import func, select

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import Person, PersonIdentity, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services.batch import readers, reference
from jiuzhu.services.settlement import settle

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))


def test_32_threads_for_one_person_pay_exactly_the_cap(db_url: str) -> None:
    """dibao (class 二, 80%, cap 50,000.00, 宁医保发〔2023〕102号 第十四条): 32 stays of base
    3,000 would earn 32 × 2,400 = 76,800 without the cap; paid together they must total
    exactly 50,000.00 — 20 full payments and one of 2,000, the rest 0."""
    engine = (
        make_engine(db_url, pool_size=40, max_overflow=0)
        if "postgres" in db_url
        else make_engine(db_url)
    )
    uow = UnitOfWork(engine)
    add_person(uow, "A", [("dibao", D(2023, 1, 1), None)])
    policy = RegionPolicy.load("ningxia")
    n = 32
    barrier = threading.Barrier(n)
    results: list[int] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def one(i: int) -> None:
        c = Claim(
            f"C{i:02d}",
            "A",
            dt.datetime(2024, 5, 1, 8, 0, i),
            "21",
            D(2024, 4, 28),
            D(2024, 5, 1),
            300_000,
            0,
            0,
        )
        try:
            barrier.wait()
            out = settle(uow, policy, c, source="one_stop", actor="t", institution="H1")
            with lock:
                results.append(int(out.answer["maf_pay"].replace(".", "")))
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors, errors[:1]
    assert len(results) == n
    assert sum(results) == 5_000_000
    assert sorted(results, reverse=True)[:21] == [240_000] * 20 + [200_000]
    with uow.read() as s:
        stored = s.scalar(select(func.sum(Settlement.maf_pay))) or 0
    assert stored == 5_000_000
    assert totals_consistent(uow) == []
    engine.dispose()


def _load_identities(uow: UnitOfWork, spans: dict[str, list]) -> None:  # type: ignore[type-arg]
    with uow.begin() as s:
        for psn, items in spans.items():
            p = Person(psn_no=psn)
            s.add(p)
            s.flush()
            for sp in items:
                s.add(
                    PersonIdentity(
                        person_id=p.id,
                        psn_no=psn,
                        code=sp.code,
                        begndate=sp.begndate,
                        enddate=sp.enddate,
                        source="yibao",
                    )
                )


def _json_body(c: Claim) -> dict[str, object]:
    return {
        "setl_id": c.setl_id,
        "psn_no": c.psn_no,
        "setl_time": c.setl_time.isoformat(sep=" "),
        "med_type": c.med_type,
        "begndate": c.begndate.isoformat(),
        "enddate": c.enddate.isoformat(),
        "inscp_scp_amt": format_fen(c.inscp_scp_amt),
        "hifp_pay": format_fen(c.hifp_pay),
        "hifmi_pay": format_fen(c.hifmi_pay),
        "hifob_pay": format_fen(c.hifob_pay),
        "out_of_area": int(c.out_of_area),
        "referral": int(c.referral),
        "emergency": int(c.emergency),
        "in_province": int(c.in_province),
    }


def test_api_in_setl_time_order_equals_jiuzhu_calc(db_url: str, tmp_path: Path) -> None:
    """Differential: the same generated claims through run_claims and through the HTTP API."""
    from gen_claims import generate

    ids_path, claims_path = generate(600, 60, tmp_path / "gen", seed=7)
    spans = readers.read_identities(ids_path)
    claims = readers.read_claims(claims_path)
    policy = RegionPolicy.load("ningxia")
    expected = {a.setl_id: a for a in reference.run_claims(claims, spans, policy).assessments}

    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    _load_identities(uow, spans)
    h = {"X-API-Key": new_key(uow)}
    mismatches = []
    with TestClient(create_app(region="ningxia", policy=policy, engine=engine)) as client:
        for c in sorted(claims, key=Claim.order_key):
            r = client.post("/api/v1/settlements", json=_json_body(c), headers=h)
            assert r.status_code == 200, r.text
            got = r.json()
            e = expected[c.setl_id]
            want = (e.identity or None, format_fen(e.maf_pay), format_fen(e.tilt_pay))
            if (got["identity"] or None, got["maf_pay"], got["tilt_pay"]) != want:
                mismatches.append(
                    (c.setl_id, got["identity"], got["maf_pay"], got["tilt_pay"], want)
                )
    assert mismatches == []
    assert sum(1 for a in expected.values() if a.maf_pay) > 50  # the set really pays
    assert totals_consistent(uow) == []
    engine.dispose()
