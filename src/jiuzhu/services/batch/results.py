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


_FEN = tuple(f"{i:02d}" for i in range(100))


def _yuan(fen: int) -> str:
    """``format_fen`` of an amount, the common case (not negative) without ``%02d``,
    a third of the formatting time of a batch."""
    return f"{fen // 100}.{_FEN[fen % 100]}" if fen >= 0 else format_fen(fen)


def result_row(a: Assessment) -> list[str]:
    """One RESULTS.csv row: amounts as yuan with exactly two decimals."""
    return [
        a.setl_id,
        a.psn_no,
        a.identity,
        _yuan(a.maf_pay),
        _yuan(a.tilt_pay),
        str(a.year),
        a.class_id or "",
        _yuan(a.base),
        _yuan(a.deductible),
        a.reason,
        a.ratio_pct or a.ratio_text,
        a.article or a.ref,
    ]


def result_lines(assessments: Iterable[Assessment]) -> list[str]:
    """Each assessment's RESULTS.csv line, as ``csv.writer`` writes its row, so that
    lines computed apart can be put back in order. A row with no cell to quote (no
    comma, quote or line break: every row but an odd ``setl_id`` or ``psn_no``'s) is
    joined directly; any other goes through ``csv.writer``."""
    buf = io.StringIO()
    wr = csv.writer(buf, lineterminator="\n")
    seps = len(RESULT_COLUMNS) - 1
    out: list[str] = []
    for a in assessments:
        row = result_row(a)
        line = ",".join(row) + "\n"
        if '"' in line or "\r" in line or line.count(",") != seps or line.count("\n") != 1:
            wr.writerow(row)
            line = buf.getvalue()
            buf.seek(0)
            buf.truncate()
        out.append(line)
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
