"""The fund's postings' CPU per settlement, side by side in one run (issue 13; PostgreSQL).

The service's own settlement (``services.settlement.settle``, in process, one connection,
3,000 persons, varied claims) repeated in alternating rounds over three set-ups of one
database: without postings (the fund's handler out of the message bus, the settlement's
entry trigger disabled), with the journal of migration 1201 (before) and with that of
1700 (now). CPU of this process (the server's share) and of its database backend, read
from /proc: robust to the shared machine's varying load, unlike a throughput.

    JIUZHU_TEST_DATABASE_URL=… .venv/bin/python bench/postings_bench.py [--rounds 8] [--n 500]
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=8)
    ap.add_argument("--n", type=int, default=500, help="settlements per round and set-up")
    a = ap.parse_args(argv)
    os.environ.setdefault("JIUZHU_DATA_KEY", "00" * 31 + "01")
    os.environ.setdefault("JIUZHU_AUDIT_KEY", "00" * 31 + "02")
    from fund_bench import _pg_admin, load_average, scratch_pg
    from service_bench import load_persons
    from sqlalchemy import text

    import jiuzhu.services.messagebus as bus
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.domain.claim import Claim
    from jiuzhu.domain.events import Settled
    from jiuzhu.policy.loader import RegionPolicy
    from jiuzhu.services.settlement import settle

    if not _pg_admin():
        print("PostgreSQL not reachable (JIUZHU_TEST_DATABASE_URL): nothing measured")
        return 0
    slim = importlib.import_module("jiuzhu.adapters.db.migrations.versions.1700_fund_slim_lines")
    setups: dict[str, tuple[list[str], list[str]]] = {
        "without postings": (
            ["ALTER TABLE settlement DISABLE TRIGGER settlement_posted"],
            ["ALTER TABLE settlement ENABLE TRIGGER settlement_posted"],
        ),
        "with, 1201 (before)": (slim.PG_DOWN, slim.PG_UP),
        "with, 1700 (now)": ([], []),
    }
    url, drop = scratch_pg()
    engine = None
    try:
        psns = load_persons(url, 3000)
        engine = make_engine(url, pool_size=1, max_overflow=0)
        uow, policy = UnitOfWork(engine), RegionPolicy.load("ningxia")
        with engine.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
        tick = os.sysconf("SC_CLK_TCK")

        def backend_cpu() -> float:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / tick

        rnd, handlers, i = random.Random(1), list(bus.HANDLERS[Settled]), 0

        def run(n: int) -> None:
            nonlocal i
            for _ in range(n):
                i += 1
                d = dt.date(2024, 3, 1) + dt.timedelta(days=i % 200)
                inscp = rnd.randrange(10_000, 3_000_000)
                claim = Claim(f"PB{i}", rnd.choice(psns), dt.datetime.combine(d, dt.time(9)),
                              rnd.choice(("21", "14")), d, d, inscp, inscp // 2, 0)  # fmt: skip
                settle(uow, policy, claim, source="one_stop", actor="bench",
                       institution="H64010000001")  # fmt: skip

        run(300)  # warm-up
        acc = {k: [0, 0.0, 0.0] for k in setups}
        for r in range(a.rounds):
            for k in list(setups) if r % 2 == 0 else list(reversed(setups)):
                to, back = setups[k]
                bus.HANDLERS[Settled] = [] if k.startswith("without") else handlers
                with engine.begin() as c:
                    for stmt in to:
                        c.execute(text(stmt))
                db0, py0 = backend_cpu(), time.process_time()
                run(a.n)
                acc[k][0] += a.n
                acc[k][1] += time.process_time() - py0
                acc[k][2] += backend_cpu() - db0
                with engine.begin() as c:
                    for stmt in back:
                        c.execute(text(stmt))
        bus.HANDLERS[Settled] = handlers
        n0, py0, db0 = acc["without postings"]
        floor = (py0 + db0) / n0
        parts = []
        for k, (n, py, db) in acc.items():
            per = (py + db) / n
            parts.append(
                f"{k} {per * 1000:.3f} ms ({py / n * 1000:.3f} + {db / n * 1000:.3f}; "
                f"+{(per - floor) / floor * 100:.1f}%)"
            )
        print(
            f"POSTINGS' CPU per settlement (process + its database backend), {a.rounds} "
            f"alternating rounds of {a.n}: " + "; ".join(parts) + f"; load average {load_average()}"
        )
        return 0
    finally:
        if engine is not None:
            engine.dispose()
        drop()


if __name__ == "__main__":
    sys.exit(main())
