"""The columnar engine side by side with the previous path (issue 11), in one run.

    python bench/columnar_bench.py                   # 1,000,000 claims / 100,000 persons
    python bench/columnar_bench.py --claims 100000 --persons 10000

1. `jiuzhu calc` end to end (a subprocess, as an operator runs it): the columnar
   engine with a cold numba cache (compile included), then warm, then the previous
   path (``--engine reference``); wall time, CPU time, peak resident memory of the
   command; the two RESULTS.csv compared byte for byte.
2. The engine loop alone (classify + kernel over S/P/R/TP, claims already in columns):
   claims per second, best of three.
3. `jiuzhu simulate` over the same claims stored as settlements on PostgreSQL
   (JIUZHU_TEST_DATABASE_URL or JIUZHU_BENCH_DATABASE_URL; a database
   ``<JIUZHU_BENCH_DB_PREFIX>stored_<N>`` is filled by COPY once and kept for the next
   runs, ``--drop-db`` drops it): the first change of a process (reading the year
   included), then two more changes in the same process; the no-change check
   (stored = re-run, every settlement); then the command itself with two ``--overlay``.
4. The monthly full-list comparison (``jiuzhu identities import --full-list``) of
   ``--list-rows`` rows (1% gone, 1% new) on two copies of one kept registry
   (``<prefix>registry_<N>``, made once by a first full list): the columnar path and the
   previous path, then the two registries compared.

Figures are printed with the load average: the machine is shared, so they vary.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from calc_bench import ROOT, data_set, jiuzhu_command  # noqa: E402
from sqlalchemy.engine import URL  # noqa: E402

MEASURE = (
    "import resource, subprocess, sys, time\n"
    "t = time.perf_counter()\n"
    "rc = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL).returncode\n"
    "wall = time.perf_counter() - t\n"
    "u = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
    "print(rc, wall, u.ru_utime + u.ru_stime, u.ru_maxrss)\n"
)


def load() -> str:
    return "load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def run_measured(cmd: list[str], env: dict[str, str]) -> tuple[int, float, float, float]:
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, *cmd], env=env, capture_output=True, text=True, check=True
    ).stdout.split()
    return int(out[0]), float(out[1]), float(out[2]), int(out[3]) / 1024


def bench_calc(ids: Path, claims: Path, n: int) -> None:
    env = {k: v for k, v in os.environ.items() if k != "JIUZHU_OPERATOR_FILE"}
    outs = {}
    with tempfile.TemporaryDirectory(prefix="columnar-numba-") as cache:
        env_cold = {**env, "NUMBA_CACHE_DIR": cache}
        for label, engine, e in (
            ("columnar, cold numba cache", "columnar", env_cold),
            ("columnar, warm", "columnar", env_cold),
            ("previous path (--engine reference)", "reference", env),
        ):
            out = claims.parent / f"results-{engine}.csv"
            cmd = [
                jiuzhu_command(), "calc", "--region", "ningxia", "--identities", str(ids),
                "--claims", str(claims), "--out", str(out), "--quiet", "--engine", engine,
            ]  # fmt: skip
            rc, wall, cpu, rss = run_measured(cmd, e)
            outs[engine] = out
            print(
                f"calc {label}: {wall:.2f} s wall, {cpu:.2f} s CPU, {n / wall:,.0f} claims/s, "
                f"peak {rss:.0f} MiB, exit {rc}  [{load()}]"
            )
    same = outs["columnar"].read_bytes() == outs["reference"].read_bytes()
    print(f"RESULTS.csv columnar vs previous: {'byte-identical' if same else 'DIFFERENT'}")


def bench_kernel(ids: Path, claims: Path) -> None:
    from jiuzhu.policy.loader import RegionPolicy
    from jiuzhu.services.batch import columns as cc
    from jiuzhu.services.batch.run import IdentitySource, compute

    policy = RegionPolicy.load("ningxia")
    source = IdentitySource(ids)
    cols = cc.read_columns(claims)
    assert cols is not None
    best = None
    for _ in range(3):
        timing: dict[str, float] = {}
        compute(cols, source, policy, timing=timing)
        best = timing["kernel"] if best is None else min(best, timing["kernel"])
    assert best is not None
    print(
        f"engine loop alone (classify + kernel, {cols.n:,} claims): {best * 1000:.0f} ms, "
        f"{cols.n / best:,.0f} claims/s  [{load()}]"
    )


def _pg_url() -> str | None:
    return os.environ.get("JIUZHU_BENCH_DATABASE_URL") or os.environ.get("JIUZHU_TEST_DATABASE_URL")


def _kept_db(base: URL, kind: str, rows: int, table: str, label: str) -> tuple[str, bool]:
    """The bench database of ``kind`` and ``rows``, migrated: kept from an earlier run when
    its ``table`` holds ``rows`` rows (True), else made empty (False) for the caller."""
    from sqlalchemy import create_engine, text

    from jiuzhu.adapters.db import migrate
    from jiuzhu.adapters.db.engine import make_engine

    prefix = os.environ.get("JIUZHU_BENCH_DB_PREFIX", "jiuzhu_bench_")
    name = f"{prefix}{kind}_{rows}"
    db = base.set(database=name).render_as_string(hide_password=False)
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as c:
            there = c.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name})
        if there:
            migrate.upgrade(db)
            engine = make_engine(db)
            with engine.connect() as c:
                kept = c.scalar(text(f"SELECT count(*) FROM {table}")) == rows
            engine.dispose()
            if kept:
                print(f"{label}: database {name} (kept from an earlier run)")
                return db, True
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    migrate.upgrade(db)
    return db, False


def _bench_db(base: URL, n_claims: int, ids: Path, claims: Path) -> str:
    """The stored year in PostgreSQL: made once (COPY), kept for the next runs."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    from stored_data import fill_settlements

    from jiuzhu.adapters.db.engine import make_engine

    db, kept = _kept_db(base, "stored", n_claims, "settlement", "stored year")
    name = make_url(db).database
    if kept:
        return db
    engine = make_engine(db)
    t0 = time.perf_counter()
    n = fill_settlements(engine, ids, claims)
    engine.dispose()
    vacuum = create_engine(
        base.set(database=name),
        isolation_level="AUTOCOMMIT",  # type: ignore[attr-defined]
    )
    with vacuum.connect() as c:
        c.execute(text("VACUUM ANALYZE"))
    vacuum.dispose()
    print(f"stored year: {n:,} settlements into {name} by COPY in {time.perf_counter() - t0:.1f} s")
    return db


def bench_simulate(ids: Path, claims: Path, n_claims: int, drop: bool) -> None:
    url = _pg_url()
    if not url:
        print("simulate on PostgreSQL: skipped (set JIUZHU_TEST_DATABASE_URL)")
        return
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.policy.loader import RegionPolicy
    from jiuzhu.policy.overlay import apply_overlay
    from jiuzhu.services import simulate_stored

    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    db = _bench_db(base, n_claims, ids, claims)
    engine = make_engine(db)
    uow = UnitOfWork(engine)
    now = RegionPolicy.load("ningxia")
    changes = [
        ("class 二 ratio 85%", {"classes": {"二": {"ratio": [{"from": "2024-01-01", "value": "0.85"}]}}}),
        ("tilt threshold 2,000", {"tilt": {"threshold": [{"from": "2024-01-01", "value": 2000}]}}),
        ("class 三 cap 30,000", {"classes": {"三": {"annual_cap": [{"from": "2024-01-01", "value": 30000}]}}}),
    ]  # fmt: skip
    for rnd in range(2):
        simulate_stored._LOADED.clear()  # noqa: SLF001 - each round: a fresh process's first change
        for k, (name, overlay) in enumerate(changes):
            changed = apply_overlay(now, overlay, name)
            t0, c0 = time.perf_counter(), time.process_time()
            year = simulate_stored.cached_year(uow, "ningxia", 2024)
            sim = year.simulate(now, changed, name)
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            what = "first change (reading the year)" if k == 0 else "next change, same process"
            extra = f"; reading {year.load_seconds:.2f} s" if k == 0 else ""
            print(
                f"simulate {year.claims.n:,} stored settlements, {what}: {wall:.2f} s wall, "
                f"{cpu:.2f} s CPU here{extra}; {name}: difference {sim.difference / 100:+,.2f}"
                f"  [{load()}]"
            )
        if rnd == 0:
            same = bool((year.recompute(now) == year.stored_paid).all())
            print(f"simulate, no change = stored payment for every settlement: {same}")
    cmd = [
        jiuzhu_command(), "simulate", "--region", "ningxia", "--year", "2024",
    ]  # fmt: skip
    with tempfile.TemporaryDirectory() as d:
        for k, (_, overlay) in enumerate(changes[:2]):
            import yaml

            f = Path(d) / f"change{k + 1}.yaml"
            f.write_text(yaml.safe_dump(overlay, allow_unicode=True), encoding="utf-8")
            cmd += ["--overlay", str(f)]
        env = {**os.environ, "JIUZHU_DATABASE_URL": db}
        t0 = time.perf_counter()
        out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
        wall = time.perf_counter() - t0
    took = [line.split()[1] for line in out.splitlines() if line.startswith("用时")]
    print(
        f"`jiuzhu simulate --year 2024 --overlay A --overlay B` (a fresh process, imports "
        f"included): {wall:.2f} s wall; change A {took[0]} s, change B {took[1]} s  [{load()}]"
    )
    engine.dispose()
    if drop:
        admin = create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{make_url(db).database}" WITH (FORCE)'))
        admin.dispose()


def _registry_db(base: URL, rows: int) -> str:
    """A registry of ``rows`` persons after a first full list (made once, kept)."""
    from import_bench import make_list
    from sqlalchemy.engine import make_url

    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.services.identity_import import import_identities

    db, kept = _kept_db(base, "registry", rows, "person", "registry")
    name = make_url(db).database
    if kept:
        return db
    engine = make_engine(db)
    t0 = time.perf_counter()
    r = import_identities(
        UnitOfWork(engine), "bench-full-1.csv", make_list(rows), "minzheng", actor="bench",
        full_list=True, as_of=dt.date(2025, 1, 1),
    )  # fmt: skip
    engine.dispose()
    assert not r.refused, r.errors[:3]
    print(f"registry: first full list of {rows:,} into {name} in {time.perf_counter() - t0:.1f} s")
    return db


def bench_import(rows: int) -> None:
    """Next month's full list (1% gone, 1% new) on copies of one registry: the columnar
    comparison and the reference path, then the two registries compared row by row."""
    url = _pg_url()
    if not url:
        print("monthly comparison on PostgreSQL: skipped (set JIUZHU_TEST_DATABASE_URL)")
        return
    import resource

    from import_bench import make_list
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from jiuzhu.adapters.crypto import get_cipher
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.config import get_settings
    from jiuzhu.services.identity_import import import_identities

    # synthetic data only: a fixed data key, so that a registry kept from an earlier run
    # (its ID-number hashes) is read with the same key; reports go to a scratch folder
    os.environ["JIUZHU_DATA_KEY"] = os.environ.get("JIUZHU_BENCH_DATA_KEY", "11" * 32)
    os.environ["JIUZHU_VAR_DIR"] = tempfile.mkdtemp(prefix="columnar-bench-")
    get_settings.cache_clear()
    get_cipher.cache_clear()
    base = make_url(url.replace("postgresql://", "postgresql+psycopg://", 1))
    db = _registry_db(base, rows)
    src = make_url(db).database
    header = "人员编号,身份证号码,姓名,身份类别,开始日期,结束日期\n".encode()
    second = (
        make_list(rows - rows // 100, drop_every=100)
        + make_list(rows // 100, offset=rows)[len(header) :]
    )
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    state = {}
    runs = (
        ("columnar, first in this process", True),
        ("columnar, next in the same process", True),
        ("previous path", False),
    )
    for label, columnar in runs:
        copy = f"{src}_{'new' if columnar else 'old'}"
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
            c.execute(text(f'CREATE DATABASE "{copy}" TEMPLATE "{src}"'))
        engine = make_engine(base.set(database=copy).render_as_string(hide_password=False))
        u0 = resource.getrusage(resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        r = import_identities(
            UnitOfWork(engine), "bench-full-2.csv", second, "minzheng", actor="bench",
            full_list=True, as_of=dt.date(2025, 2, 1), columnar=columnar,
        )  # fmt: skip
        wall = time.perf_counter() - t0
        u1 = resource.getrusage(resource.RUSAGE_SELF)
        cpu = u1.ru_utime - u0.ru_utime + u1.ru_stime - u0.ru_stime
        with engine.connect() as c:
            state[label] = c.scalar(
                text(
                    "SELECT md5(string_agg(concat_ws(',', psn_no, code, begndate, enddate, "
                    "source, ended_by_batch_id), ';' ORDER BY psn_no, code, begndate, source)) "
                    "FROM person_identity"
                )
            )
        engine.dispose()
        stages = {k: round(v, 2) for k, v in r.timings.items()}
        print(
            f"monthly comparison, {r.counts['rows']:,} rows ({r.counts['added']:,} added, "
            f"{r.counts['ended']:,} ended), {label}: {wall:.2f} s wall, {cpu:.2f} s CPU here; "
            f"stages {stages}  [{load()}]"
        )
        with admin.connect() as c:
            c.execute(text(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)'))
    same = len(set(state.values())) == 1
    print(
        f"registry after the comparison, columnar vs previous: {'the same' if same else 'DIFFERENT'}"
    )
    admin.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="columnar engine vs the previous path")
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--skip-simulate", action="store_true")
    ap.add_argument("--drop-db", action="store_true", help="drop the stored year at the end")
    ap.add_argument("--skip-import", action="store_true")
    ap.add_argument("--list-rows", type=int, default=1_000_000, help="monthly comparison rows")
    a = ap.parse_args(argv)
    print(f"machine: {os.cpu_count()} CPUs, shared with other work; {load()}")
    ids, claims = data_set(a.claims, a.persons, a.seed, ROOT / "var" / "bench")
    bench_calc(ids, claims, a.claims)
    bench_kernel(ids, claims)
    if not a.skip_simulate:
        bench_simulate(ids, claims, a.claims, a.drop_db)
    if not a.skip_import:
        bench_import(a.list_rows)
    print(f"done  [{load()}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
