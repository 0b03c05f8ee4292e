"""The fund's benches (issue 13):

1. A hospital's 100,000-line 3202 detail statement compared with our settlements, end to
   end (read the CSV, compare, store the statement and its differences): bar < 5 s.
   SQLite always; PostgreSQL when reachable (JIUZHU_TEST_DATABASE_URL or
   JIUZHU_BENCH_DATABASE_URL).
2. PostgreSQL: the database's cost of the fund's guarantees per settlement, side by side in
   one run — the settlement statement (settlement, totals, audit, journal entry and lines)
   and its commit, repeated, alternating the journal of migration 1201 (before: the line's
   foreign key checked per line, two indexes per line) with that of 1700 (now: one index per
   line, the key checked in the statement's one check) and with no check at all (the
   floor). CPU of the database backend, read from /proc (robust to the machine's varying
   load).

The settlement throughput with and without postings is ``service_bench.py --postings-rounds``.

    .venv/bin/python bench/fund_bench.py [--lines 100000] [--settlements 2000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import copy
import datetime as dt
import importlib
import os
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

HOSPITAL = "H64010000001"
BAR_S = 5.0


def load_average() -> str:
    return "/".join(f"{x:.2f}" for x in os.getloadavg())


def _pg_admin() -> str | None:
    url = os.environ.get("JIUZHU_BENCH_DATABASE_URL") or os.environ.get("JIUZHU_TEST_DATABASE_URL")
    if not url:
        return None
    import psycopg

    try:
        psycopg.connect(
            url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        ).close()
    except psycopg.Error:
        return None
    return url


def scratch_pg() -> tuple[str, Any]:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from jiuzhu.adapters.db.engine import normalise_url

    admin_url = normalise_url(_pg_admin() or "")
    name = f"{os.environ.get('JIUZHU_BENCH_DB_PREFIX', 'jiuzhu_s3clr_')}{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))

    def drop() -> None:
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return make_url(admin_url).set(database=name).render_as_string(hide_password=False), drop


# -- 1. a 100,000-line detail statement -------------------------------------------------------
def load_settlements(url: str, n: int) -> None:
    """n settlements of HOSPITAL in January 2025 (every 997th reversed), written directly:
    synthetic history without journal entries (PostgreSQL: triggers off for this load)."""
    from sqlalchemy import insert

    from jiuzhu.adapters.db import migrate
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.tables import ApiKey, Settlement

    migrate.upgrade(url)
    engine = make_engine(url)
    t0 = dt.datetime(2025, 1, 1, 8, 0, 0)
    rows = []
    for i in range(n):
        at = t0 + dt.timedelta(seconds=20 * i)
        base = 10_000 + (i * 7919) % 2_000_000
        rows.append({
            "setl_id": f"FB{i:07d}", "psn_no": f"P{i % 5000:05d}", "year": 2025, "region": "ningxia",
            "source": "one_stop", "institution": HOSPITAL, "body_hash": "-", "body": {},
            "setl_time": at, "begndate": at.date(), "enddate": at.date(), "med_type": "21",
            "identity": "dibao", "class_id": "二", "reason": "paid", "base": base, "deductible": 0,
            "maf_pay": base * 8 // 10, "tilt_pay": 0, "d_s": base, "d_p": base * 8 // 10, "d_r": 0,
            "d_tp": 0, "trace": [], "answer": {}, "status": "reversed" if i % 997 == 0 else "settled",
            "created_at": at, "county": "640104", "inscp_scp_amt": base,
        })  # fmt: skip
    with engine.begin() as c:
        if c.dialect.name == "postgresql":
            c.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for k in range(0, n, 20_000):
            c.execute(insert(Settlement), rows[k : k + 20_000])
        c.execute(
            insert(ApiKey),
            [{"institution": HOSPITAL, "prefix": "jz_bench", "key_hash": secrets.token_hex(32)}],
        )
    engine.dispose()


def detail_csv(n: int, path: Path) -> int:
    """The hospital's list: ours, less 10 it forgot, plus 10 we never settled, 10 at another
    amount; reversed ones flagged. Returns the differences expected: 30."""
    from jiuzhu.policy.money import format_fen

    with path.open("w", encoding="utf-8") as fh:
        fh.write("setl_id,medfee_sumamt,fund_pay_sumamt,refd_setl_flag\n")
        for i in range(n):
            if i % 10_007 == 5 and i // 10_007 < 10:
                continue  # forgotten
            base = 10_000 + (i * 7919) % 2_000_000
            fund = base * 8 // 10 + (1 if i % 9_973 == 7 and i // 9_973 < 10 else 0)
            fh.write(f"FB{i:07d},{format_fen(base)},{format_fen(fund)},{int(i % 997 == 0)}\n")
        for j in range(10):
            fh.write(f"XX{j:07d},100.00,80.00,0\n")
    return 30


def bench_detail(url: str, label: str, n: int, tmp: Path) -> bool:
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.services.fund.clearing import apply, parse

    t = time.perf_counter()
    load_settlements(url, n)
    load_s = time.perf_counter() - t
    f = tmp / f"detail-{label}.csv"
    want = detail_csv(n, f)
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    t0 = time.perf_counter()
    lines = parse.detail_from_file(f.name, f.read_bytes())
    t1 = time.perf_counter()
    st = parse.StatementIn(HOSPITAL, dt.date(2025, 1, 1), dt.date(2025, 1, 31), None, lines)
    v = apply.submit(uow, "ningxia", st, actor="bench")
    t2 = time.perf_counter()
    engine.dispose()
    ok = v.differences_count == want and (t2 - t0) < BAR_S
    print(
        f"DETAIL STATEMENT {label}: {len(lines):,} lines against {n:,} settlements: "
        f"{t2 - t0:.2f} s (read {t1 - t0:.2f} s, compare and store {t2 - t1:.2f} s), "
        f"{v.differences_count} differences (expected {want}); bar < {BAR_S:.0f} s: "
        f"{'MET' if ok else 'NOT met'}; load average {load_average()} (data load {load_s:.1f} s)"
    )
    return ok


# -- 2. the database's cost of the guarantees ------------------------------------------------
def _capture(url: str) -> dict[str, Any]:
    """The arguments of one real settlement statement (the service's own), to replay."""
    from service_bench import load_persons

    from jiuzhu.adapters.db import settlement_sql
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.domain.claim import Claim
    from jiuzhu.policy.loader import RegionPolicy
    from jiuzhu.services.settlement import settle

    psns = load_persons(url, 10)
    captured: dict[str, Any] = {}
    orig = settlement_sql.Raw.record_settlement

    def cap(
        self: Any,
        values: Any,
        totals: Any,
        actor: Any,
        audit_after: Any,
        entries: Any = (),
        then: Any = None,
    ) -> Any:
        captured.update(
            values=copy.deepcopy(values),
            totals=totals,
            audit_after=audit_after,
            entries=list(entries),
        )
        return orig(self, values, totals, actor, audit_after, entries, then)

    settlement_sql.Raw.record_settlement = cap  # type: ignore[method-assign]
    engine = make_engine(url)
    try:
        d = dt.date(2024, 3, 1)
        claim = Claim("W0", psns[0], dt.datetime(2024, 3, 1, 9), "21", d, d, 3_000_000, 0, 0)
        settle(UnitOfWork(engine), RegionPolicy.load("ningxia"), claim, source="one_stop", actor="b",
               institution=HOSPITAL)  # fmt: skip
    finally:
        settlement_sql.Raw.record_settlement = orig  # type: ignore[method-assign]
        engine.dispose()
    return captured


def bench_triggers(n: int, rounds: int) -> None:
    from sqlalchemy import text
    from sqlalchemy.orm import Session

    from jiuzhu.adapters.db import migrate
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.settlement_sql import Raw
    from jiuzhu.domain.journal import Entry

    m = importlib.import_module(
        "jiuzhu.adapters.db.migrations.versions.1201_fund_one_check_per_statement"
    )
    slim = importlib.import_module("jiuzhu.adapters.db.migrations.versions.1700_fund_slim_lines")
    url, drop = scratch_pg()
    try:
        migrate.upgrade(url)
        cap = _capture(url)
        engine = make_engine(url, pool_size=1, max_overflow=0)
        with engine.connect() as c:
            pid = c.execute(text("SELECT pg_backend_pid()")).scalar()
        tick = os.sysconf("SC_CLK_TCK")

        def cpu() -> float:
            f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            return (int(f[11]) + int(f[12])) / tick

        setups = {
            "1201 (before)": (slim.PG_DOWN, slim.PG_UP),
            "1700 (now)": ([], []),
            "no triggers (floor)": (m.PG_NONE, m.PG_NONE_BACK),
        }
        acc = {k: [0, 0.0] for k in setups}
        i = 1
        for r in range(rounds):
            for k in list(setups) if r % 2 == 0 else list(reversed(setups)):
                to, back = setups[k]
                with engine.begin() as c:
                    for stmt in to:
                        c.execute(text(stmt))
                c0 = cpu()
                for _ in range(n):
                    with Session(bind=engine) as s, s.begin():
                        v = dict(cap["values"], setl_id=f"W{i}")
                        es = [
                            (Entry(e.region, e.day, e.kind, f"W{i}", e.memo, e.lines), w)
                            for e, w in cap["entries"]
                        ]
                        Raw(s).record_settlement(v, cap["totals"], "bench", cap["audit_after"], es)
                    i += 1
                acc[k][0] += n
                acc[k][1] += cpu() - c0
                with engine.begin() as c:
                    for stmt in back:
                        c.execute(text(stmt))
        engine.dispose()
        floor = acc["no triggers (floor)"][1] / acc["no triggers (floor)"][0]
        parts = []
        for k, (cnt, sec) in acc.items():
            per = sec / cnt
            parts.append(f"{k} {per * 1000:.3f} ms (+{(per - floor) * 1000:.3f})")
        print(
            f"GUARANTEES' DATABASE COST per settlement statement + commit, PostgreSQL backend CPU, "
            f"{rounds} alternating rounds of {n}: "
            + "; ".join(parts)
            + f"; load average {load_average()}"
        )
    finally:
        drop()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--settlements", type=int, default=2000, help="per round and trigger set")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--skip-detail", action="store_true")
    ap.add_argument("--skip-triggers", action="store_true")
    a = ap.parse_args(argv)
    os.environ.setdefault("JIUZHU_DATA_KEY", "00" * 31 + "01")
    os.environ.setdefault("JIUZHU_AUDIT_KEY", "00" * 31 + "02")
    good = True
    with tempfile.TemporaryDirectory(prefix="fund-bench-") as d:
        tmp = Path(d)
        if not a.skip_detail:
            good = bench_detail(f"sqlite:///{tmp / 'fund.db'}", "SQLite", a.lines, tmp) and good
            if _pg_admin():
                url, drop = scratch_pg()
                try:
                    good = bench_detail(url, "PostgreSQL", a.lines, tmp) and good
                finally:
                    drop()
        if not a.skip_triggers and _pg_admin():
            bench_triggers(a.settlements, a.rounds)
    return 0 if good else 1


if __name__ == "__main__":
    sys.exit(main())
