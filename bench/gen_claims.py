"""Generate a deterministic synthetic claims set for `jiuzhu calc` (calc-contract §8).

    python bench/gen_claims.py --claims 1000000 --persons 100000 --out DIR [--seed 20240101]

Writes ``DIR/identities.csv`` and ``DIR/claims.csv``. The mix is meant to look like a
year of settlements of a prefecture: mostly ordinary and chronic outpatient visits,
about a quarter inpatient stays, every identity type of calc-contract §1 (and people
with none), identity changes in the middle of the year (some in the middle of a
stay), stays across New Year, and out-of-area care with and without referral or
emergency flags. Amounts are whole fen, written with two decimals; no float touches
them. The same arguments always give the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

# (code, weight): the identity a person holds first; "" = no identity at all.
IDENTITY_MIX: tuple[tuple[str, int], ...] = (
    ("tekun", 5),
    ("guer", 1),
    ("wurenfuyang", 1),
    ("dibao", 26),
    ("gaoling", 4),
    ("bianyuan", 10),
    ("youfu", 3),
    ("jiance", 14),
    ("fanpin", 7),
    ("yinbing", 7),
    ("tuopin", 6),
    ("", 16),
)
# (med_type, weight): 11 普通门诊, 14 门诊慢特病, 2x 住院, 41 定点药店购药.
MED_TYPE_MIX: tuple[tuple[str, int], ...] = (
    ("11", 38),
    ("14", 27),
    ("21", 24),
    ("22", 3),
    ("2101", 2),
    ("24", 1),
    ("41", 5),
)

YEAR = 2024
DAY0 = dt.date(YEAR, 1, 1)
NEW_YEARS_EVE = dt.date(YEAR, 12, 31)


def _cum(mix: tuple[tuple[str, int], ...]) -> tuple[list[str], list[int]]:
    codes, weights, acc = [], [], 0
    for code, w in mix:
        acc += w
        codes.append(code)
        weights.append(acc)
    return codes, weights


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def generate(
    n_claims: int, n_persons: int, out_dir: Path, seed: int = 20240101
) -> tuple[Path, Path]:
    """Write identities.csv and claims.csv under ``out_dir``; return their paths."""
    if n_persons <= 0 or n_claims < 0:
        raise ValueError("need at least one person and a non-negative number of claims")
    rnd = random.Random(seed)
    out_dir.mkdir(parents=True, exist_ok=True)
    ids_path = out_dir / "identities.csv"
    claims_path = out_dir / "claims.csv"
    id_codes, id_cum = _cum(IDENTITY_MIX)
    med_codes, med_cum = _cum(MED_TYPE_MIX)
    width = max(6, len(str(n_persons)))

    with ids_path.open("w", encoding="utf-8", newline="") as fh:
        fh.write("psn_no,identity,begndate,enddate\n")
        for p in range(n_persons):
            psn = f"P{p:0{width}d}"
            code = rnd.choices(id_codes, cum_weights=id_cum)[0]
            if not code:
                continue
            begin = dt.date(2020 + rnd.randrange(4), 1 + rnd.randrange(12), 1 + rnd.randrange(28))
            r = rnd.random()
            if r < 0.12:
                # changes class during the year: old identity ends, a new one starts the next day
                cut = DAY0 + dt.timedelta(days=rnd.randrange(30, 330))
                new = rnd.choices(id_codes, cum_weights=id_cum)[0] or "dibao"
                fh.write(f"{psn},{code},{begin},{cut}\n")
                fh.write(f"{psn},{new},{cut + dt.timedelta(days=1)},\n")
            elif r < 0.18:
                # identity recognised during the year
                start = DAY0 + dt.timedelta(days=rnd.randrange(20, 340))
                fh.write(f"{psn},{code},{start},\n")
            elif r < 0.22:
                # identity ended during the year
                end = DAY0 + dt.timedelta(days=rnd.randrange(20, 340))
                fh.write(f"{psn},{code},{begin},{end}\n")
            elif r < 0.25:
                # two identities held at once (就高不就低)
                other = rnd.choices(id_codes, cum_weights=id_cum)[0] or "youfu"
                fh.write(f"{psn},{code},{begin},\n")
                if other != code:
                    fh.write(f"{psn},{other},{begin},\n")
            else:
                fh.write(f"{psn},{code},{begin},\n")

    with claims_path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,"
            "hifob_pay,out_of_area,referral,emergency,in_province\n"
        )
        buf: list[str] = []
        rand = rnd.random
        randrange = rnd.randrange
        for i in range(n_claims):
            psn = f"P{randrange(n_persons):0{width}d}"
            med = rnd.choices(med_codes, cum_weights=med_cum)[0]
            inpatient = med[0] == "2"
            if inpatient:
                los = 1 + min(int(rnd.expovariate(1 / 8)), 90)
                if rand() < 0.03:
                    # a stay across New Year: counts in the discharge year (§3)
                    begin = NEW_YEARS_EVE - dt.timedelta(days=randrange(los))
                else:
                    begin = DAY0 + dt.timedelta(days=randrange(366 - los))
                inscp = 300_000 + int(rnd.expovariate(1 / 2_500_000))  # fen
                fund = inscp * (50 + randrange(25)) // 100
                serious = rand() < 0.15
                hifmi = (inscp - fund) * randrange(20, 60) // 100 if serious else 0
            else:
                los = 0
                begin = DAY0 + dt.timedelta(days=randrange(366))
                inscp = 2_000 + int(rnd.expovariate(1 / 60_000))
                fund = inscp * (30 + randrange(40)) // 100
                hifmi = 0
            end = begin + dt.timedelta(days=los)
            hifob = (inscp - fund - hifmi) // 5 if rand() < 0.01 else 0
            out_area = rand() < 0.08
            referral = out_area and rand() < 0.6
            emergency = out_area and not referral and rand() < 0.25
            in_province = not out_area or rand() < 0.5
            secs = randrange(8 * 3600, 18 * 3600)
            settled = f"{end} {secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
            buf.append(
                f"S{i:09d},{psn},{settled},{med},{begin},{end},{_yuan(inscp)},{_yuan(fund)},"
                f"{_yuan(hifmi)},{_yuan(hifob)},{int(out_area)},{int(referral)},{int(emergency)},"
                f"{int(in_province)}\n"
            )
            if len(buf) >= 10_000:
                fh.writelines(buf)
                buf.clear()
        fh.writelines(buf)
    return ids_path, claims_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--claims", type=int, default=1_000_000)
    ap.add_argument("--persons", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20240101)
    ap.add_argument(
        "--out", type=Path, required=True, help="folder for identities.csv and claims.csv"
    )
    a = ap.parse_args(argv)
    ids, claims = generate(a.claims, a.persons, a.out, a.seed)
    print(f"wrote {ids} and {claims} ({a.claims} claims, {a.persons} persons, seed {a.seed})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
