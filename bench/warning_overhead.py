"""What real-time early warning (calc-contract §11) adds to a settlement's server time.

Settles the same stream of one-stop settlements (shuangyashan: every settlement adds to
H, the line ``sy_10000`` fires for some persons) through ``services.settlement.settle``
twice into fresh scratch databases: once as shipped, once with the warning handler of
``Settled`` taken off the message bus; alternating blocks so that the machine's load hits both alike. Reports the
mean server time per settlement of each and the difference.

    .venv/bin/python bench/warning_overhead.py [--pg URL] [--settlements 4000]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JIUZHU_DATA_KEY", "00" * 31 + "07")

import psycopg  # noqa: E402

from jiuzhu.adapters.db.engine import make_engine  # noqa: E402
from jiuzhu.adapters.db.migrate import upgrade  # noqa: E402
from jiuzhu.adapters.db.tables import Person, PersonIdentity  # noqa: E402
from jiuzhu.adapters.db.uow import UnitOfWork  # noqa: E402
from jiuzhu.domain.claim import Claim  # noqa: E402
from jiuzhu.domain.events import Settled  # noqa: E402
from jiuzhu.policy.loader import RegionPolicy  # noqa: E402
from jiuzhu.services import messagebus, settlement  # noqa: E402
from jiuzhu.services.warning import handlers as warning  # noqa: E402


def _pg_url(argv_url: str | None) -> str | None:
    return (
        argv_url
        or os.environ.get("JIUZHU_BENCH_DATABASE_URL")
        or os.environ.get("JIUZHU_TEST_DATABASE_URL")
    )


def scratch(pg: str | None, name: str, tmp: Path) -> str:
    if not pg:
        return f"sqlite:///{tmp / (name + '.db')}"
    admin = pg.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as c:
        c.execute(f"DROP DATABASE IF EXISTS {name}")
        c.execute(f"CREATE DATABASE {name}")
    return pg.rsplit("/", 1)[0] + "/" + name


def drop(pg: str | None, name: str) -> None:
    if pg:
        admin = pg.replace("postgresql+psycopg://", "postgresql://")
        with psycopg.connect(admin, autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def claims(n: int, persons: int) -> list[Claim]:
    rnd = random.Random(3)
    out = []
    t0 = dt.datetime(2024, 1, 1, 8)
    for i in range(n):
        end = dt.date(2024, 1, 1) + dt.timedelta(days=i * 300 // n)
        inscp = rnd.randint(10_000, 600_000)
        out.append(Claim(f"B{i:07d}", f"P{rnd.randrange(persons):05d}", t0 + dt.timedelta(minutes=i), "21",
                         end - dt.timedelta(days=3), end, inscp, inscp * 6 // 10, 0))  # fmt: skip
    return out


def load(uow: UnitOfWork, persons: int) -> None:
    with uow.begin() as s:
        for p in range(persons):
            person = Person(psn_no=f"P{p:05d}")
            s.add(person)
            s.flush()
            if p % 3 == 0:
                s.add(PersonIdentity(person_id=person.id, psn_no=person.psn_no, code="dibao",
                                     begndate=dt.date(2023, 1, 1), source="yibao"))  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default=None)
    ap.add_argument("--settlements", type=int, default=4000)
    ap.add_argument("--persons", type=int, default=1000)
    ap.add_argument("--block", type=int, default=200)
    a = ap.parse_args(argv)
    pg = _pg_url(a.pg)
    tmp = Path(tempfile.mkdtemp(prefix="warning-overhead-"))
    policy = RegionPolicy.load("shuangyashan", None, {"resident_income_prev_year": "30000"})
    stream = claims(a.settlements, a.persons)
    on_settled = messagebus.HANDLERS[Settled]
    without = [h for h in on_settled if h is not warning.on_settled]
    prefix = os.environ.get("JIUZHU_BENCH_DB_PREFIX", "")
    names = {k: f"{prefix}warning_overhead_{k}" for k in ("with", "without")}
    uows = {}
    try:
        for k, name in names.items():
            url = scratch(pg, name, tmp)
            upgrade(url)
            uows[k] = UnitOfWork(make_engine(url))
            load(uows[k], a.persons)
        spent = {"with": 0.0, "without": 0.0}  # float ok: seconds
        for start in range(0, len(stream), a.block):
            for k in ("with", "without") if (start // a.block) % 2 == 0 else ("without", "with"):
                messagebus.HANDLERS[Settled] = on_settled if k == "with" else without
                t = time.perf_counter()
                for c in stream[start : start + a.block]:
                    settlement.settle(uows[k], policy, c, source="one_stop", actor="bench",
                                      extra={"medfee_sumamt": f"{c.inscp_scp_amt * 12 // 1000}.00"})  # fmt: skip
                spent[k] += time.perf_counter() - t
        messagebus.HANDLERS[Settled] = on_settled
        w, wo = (spent[k] / len(stream) * 1000 for k in ("with", "without"))
        print(
            f"settlement server time ({'PostgreSQL' if pg else 'SQLite'}, {len(stream):,} settlements, in process): "
            f"with warning {w:.3f} ms, without {wo:.3f} ms, overhead {100 * (w - wo) / wo:+.1f}%; "
            f"load average {os.getloadavg()[0]:.2f}"
        )
    finally:
        for u in uows.values():
            u.engine.dispose()
        for name in names.values():
            drop(pg, name)
    return 0


if __name__ == "__main__":
    sys.exit(main())
