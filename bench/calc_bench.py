"""`jiuzhu calc` end to end on generated claims: claims per second and peak memory.

    python bench/calc_bench.py                      # 1,000,000 claims / 100,000 persons, ningxia
    python bench/calc_bench.py --claims 20000 --persons 2000
    python bench/calc_bench.py --workers 1          # force one process

The data come from ``bench/gen_claims.py`` (fixed seed) and are kept under
``var/bench/`` so a second run skips generating them. The command runs as a
subprocess, exactly as an operator runs it; the figures are its wall time, claims/s,
the CPU time of it and its workers, and its peak resident memory (``ru_maxrss`` of
``RUSAGE_CHILDREN``: the largest process, in MiB). The budget is 60 s for the full
size on a 2-core machine; it is printed, not asserted.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from gen_claims import generate  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
BUDGET_S = 60.0


def jiuzhu_command() -> str:
    beside = Path(sys.executable).with_name("jiuzhu")
    found = str(beside) if beside.exists() else shutil.which("jiuzhu")
    if not found:
        raise SystemExit("jiuzhu is not installed (make install)")
    return found


def data_set(claims: int, persons: int, seed: int, root: Path) -> tuple[Path, Path]:
    """The generated files, made once per (claims, persons, seed)."""
    folder = root / f"claims-{claims}-{persons}-{seed}"
    done = folder / ".complete"
    ids, cls = folder / "identities.csv", folder / "claims.csv"
    if done.exists():
        print(f"data: {folder} (kept from an earlier run)")
        return ids, cls
    t0 = time.perf_counter()
    generate(claims, persons, folder, seed)
    done.write_text("ok\n")
    print(f"data: {folder} (generated in {time.perf_counter() - t0:.1f} s)")
    return ids, cls


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="benchmark of `jiuzhu calc`")
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument("--region", default="ningxia")
    ap.add_argument("--workers", type=int, default=None, help="passed to jiuzhu calc")
    ap.add_argument("--data", type=Path, default=ROOT / "var" / "bench", help="data folder")
    a = ap.parse_args(argv)

    ids, claims = data_set(a.claims, a.persons, a.seed, a.data)
    out = ids.parent / "results.csv"
    if out.exists():
        out.unlink()
    cmd = [
        jiuzhu_command(), "calc", "--region", a.region, "--identities", str(ids),
        "--claims", str(claims), "--out", str(out), "--quiet",
    ]  # fmt: skip
    if a.workers is not None:
        cmd += ["--workers", str(a.workers)]
    env = {k: v for k, v in os.environ.items() if k != "JIUZHU_OPERATOR_FILE"}

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        print(proc.stderr, file=sys.stderr)
        print(f"jiuzhu calc failed with status {proc.returncode}")
        return 1
    with out.open("rb") as fh:
        rows = sum(1 for _ in fh) - 1
    if rows != a.claims:
        print(f"RESULTS.csv has {rows} rows for {a.claims} claims")
        return 1

    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    peak_mib = after.ru_maxrss / 1024  # Linux: KiB
    print(f"command: {' '.join(cmd[1:])}")
    print(
        f"cpus available: {len(os.sched_getaffinity(0)) if hasattr(os, 'sched_getaffinity') else os.cpu_count()}"
    )
    print(f"claims:        {a.claims:,} ({a.persons:,} persons, region {a.region})")
    verdict = ""
    if a.claims >= 1_000_000:
        verdict = f" (budget {BUDGET_S:.0f} s: {'within' if elapsed <= BUDGET_S else 'OVER'})"
    print(f"elapsed:       {elapsed:.1f} s{verdict}")
    print(f"claims/s:      {a.claims / elapsed:,.0f}")
    print(f"cpu time:      {cpu:.1f} s (all processes)")
    print(f"peak memory:   {peak_mib:,.0f} MiB (largest process, ru_maxrss)")
    print(f"load average:  {os.getloadavg()[0]:.2f} (other work on the machine slows the figures)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
