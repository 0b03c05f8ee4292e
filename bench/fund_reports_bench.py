"""make bench: the fund's monthly reports over 1,000,000 settlements on PostgreSQL
(issue 13: under 10 s).

Loads, once, into a database of its own (``$JIUZHU_BENCH_DB_PREFIX`` + ``fund_reports``,
default prefix ``jiuzhu_bench_``; kept and reused while it holds the same number of
settlements, ``--reload`` to rebuild) 1,000,000 ningxia settlements of one year with their
journal entries (settlement, reversal of 1%), a year of funding entries and subsidies —
all by COPY, the fund's triggers off for the load (the rows balance by construction).
Then draws, for one month, the 资产负债表, the 收支表 and the 医疗救助费用支出统计 (the
monthly set of 宁医保发〔2023〕102号 第二十八条, 第三十五条), and prints each one's time and
the load average beside it.

    .venv/bin/python bench/fund_reports_bench.py [--settlements N] [--month 2025-06] [--runs 3] [--reload]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("JIUZHU_DATA_KEY", "5a" * 32)

REGION = "ningxia"
INSTITUTIONS = [f"H6401{i:07d}" for i in range(200)]
COUNTIES = ["640104", "640105", "640106", "640121", "640122", "640181", "640202", "640302"]
CLASSES = ["一", "二", "二", "二", "三", "四", "五"]
MED = ["21", "21", "14", "11"]
EXPENSE = {"21": "500101", "14": "500102", "11": "500103"}


def admin_url() -> str:
    url = (
        os.environ.get("JIUZHU_BENCH_DATABASE_URL")
        or os.environ.get("JIUZHU_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    return url.replace("postgresql+psycopg://", "postgresql://")


def db_name() -> str:
    return os.environ.get("JIUZHU_BENCH_DB_PREFIX", "jiuzhu_bench_") + "fund_reports"


def db_url() -> str:
    return f"{admin_url().rsplit('/', 1)[0]}/{db_name()}"


def loaded(n: int) -> bool:
    import psycopg

    try:
        with psycopg.connect(db_url()) as c:
            got = c.execute("SELECT count(*) FROM settlement").fetchone()
            return bool(got and got[0] == n)
    except psycopg.Error:
        return False


def load(n: int) -> None:
    import psycopg

    from jiuzhu.adapters.db import migrate

    with psycopg.connect(admin_url(), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{db_name()}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{db_name()}"')
    migrate.upgrade(db_url().replace("postgresql://", "postgresql+psycopg://"))
    rnd = random.Random(13)
    t0 = time.perf_counter()
    y0 = dt.datetime(2025, 1, 1)
    now = dt.datetime(2026, 1, 5, 12)
    body = json.dumps({"bench": 1})
    with psycopg.connect(db_url()) as c, c.cursor() as cur:
        cur.execute("SET session_replication_role = replica")  # no triggers for the load
        entry_id = line_id = 0
        entries: list[tuple[object, ...]] = []
        lines_: list[tuple[object, ...]] = []

        def entry(day: dt.date, kind: str, src: str, memo: str, ls: list[tuple[str, int, int, str | None, str | None]],
                  reverses: int | None = None) -> int:  # fmt: skip
            nonlocal entry_id, line_id
            entry_id += 1
            entries.append((entry_id, REGION, day, kind, src, memo, reverses, None, now))
            for acct, d, k, party, county in ls:
                line_id += 1
                lines_.append((line_id, entry_id, day, REGION, acct, d, k, party, county))
            return entry_id

        def write_journal() -> None:
            with cur.copy(
                "COPY journal_entry (id, region, entry_date, kind, source_id, memo, reverses, actor, "
                "created_at) FROM STDIN"
            ) as cp:
                for r in entries:
                    cp.write_row(r)
            with cur.copy(
                "COPY journal_line (id, entry_id, entry_date, region, account, debit, credit, party, "
                "county) FROM STDIN"
            ) as cp:
                for r in lines_:
                    cp.write_row(r)
            entries.clear()
            lines_.clear()

        def flush(rows: list[tuple[object, ...]]) -> None:
            with cur.copy(
                "COPY settlement (setl_id, psn_no, year, region, source, institution, body_hash, "
                "body, setl_time, begndate, enddate, med_type, identity, class_id, reason, base, "
                "deductible, maf_pay, tilt_pay, d_s, d_p, d_r, d_tp, trace, answer, status, "
                "created_at, county) FROM STDIN"
            ) as cp:
                for r in rows:
                    cp.write_row(r)
            write_journal()
            rows.clear()

        rows: list[tuple[object, ...]] = []
        for j in range(n):
            t = y0 + dt.timedelta(seconds=rnd.randrange(365 * 86400))
            day = t.date()
            med, klass = rnd.choice(MED), rnd.choice(CLASSES)
            inst, county = rnd.choice(INSTITUTIONS), rnd.choice(COUNTIES)
            base = rnd.randrange(1000, 3_000_000)
            maf = base * 8 // 10
            tilt = (base - maf) * 7 // 10 if rnd.random() < 0.2 else 0
            status = "reversed" if rnd.random() < 0.01 else "settled"
            setl_id = f"F{j:09d}"
            rows.append((setl_id, f"B{rnd.randrange(200_000):09d}", 2025, REGION, "one_stop", inst,
                         "0" * 64, body, t, day, day, med, "dibao", klass, "paid", base, 0, maf, tilt,
                         base, maf, base - maf, tilt, "[]", "{}", status, now, county))  # fmt: skip
            ls = [(EXPENSE[med], maf, 0, inst, county)]
            if tilt:
                ls.append(("500104", tilt, 0, inst, county))
            ls.append(("210101", 0, maf + tilt, inst, county))
            eid = entry(day, "settle", setl_id, f"结算 {setl_id}", ls)
            if status == "reversed":
                rev = [(a, k, d, p, c) for a, d, k, p, c in ls]
                entry(day, "reverse", setl_id, f"撤销结算 {setl_id}", rev, eid)
            if len(rows) == 100_000:
                flush(rows)
        flush(rows)
        print(f"  {n:,} settlements: {time.perf_counter() - t0:.1f} s", flush=True)
        # a year of funding: income monthly, transfers per county, subsidies, payments
        for m in range(1, 13):
            d = dt.date(2025, m, 5)
            entry(d, "manual", f"income/bench-{m}", "本级财政", [("1003", 2_000_000_000, 0, None, None),
                                                                 ("4101", 0, 2_000_000_000, None, None)])  # fmt: skip
            for cty in COUNTIES:
                entry(d, "manual", f"transfer/bench-{m}-{cty}", "拨付支出户",
                      [("1004", 200_000_000, 0, None, cty), ("1003", 0, 200_000_000, None, cty)])  # fmt: skip
                entry(d, "subsidy", f"2025/bench-{m}/{cty}", f"资助参保 2025 年 {1000 + m} 人（bench）",
                      [("5002", 3_800_000, 0, None, cty), ("210103", 0, 3_800_000, None, cty)])  # fmt: skip
        t1 = time.perf_counter()
        write_journal()
        cur.execute("SELECT setval(pg_get_serial_sequence('journal_entry', 'id'), %s)", (entry_id,))
        cur.execute("SELECT setval(pg_get_serial_sequence('journal_line', 'id'), %s)", (line_id,))
        c.commit()
        print(
            f"  {entry_id:,} entries, {line_id:,} lines: {time.perf_counter() - t1:.1f} s",
            flush=True,
        )
    with psycopg.connect(db_url(), autocommit=True) as c:
        c.execute("VACUUM ANALYZE")
    print(
        f"  loaded in {time.perf_counter() - t0:.1f} s (load average {os.getloadavg()[0]:.1f})",
        flush=True,
    )


def measure(month: str, runs: int) -> list[tuple[str, float]]:
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.services.fund.reports import queries

    engine = make_engine(db_url().replace("postgresql://", "postgresql+psycopg://"))
    uow = UnitOfWork(engine)
    out: list[tuple[str, float]] = []
    for r in range(runs):
        total = 0.0
        for kind in ("balance_sheet", "income_statement", "spending"):
            t0 = time.perf_counter()
            rep = queries.build(uow, REGION, kind, month)
            el = time.perf_counter() - t0
            total += el
            print(
                f"  run {r + 1} {rep.title}: {el:.2f} s (load average {os.getloadavg()[0]:.1f})",
                flush=True,
            )
        t0 = time.perf_counter()
        queries.export(queries.build(uow, REGION, "spending", month), "xlsx")
        print(f"  run {r + 1} 费用支出统计 XLSX: {time.perf_counter() - t0:.2f} s", flush=True)
        print(
            f"  run {r + 1} monthly set: {total:.2f} s (load average {os.getloadavg()[0]:.1f})",
            flush=True,
        )
        out.append(("monthly", total))
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--settlements", type=int, default=1_000_000)
    ap.add_argument("--month", default="2025-06")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--reload", action="store_true")
    a = ap.parse_args(argv)
    if a.reload or not loaded(a.settlements):
        print(f"loading {a.settlements:,} settlements into {db_name()} …", flush=True)
        load(a.settlements)
    else:
        print(f"reusing {db_name()} ({a.settlements:,} settlements)", flush=True)
    res = measure(a.month, a.runs)
    best = min(t for _, t in res)
    print(f"fund monthly reports over {a.settlements:,} settlements: best {best:.2f} s of {a.runs} "
          f"(target < 10 s; load average {os.getloadavg()[0]:.1f})")  # fmt: skip
    return 0 if best < 10 else 1


if __name__ == "__main__":
    raise SystemExit(main())
