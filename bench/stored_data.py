"""Bench data: the generated claims stored as settlements (PostgreSQL COPY), with the
registry's persons and identities, the payments those of the engine (ningxia)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
from sqlalchemy.engine import Engine

from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.batch.run import IdentitySource, compute
from jiuzhu.services.batch.tables import CODES, REASONS

SETTLEMENT = (
    "setl_id, psn_no, year, region, source, body_hash, body, setl_time, begndate, enddate, "
    "med_type, identity, class_id, reason, base, deductible, maf_pay, tilt_pay, d_s, d_p, d_r, "
    "d_tp, trace, answer, status, created_at, inscp_scp_amt, hifp_pay, hifmi_pay, hifob_pay, "
    "out_of_area, referral, emergency, in_province"
)


def _fen(text: str) -> int:
    whole, _, frac = text.partition(".")
    return int(whole) * 100 + int((frac + "00")[:2])


def fill_settlements(engine: Engine, ids: Path, claims: Path) -> int:
    policy = RegionPolicy.load("ningxia")
    cols = cc.read_columns(claims)
    assert cols is not None
    tables, f = compute(cols, IdentitySource(ids), policy) or (None, None)
    assert tables is not None and f is not None
    now = dt.datetime(2025, 1, 15, 12, 0, 0).isoformat(sep=" ")
    id_lines = ids.read_text(encoding="utf-8").splitlines()[1:]
    persons: dict[str, int] = {}
    for line in id_lines:
        persons.setdefault(line.split(",", 1)[0], len(persons) + 1)
    for i in range(cols.n):
        persons.setdefault(cols.text(i, cc.PSN0), len(persons) + 1)
    strings = tables.strings.texts
    klass = np.where(f.klass >= 0, tables.class_text[f.period, np.maximum(f.klass, 0), 0], 0)
    raw = engine.raw_connection()
    try:
        cur = raw.cursor()
        with cur.copy("COPY person (id, psn_no, created_at, updated_at) FROM STDIN") as cp:
            for psn, pid in persons.items():
                cp.write(f"{pid}\t{psn}\t{now}\t{now}\n")
        with cur.copy(
            "COPY person_identity (person_id, psn_no, code, begndate, enddate, source, "
            "created_at, updated_at) FROM STDIN"
        ) as cp:
            for line in id_lines:
                psn, code, b, e = line.split(",")
                cp.write(
                    f"{persons[psn]}\t{psn}\t{code}\t{b}\t{e or chr(92) + 'N'}\tyibao\t{now}\t{now}\n"
                )
        lines = claims.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        at = {h: k for k, h in enumerate(header)}
        with cur.copy(f"COPY settlement ({SETTLEMENT}) FROM STDIN") as cp:
            buf: list[str] = []
            for i, line in enumerate(lines[1:]):
                c = line.split(",")
                amounts = [_fen(c[at[k]]) for k in ("inscp_scp_amt", "hifp_pay", "hifmi_pay",
                                                     "hifob_pay")]  # fmt: skip
                flags = [c[at[k]] for k in ("out_of_area", "referral", "emergency", "in_province")]
                code = int(f.code[i])
                maf, tilt = int(f.maf[i]), int(f.tilt[i])
                buf.append(
                    "\t".join(
                        map(str, (
                            c[0], c[1], int(cols.cols[cc.YEAR, i]), "ningxia", "import",
                            f"h{i}", "{}", c[2], c[4], c[5], c[3],
                            CODES[code] if code >= 0 else "", strings[int(klass[i])] or "\\N",
                            REASONS[int(f.reason[i])], int(cols.cols[cc.BASE, i]), int(f.ded[i]),
                            maf, tilt, 0, maf, 0, tilt, "[]", "{}", "settled", now,
                            *amounts, *flags,
                        ))
                    )
                    + "\n"
                )  # fmt: skip
                if len(buf) >= 50_000:
                    cp.write("".join(buf))
                    buf.clear()
            cp.write("".join(buf))
        raw.commit()
    finally:
        raw.close()
    return cols.n
