"""Import benchmark: a full department list (新疆规程 第六条 每月全面比对) of N rows.

Prints rows/s, elapsed time and peak memory for: the first import into an empty registry
(every person created, every identity added), and the same list again next month with 1%
of the rows dropped (ended) and 1% new — the monthly comparison. SQLite always;
PostgreSQL when ``--pg URL`` or ``JIUZHU_TEST_DATABASE_URL`` / ``JIUZHU_BENCH_DATABASE_URL``
is set (a scratch database is created and dropped).

    .venv/bin/python bench/import_bench.py --rows 1000000
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("JIUZHU_DATA_KEY", secrets.token_hex(32))

from jiuzhu.domain.pii import certno_check_digit  # noqa: E402

CODES = ("tekun", "guer", "wurenfuyang", "dibao", "gaoling", "bianyuan", "yinbing")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂"


def _certno(n: int) -> str:
    day = dt.date(1940, 1, 1) + dt.timedelta(days=n // 1000)
    first17 = f"640104{day:%Y%m%d}{n % 1000:03d}"
    return first17 + certno_check_digit(first17)


def make_list(rows: int, drop_every: int = 0, offset: int = 0) -> bytes:
    """``rows`` lines of a minzheng full list; every ``drop_every``-th person left out."""
    out = ["人员编号,身份证号码,姓名,身份类别,开始日期,结束日期"]
    for i in range(offset, rows + offset):
        if drop_every and i % drop_every == 0:
            continue
        name = (
            SURNAMES[i % len(SURNAMES)]
            + GIVEN[(i // 20) % len(GIVEN)]
            + (GIVEN[(i // 500) % len(GIVEN)] if i % 3 else "")
        )
        beg = dt.date(2020, 1, 1) + dt.timedelta(days=i % 1500)
        out.append(f"P{i:011d},{_certno(i)},{name},{CODES[i % 7]},{beg.isoformat()},")
    return ("\n".join(out) + "\n").encode("utf-8")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _cpu() -> float:
    """CPU seconds of this process (user + system): unlike elapsed time, not inflated when
    other jobs share the machine's cores."""
    u = resource.getrusage(resource.RUSAGE_SELF)
    return u.ru_utime + u.ru_stime


def _load() -> str:
    try:
        return f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    except OSError:
        return ""


def run(url: str, label: str, rows: int) -> None:
    from jiuzhu.adapters.db import migrate
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.services.identity_import import import_identities

    migrate.upgrade(url)
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    first = make_list(rows)
    t0, c0 = time.perf_counter(), _cpu()
    r = import_identities(
        uow,
        "bench-full-1.csv",
        first,
        "minzheng",
        actor="bench",
        full_list=True,
        as_of=dt.date(2025, 1, 1),
    )
    el = time.perf_counter() - t0
    cpu = _cpu() - c0
    assert not r.refused, r.errors[:3]
    print(
        f"{label}: first full list {rows:,} rows: {el:.1f} s elapsed ({cpu:.1f} s CPU in this "
        f"process; {_load()}), {rows / el:,.0f} rows/s, "
        f"peak RSS {_peak_mb():,.0f} MB; counts {r.counts}\n    stages { ({k: round(v, 1) for k, v in r.timings.items()}) }"
    )
    second = (
        make_list(rows - rows // 100, drop_every=100)
        + make_list(rows // 100, offset=rows)[
            len("人员编号,身份证号码,姓名,身份类别,开始日期,结束日期\n".encode()) :
        ]
    )
    t0, c0 = time.perf_counter(), _cpu()
    r = import_identities(
        uow,
        "bench-full-2.csv",
        second,
        "minzheng",
        actor="bench",
        full_list=True,
        as_of=dt.date(2025, 2, 1),
    )
    el = time.perf_counter() - t0
    cpu = _cpu() - c0
    assert not r.refused, r.errors[:3]
    n2 = r.counts["rows"]
    print(
        f"{label}: next month's full list {n2:,} rows (1% gone, 1% new): {el:.1f} s elapsed "
        f"({cpu:.1f} s CPU in this process; {_load()}), "
        f"{n2 / el:,.0f} rows/s, peak RSS {_peak_mb():,.0f} MB; counts {r.counts}\n    stages { ({k: round(v, 1) for k, v in r.timings.items()}) }"
    )
    engine.dispose()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--pg", default=None, help="PostgreSQL admin URL (default: env)")
    ap.add_argument("--no-sqlite", action="store_true")
    args = ap.parse_args(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["JIUZHU_VAR_DIR"] = tmp
        from jiuzhu.config import get_settings

        get_settings.cache_clear()
        if not args.no_sqlite:
            run(f"sqlite:///{Path(tmp) / 'bench.db'}", "SQLite", args.rows)
        pg = (
            args.pg
            or os.environ.get("JIUZHU_BENCH_DATABASE_URL")
            or os.environ.get("JIUZHU_TEST_DATABASE_URL")
        )
        if pg:
            from sqlalchemy import create_engine, text
            from sqlalchemy.engine import make_url

            from jiuzhu.adapters.db.engine import normalise_url

            admin_url = normalise_url(pg)
            name = f"jiuzhu_bench_{secrets.token_hex(4)}"
            admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.execute(text(f'CREATE DATABASE "{name}"'))
            try:
                url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
                run(url, "PostgreSQL", args.rows)
            finally:
                with admin.connect() as c:
                    c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                admin.dispose()
        else:
            print("PostgreSQL: skipped (set --pg URL or JIUZHU_TEST_DATABASE_URL)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
