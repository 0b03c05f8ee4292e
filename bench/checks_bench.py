"""A full check run (核查, every rule) over 1,000,000 persons and 5,000,000 settlements on
PostgreSQL (梅州 第二十–二十二条; 新疆规程 第二十三–二十四条).

Loads a scratch database ``warning_checks_bench`` by COPY (persons, a third with an
identity, enrolment rows, 5M settlements over 200 hospitals, a death list), then times
``jiuzhu checks run`` end to end with every rule (the operator numbers given), and drops
the database. Needs JIUZHU_TEST_DATABASE_URL (or JIUZHU_BENCH_DATABASE_URL / --pg).

    .venv/bin/python bench/checks_bench.py [--persons 1000000] [--settlements 5000000]
    .venv/bin/python bench/checks_bench.py --reuse jiuzhu_s3perf_web_bench

``--reuse DB``: the database bench/web_bench.py --load-only left (1,000,000 persons,
5,000,000 settlements of 2025, enrolment, a death list): migrated to head, its earlier
findings cleared, the run timed; the database is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psycopg

NAME = os.environ.get("JIUZHU_BENCH_DB_PREFIX", "") + "warning_checks_bench"
NULL = "\\N"


def _admin(pg: str) -> str:
    return pg.replace("postgresql+psycopg://", "postgresql://")


def load(url: str, persons: int, settlements: int) -> None:
    rng = np.random.default_rng(11)
    now = "2025-01-01 00:00:00"
    with psycopg.connect(_admin(url)) as c, c.cursor() as cur:
        # the fund's constraint trigger wants a journal entry per settlement: a bench of the
        # checks loads settlements alone (the checks read no journal)
        cur.execute("SET session_replication_role = replica")
        with cur.copy("COPY person (id, psn_no, created_at, updated_at) FROM STDIN") as cp:
            for p in range(persons):
                cp.write(f"{p + 1}\tP{p:08d}\t{now}\t{now}\n")
        has_id = rng.random(persons) < 0.33
        ended = rng.random(persons) < 0.05
        with cur.copy(
            "COPY person_identity (person_id, psn_no, code, begndate, enddate, source, created_at, updated_at) FROM STDIN"
        ) as cp:
            for p in np.flatnonzero(has_id).tolist():
                end = "2024-03-31" if ended[p] else "\\N"
                cp.write(f"{p + 1}\tP{p:08d}\tdibao\t2024-01-01\t{end}\tminzheng\t{now}\t{now}\n")
        with cur.copy(
            "COPY person_enrolment (psn_no, year, status, updated_by, updated_at) FROM STDIN"
        ) as cp:
            for p in range(0, persons, 2):
                cp.write(f"P{p:08d}\t2025\tlocal\tbench\t{now}\n")
        with cur.copy(
            "COPY death_record (certno_hash, psn_no, death_date, source, batch_file, created_at) FROM STDIN"
        ) as cp:
            for p in range(0, persons, 100):
                cp.write(f"h{p:063d}\tP{p:08d}\t2024-06-30\tgongan\tbench.csv\t{now}\n")
        psn = rng.integers(0, persons, settlements)
        day = rng.integers(0, 365, settlements)
        base = rng.integers(10_000, 2_000_000, settlements)
        inst = rng.integers(0, 200, settlements)
        med = np.where(rng.random(settlements) < 0.7, "21", "14")
        deposit = rng.random(settlements) < 0.01
        epoch = dt.date(2024, 1, 1)
        days = [(epoch + dt.timedelta(days=int(d))).isoformat() for d in range(366)]
        cols = ("setl_id, psn_no, year, region, source, institution, body_hash, body, setl_time, begndate, "
                "enddate, med_type, identity, class_id, reason, base, deductible, maf_pay, tilt_pay, d_s, d_p, "
                "d_r, d_tp, trace, answer, status, created_at")  # fmt: skip
        with cur.copy(f"COPY settlement ({cols}) FROM STDIN") as cp:
            step = 250_000
            for s0 in range(0, settlements, step):
                rows = []
                for i in range(s0, min(settlements, s0 + step)):
                    p = int(psn[i])
                    b, e = days[int(day[i])], days[min(365, int(day[i]) + 4)]
                    paid = has_id[p]
                    maf = int(base[i]) * 8 // 10 if paid else 0
                    body = '{"deposit": "300.00"}' if deposit[i] else "{}"
                    rows.append(
                        f"S{i:09d}\tP{p:08d}\t2024\tningxia\tone_stop\tH{int(inst[i]):03d}\tx\t{body}\t{e} 10:00:00\t"
                        f"{b}\t{e}\t{med[i]}\t{'dibao' if paid else ''}\t{'二' if paid else NULL}\t"
                        f"{'paid' if paid else 'no_identity'}\t{int(base[i])}\t0\t{maf}\t0\t{int(base[i])}\t{maf}\t0\t0\t"
                        f"[]\t{{}}\tsettled\t{now}\n"
                    )
                cp.write("".join(rows))
        c.commit()
        cur.execute("ANALYZE")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--pg", default=None)
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--settlements", type=int, default=5_000_000)
    ap.add_argument("--reuse", default="", help="a loaded database to run on (kept)")
    a = ap.parse_args(argv)
    pg = (
        a.pg
        or os.environ.get("JIUZHU_BENCH_DATABASE_URL")
        or os.environ.get("JIUZHU_TEST_DATABASE_URL")
    )
    if not pg:
        print("checks bench: no PostgreSQL URL (set JIUZHU_TEST_DATABASE_URL); skipped")
        return 0
    name = a.reuse or NAME
    if not a.reuse:
        with psycopg.connect(_admin(pg), autocommit=True) as c:
            c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            c.execute(f"CREATE DATABASE {name}")
    url = pg.rsplit("/", 1)[0] + "/" + name
    key = "5a" * 32 if a.reuse else "00" * 31 + "09"  # web_bench.py's data key
    env = {**os.environ, "JIUZHU_DATABASE_URL": url, "JIUZHU_DATA_KEY": key}
    jiuzhu = str(Path(sys.executable).parent / "jiuzhu")
    try:
        subprocess.run([jiuzhu, "db", "upgrade"], env=env, check=True, capture_output=True)
        if a.reuse:
            with psycopg.connect(_admin(url), autocommit=True) as c:
                c.execute("DELETE FROM claw_back")
                c.execute("DELETE FROM check_finding")
                c.execute("DELETE FROM check_run")
                n_p = c.execute("SELECT COUNT(*) FROM person").fetchone()
                n_s = c.execute("SELECT COUNT(*) FROM settlement").fetchone()
                c.execute("VACUUM ANALYZE check_finding")
            a.persons, a.settlements = int(n_p[0]), int(n_s[0])  # type: ignore[index]
            print(f"reused {name}: {a.persons:,} persons, {a.settlements:,} settlements")
        else:
            t0 = time.perf_counter()
            load(url, a.persons, a.settlements)
            print(
                f"loaded {a.persons:,} persons and {a.settlements:,} settlements in "
                f"{time.perf_counter() - t0:.0f} s"
            )
        load_before = os.getloadavg()
        t0 = time.perf_counter()
        r = subprocess.run(
            [jiuzhu, "checks", "run", "--year", "2025", "--readmission-days", "7", "--outlier-factor", "8", "--payable-days", "60"],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        elapsed = time.perf_counter() - t0
        print(r.stdout.strip())
        print(
            f"checks run (every rule), PostgreSQL, {a.persons:,} persons / {a.settlements:,} "
            f"settlements: {elapsed:.1f} s (target < 60 s); load average before "
            f"{load_before[0]:.2f}, after {os.getloadavg()[0]:.2f}"
        )
    finally:
        if not a.reuse:
            with psycopg.connect(_admin(pg), autocommit=True) as c:
                c.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
