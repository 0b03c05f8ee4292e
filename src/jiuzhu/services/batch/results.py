"""The one result formatter of `jiuzhu calc` (calc-contract §8): RESULTS.csv rows, the
person-year totals file and the per-identity summary, from the scalar engine's
assessments.

Every path that is not compiled formats here. The compiled twin, ``format_kernel``,
writes the same bytes from the columnar engine's figures
(tests/unit/test_columnar_differential.py).
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path
from typing import IO

from jiuzhu.adapters.files import write_atomically
from jiuzhu.domain.engine import Assessment, Totals
from jiuzhu.policy.money import format_fen
from jiuzhu.services.batch.readers import TOTALS_COLUMNS, TotalsKey

RESULT_COLUMNS = (
    "setl_id",
    "psn_no",
    "identity",
    "maf_pay",
    "tilt_pay",
    "year",
    "class",
    "base",
    "deductible",
    "reason",
    "ratio",
    "article",
)


def result_row(a: Assessment) -> list[str]:
    """One RESULTS.csv row: amounts as yuan with exactly two decimals."""
    return [
        a.setl_id,
        a.psn_no,
        a.identity,
        format_fen(a.maf_pay) if a.maf_pay else "0.00",
        format_fen(a.tilt_pay) if a.tilt_pay else "0.00",
        str(a.year),
        a.class_id or "",
        format_fen(a.base),
        format_fen(a.deductible) if a.deductible else "0.00",
        a.reason,
        a.ratio_text,
        a.ref,
    ]


def result_lines(assessments: Iterable[Assessment]) -> list[str]:
    """Each assessment's RESULTS.csv line, as ``csv.writer`` writes its row (quoted
    where a cell needs it), so that lines computed apart can be put back in order."""
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    out: list[str] = []
    for a in assessments:
        wr.writerow(result_row(a))
        out.append(buf.getvalue())
        buf.seek(0)
        buf.truncate()
    return out


def write_lines(path: Path, lines: Iterable[str]) -> None:
    """RESULTS.csv: the header, then the lines of :func:`result_lines`, atomically."""

    def w(fh: IO[str]) -> None:
        fh.write(",".join(RESULT_COLUMNS) + "\n")
        fh.writelines(lines)

    write_atomically(path, w)


def write_results(path: Path, assessments: Iterable[Assessment]) -> None:
    write_lines(path, result_lines(assessments))


def write_totals(path: Path, totals: dict[TotalsKey, Totals]) -> None:
    """The person-year totals after a run (``--totals-out``), for ``--totals-in``."""

    def w(fh: IO[str]) -> None:
        wr = csv.writer(fh, lineterminator="\n")
        wr.writerow(TOTALS_COLUMNS)
        for (psn, year), t in sorted(totals.items()):
            wr.writerow(
                [psn, year, format_fen(t.S), format_fen(t.P), format_fen(t.R), format_fen(t.TP)]
            )

    write_atomically(path, w)


def summarise(assessments: Iterable[Assessment]) -> dict[str, list[int]]:
    """Per identity: [claims, paid claims, maf fen, tilt fen]; key '' = no identity."""
    out: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for a in assessments:
        s = out[a.identity]
        s[0] += 1
        if a.maf_pay or a.tilt_pay:
            s[1] += 1
        s[2] += a.maf_pay
        s[3] += a.tilt_pay
    return dict(out)


def add_summaries(parts: Iterable[dict[str, list[int]]]) -> dict[str, list[int]]:
    """The summary of several runs over different persons."""
    out: dict[str, list[int]] = {}
    for part in parts:
        for code, v in part.items():
            s = out.setdefault(code, [0, 0, 0, 0])
            for j in range(4):
                s[j] += v[j]
    return out
