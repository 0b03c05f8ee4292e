"""`make bench`: every benchmark in turn, each printing its own figures.

- calc_bench: `jiuzhu calc` end to end on 1,000,000 claims / 100,000 persons (claims/s, peak memory)
- import_bench: a 1,000,000-row full department list import (rows/s, elapsed, peak memory)
- service_bench: settlements/s and p50/p99 latency against `jiuzhu serve` at 16 clients
- warning_bench: `jiuzhu warning scan` over 5,000,000 settlements of 1,000,000 persons
- warning_overhead: what real-time early warning adds to a settlement's server time
- checks_bench: a full check run over 1,000,000 persons / 5,000,000 settlements (PostgreSQL)
- fund_bench: a 100,000-line hospital detail statement compared; the database's cost of the fund's guarantees per settlement
- fund_reports_bench: the fund's monthly reports over 1,000,000 settlements (PostgreSQL)

PostgreSQL parts run when JIUZHU_TEST_DATABASE_URL (or JIUZHU_BENCH_DATABASE_URL) is set.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

BENCHES = (
    "columnar_bench", "calc_bench", "import_bench", "service_bench", "warning_bench",
    "warning_overhead", "checks_bench", "web_bench", "fund_bench", "fund_reports_bench",
)  # fmt: skip


def _postgres_reachable() -> bool:
    import os

    import psycopg

    url = (
        os.environ.get("JIUZHU_BENCH_DATABASE_URL")
        or os.environ.get("JIUZHU_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    try:
        psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3).close()
    except psycopg.Error:
        return False
    return True


def main() -> int:
    failed = 0
    for name in BENCHES:
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                print(f"== {name}: not present, skipped")
                continue
            raise
        print(f"\n== {name}")
        t0 = time.perf_counter()
        try:
            args = ["--sqlite"] if name == "service_bench" and not _postgres_reachable() else []
            if args:
                print("(no PostgreSQL reachable: the service bench runs on SQLite)")
            rc = mod.main(args)
        except SystemExit as exc:
            rc = exc.code if isinstance(exc.code, int) else 1
        print(f"== {name}: done in {time.perf_counter() - t0:.1f} s (exit {rc or 0})")
        failed += bool(rc)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
