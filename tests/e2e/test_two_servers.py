"""Several servers, one database (issue 8 item 12): two `jiuzhu serve` processes on
different ports against one PostgreSQL keep every cap while settlements of one person
arrive concurrently at both. PostgreSQL only: SQLite is one machine's file."""

from __future__ import annotations

import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest
from service_support import JIUZHU, Server, env_for
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
from settlement_support import D, add_person, totals_consistent  # noqa: E402

from jiuzhu.adapters.db.engine import make_engine  # noqa: E402
from jiuzhu.adapters.db.tables import PersonYearTotals, Settlement  # noqa: E402
from jiuzhu.adapters.db.uow import UnitOfWork  # noqa: E402

pytestmark = [pytest.mark.slow]


@pytest.fixture
def pg_url(db_url: str) -> str:
    """The fresh database of ``db_url``, PostgreSQL only (without JIUZHU_TEST_DATABASE_URL
    its PostgreSQL variant is skipped by the fixture, with the reason)."""
    if not db_url.startswith("postgresql"):
        pytest.skip("two servers sharing one database need PostgreSQL (SQLite: one file)")
    return db_url


def _claim(i: int, psn: str) -> dict[str, object]:
    day = 1 + i % 28
    return {
        "setl_id": f"{psn}-{i:04d}",
        "psn_no": psn,
        "setl_time": f"2024-06-{day:02d} 09:{i // 60 % 60:02d}:{i % 60:02d}",
        "med_type": "21",
        "begndate": f"2024-06-{day:02d}",
        "enddate": f"2024-06-{day:02d}",
        "inscp_scp_amt": "3000.00",
        "hifp_pay": "0",
        "hifmi_pay": "0",
    }


def test_two_servers_one_database_keep_every_cap(pg_url: str, tmp_path: Path) -> None:
    """宁医保发〔2023〕102号 第十四条（二）: dibao, 80%, annual cap 50,000. 48 stays of base 3,000
    would earn 48 × 2,400 = 115,200 without the cap; spread over two servers, 12 clients at
    once, they total exactly 50,000.00 (20 × 2,400 + one of 2,000, the rest 0); tekun (class
    一, 100%, cap 50,000): 24 × 3,000 = 72,000 → exactly 50,000.00. Tilt stays within its
    110,000 cap and every person-year's totals equal its settlements' shares."""
    uow = UnitOfWork(make_engine(pg_url))
    add_person(uow, "A", [("dibao", D(2023, 1, 1), None)])
    add_person(uow, "B", [("tekun", D(2023, 1, 1), None)])
    key = subprocess.run(
        [JIUZHU, "keys", "create", "--institution", "H64010000001"],
        env=env_for(pg_url),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()[-1]
    servers = [Server(pg_url, tmp_path / f"serve{n}.log") for n in (1, 2)]
    try:
        for srv in servers:
            srv.wait_ready()
        assert servers[0].port != servers[1].port
        claims = [_claim(i, "A") for i in range(48)] + [_claim(i, "B") for i in range(24)]
        answers: list[tuple[int, int, dict[str, str]]] = []
        errors: list[BaseException] = []
        lock = threading.Lock()
        barrier = threading.Barrier(12)

        def client(k: int) -> None:
            try:
                with httpx.Client(headers={"X-API-Key": key}, timeout=60) as c:
                    barrier.wait()
                    for j in range(k, len(claims), 12):
                        srv = servers[j % 2]
                        r = c.post(srv.base + "/api/v1/settlements", json=claims[j])
                        with lock:
                            answers.append((j % 2, r.status_code, r.json()))
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(k,)) for k in range(12)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors[:1]
        assert len(answers) == 72 and {code for _, code, _ in answers} == {200}
        assert {srv for srv, _, _ in answers} == {0, 1}  # both servers settled

        def paid(psn: str) -> list[int]:
            return sorted(
                (int(a["maf_pay"].replace(".", "")) for _, _, a in answers if a["psn_no"] == psn),
                reverse=True,
            )

        assert sum(paid("A")) == 5_000_000
        assert paid("A")[:21] == [240_000] * 20 + [200_000]
        assert sum(paid("B")) == 5_000_000
        with uow.read() as s:
            for psn in ("A", "B"):
                stored = s.scalar(
                    select(func.sum(Settlement.maf_pay)).where(Settlement.psn_no == psn)
                )
                t = s.get(PersonYearTotals, (psn, 2024))
                assert stored == 5_000_000 and t is not None and t.p == 5_000_000
                assert t.tp <= 11_000_000
        assert totals_consistent(uow) == []
    finally:
        for srv in servers:
            srv.stop()
