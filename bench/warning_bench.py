"""`jiuzhu warning scan` over 5,000,000 settlements of 1,000,000 persons (calc-contract §11).

Generates (once, cached under the temporary folder) a shuangyashan population: every
insured person, a fifth of them with an identity, five settlements each on average
over two years, medfee_sumamt on most rows; then times the command end to end (a
warm-up run first compiles and caches the numba loops).

    .venv/bin/python bench/warning_bench.py [--persons 1000000] [--settlements 5000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

CODES = ["tekun", "dibao", "bianyuan", "jiance", "yinbing", "fanpin", "tuopin"]


def generate(folder: Path, persons: int, settlements: int) -> tuple[Path, Path]:
    ids, claims = folder / "identities.csv", folder / "claims.csv"
    if ids.exists() and claims.exists():
        return ids, claims
    rng = np.random.default_rng(7)
    with ids.open("w") as fh:
        fh.write("psn_no,identity,begndate,enddate\n")
        who = rng.choice(persons, persons // 5, replace=False)
        codes = rng.integers(0, len(CODES), who.size)
        for p, c in zip(who.tolist(), codes.tolist(), strict=True):
            fh.write(f"P{p:08d},{CODES[c]},2023-0{1 + p % 9}-01,\n")
    psn = rng.integers(0, persons, settlements)
    day = rng.integers(0, 730, settlements)
    secs = rng.integers(0, 86400, settlements)
    inscp = rng.integers(0, 1_500_000, settlements)
    hifp = inscp * rng.integers(30, 80, settlements) // 100
    hifmi = np.where(rng.random(settlements) < 0.05, inscp // 10, 0)
    medfee = inscp + rng.integers(0, 200_000, settlements)
    med = np.array(["11", "14", "21", "22", "41"])[rng.integers(0, 5, settlements)]
    base = np.datetime64("2024-01-01")
    dates = (base + day.astype("timedelta64[D]")).astype(str)
    with claims.open("w") as fh:
        fh.write(
            "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,medfee_sumamt\n"
        )
        step = 500_000
        for s in range(0, settlements, step):
            e = min(settlements, s + step)
            fh.writelines(
                f"S{i:09d},P{psn[i]:08d},{dates[i]} {secs[i] // 3600:02d}:{secs[i] // 60 % 60:02d}:{secs[i] % 60:02d},"
                f"{med[i]},{dates[i]},{dates[i]},{inscp[i] // 100}.{inscp[i] % 100:02d},"
                f"{hifp[i] // 100}.{hifp[i] % 100:02d},{hifmi[i] // 100}.{hifmi[i] % 100:02d},"
                f"{medfee[i] // 100}.{medfee[i] % 100:02d}\n"
                for i in range(s, e)
            )
    return ids, claims


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--settlements", type=int, default=5_000_000)
    args = ap.parse_args(argv)
    folder = Path(tempfile.gettempdir()) / f"warning_bench_{args.persons}_{args.settlements}"
    folder.mkdir(exist_ok=True)
    t0 = time.perf_counter()
    ids, claims = generate(folder, args.persons, args.settlements)
    print(
        f"data: {claims} ({claims.stat().st_size / 1e6:.0f} MB), ready in {time.perf_counter() - t0:.1f} s"
    )
    jiuzhu = str(Path(sys.executable).parent / "jiuzhu")
    cmd = [jiuzhu, "warning", "scan", "--region", "shuangyashan", "--identities", str(ids),
           "--claims", str(claims), "--out", str(folder / "warnings.csv"),
           "--param", "resident_income_prev_year=30000"]  # fmt: skip
    small = Path(tempfile.gettempdir()) / "warning_bench_warmup"
    small.mkdir(exist_ok=True)
    wi, wc = generate(small, 1000, 5000)
    warm = [*cmd[:6], str(wi), "--claims", str(wc), "--out", str(small / "w.csv"), *cmd[-2:]]
    subprocess.run(warm, check=True, capture_output=True)  # compiles and caches the loops
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True)
    elapsed = time.perf_counter() - t0
    rows = sum(1 for _ in (folder / "warnings.csv").open()) - 1
    print(
        f"warning scan: {args.settlements:,} settlements of {args.persons:,} persons in "
        f"{elapsed:.1f} s ({args.settlements / elapsed:,.0f}/s), {rows:,} warnings; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
