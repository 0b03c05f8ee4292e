"""`jiuzhu serve` as a real process: start-up checks, the contract's set-up commands, the
HTTP shapes, and a SIGKILL in the middle of a stream of settlements."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pytest
from service_support import JIUZHU, Server, env_for
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from settlement_support import D, add_person, totals_consistent  # noqa: E402

from jiuzhu.adapters.db.engine import make_engine  # noqa: E402
from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine  # noqa: E402
from jiuzhu.adapters.db.tables import Settlement  # noqa: E402
from jiuzhu.adapters.db.uow import UnitOfWork  # noqa: E402
from jiuzhu.services.fund import queries as fund_queries  # noqa: E402

pytestmark = pytest.mark.slow


def _key(db_url: str, institution: str = "H00000000001") -> str:
    out = subprocess.run(
        [JIUZHU, "keys", "create", "--institution", institution],
        env=env_for(db_url),
        capture_output=True,
        text=True,
        check=True,
    )
    return out.stdout.strip().splitlines()[-1]


def _claim(i: int, psn: str, base: str = "3000.00") -> dict[str, object]:
    day = 1 + i % 28
    return {
        "setl_id": f"K{i:05d}",
        "psn_no": psn,
        "setl_time": f"2024-05-{day:02d} 10:{i // 60 % 60:02d}:{i % 60:02d}",
        "med_type": "21",
        "begndate": f"2024-05-{day:02d}",
        "enddate": f"2024-05-{day:02d}",
        "inscp_scp_amt": base,
        "hifp_pay": 0,
        "hifmi_pay": "0",
    }


def test_serve_fails_at_start_on_a_missing_parameter(db_url: str) -> None:
    out = subprocess.run(
        [JIUZHU, "serve", "--region", "shuangyashan", "--port", "1"],
        env=env_for(db_url),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert out.returncode != 0
    assert "resident_income_prev_year" in out.stderr + out.stdout


def test_serve_answers_the_contract_shapes(db_url: str, tmp_path: Path) -> None:
    uow = UnitOfWork(make_engine(db_url))
    add_person(uow, "A", [("dibao", D(2023, 1, 1), None)])
    key = _key(db_url)
    srv = Server(db_url, tmp_path / "serve.log")
    try:
        srv.wait_ready()
        h = {"X-API-Key": key}
        with httpx.Client(base_url=srv.base, headers=h, timeout=10) as c:
            b = _claim(1, "A", "30000")
            t = c.post("/api/v1/settlements:trial", json=b)
            assert t.status_code == 200 and t.json()["maf_pay"] == "24000.00"
            r = c.post("/api/v1/settlements", json=b)
            assert r.status_code == 200
            a = r.json()
            assert (a["setl_id"], a["psn_no"], a["identity"], a["maf_pay"], a["tilt_pay"]) == (
                "K00001",
                "A",
                "dibao",
                "24000.00",
                "2100.00",
            )
            assert c.post("/api/v1/settlements", json=b).json() == a
            assert c.post("/api/v1/settlements", json={**b, "hifp_pay": "1"}).status_code == 409
            g = c.get("/api/v1/settlements/K00001")
            assert g.status_code == 200 and g.json()["trace"]
            assert c.get("/api/v1/settlements/nope").status_code == 404
            assert c.post("/api/v1/settlements/K00001:reverse").status_code == 200
            assert c.post("/api/v1/settlements/K00001:reverse").status_code == 200
            y = c.get("/api/v1/persons/A/years/2024").json()
            assert y["totals"]["P"] == "0.00"
            bad = c.post("/api/v1/settlements", json={**b, "setl_id": "K9", "inscp_scp_amt": "x"})
            assert bad.status_code == 422 and bad.json()["error"]["field"] == "inscp_scp_amt"
            assert httpx.post(srv.base + "/api/v1/settlements", json=b).status_code == 401
            assert c.get("/docs").status_code == 200
    finally:
        srv.stop()


def test_sigkill_mid_stream_loses_no_acknowledged_settlement(db_url: str, tmp_path: Path) -> None:
    """Four clients stream settlements for eight persons (caps are reached); the server is
    killed with SIGKILL; after a restart every 200 received is stored with its answer,
    every person-year's totals equal the sum of its stored settlements' shares, and every
    stored settlement has its journal entry (the fund's books hold every invariant)."""
    uow = UnitOfWork(make_engine(db_url))
    persons = [f"P{i}" for i in range(8)]
    for i, p in enumerate(persons):
        add_person(
            uow, p, [(("dibao", "tekun", "bianyuan", "yinbing")[i % 4], D(2023, 1, 1), None)]
        )
    key = _key(db_url)
    log = tmp_path / "serve.log"
    srv = Server(db_url, log)
    srv.wait_ready()
    acked: dict[str, dict[str, object]] = {}
    lock = threading.Lock()
    stop = threading.Event()

    def client(k: int) -> None:
        with httpx.Client(base_url=srv.base, headers={"X-API-Key": key}, timeout=5) as c:
            i = k
            while not stop.is_set():
                b = _claim(i, persons[i % len(persons)], f"{2000 + i % 7 * 1000}.{i % 100:02d}")
                try:
                    r = c.post("/api/v1/settlements", json=b)
                except httpx.HTTPError:
                    return  # the server is gone: this one was not acknowledged
                if r.status_code == 200:
                    with lock:
                        acked[str(b["setl_id"])] = r.json()
                i += 4

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 60
    while len(acked) < 150 and time.monotonic() < deadline:
        time.sleep(0.05)
    srv.kill()
    stop.set()
    for t in threads:
        t.join(timeout=30)
    assert len(acked) >= 150

    srv2 = Server(db_url, log)
    try:
        srv2.wait_ready()
        with httpx.Client(base_url=srv2.base, headers={"X-API-Key": key}, timeout=10) as c:
            for setl_id, answer in acked.items():
                g = c.get(f"/api/v1/settlements/{setl_id}")
                assert g.status_code == 200, setl_id
                got = g.json()
                for k in ("maf_pay", "tilt_pay", "identity", "totals_after"):
                    assert got[k] == answer[k], (setl_id, k)
    finally:
        srv2.stop()
    with uow.read() as s:
        stored = set(s.scalars(select(Settlement.setl_id)))
    assert set(acked) <= stored
    assert totals_consistent(uow) == []
    # the fund: every stored settlement has its entry, crediting the hospital its maf + tilt
    with uow.read() as s:
        paid = {r.setl_id: r.maf_pay + r.tilt_pay for r in s.scalars(select(Settlement))}
        owed = dict(
            s.execute(
                select(JournalEntry.source_id, func.coalesce(func.sum(JournalLine.credit), 0))
                .outerjoin(JournalLine, (JournalLine.entry_id == JournalEntry.id)
                           & (JournalLine.account == "210101"))
                .where(JournalEntry.kind == "settle")
                .group_by(JournalEntry.source_id)
            ).all()
        )  # fmt: skip
    assert paid == owed
    assert fund_queries.findings(uow) == []
    assert [(p.fixmedins_code, p.unpaid) for p in fund_queries.payables(uow, D(2099, 1, 1))] == (
        [("H00000000001", sum(paid.values()))] if sum(paid.values()) else []
    )
    uow.engine.dispose()
