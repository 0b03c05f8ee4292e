"""Batch calculation over files (`jiuzhu calc`, calc-contract §8).

Reading validates every row before anything is computed; the output is written to a
temporary file and moved into place only when the whole run succeeded, so bad input
leaves no output file. Work is partitioned by person: each person's claims are applied
in ``setl_time`` order on that person's own running totals.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import os
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import Assessment, Totals, assess
from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import AmountError, format_fen, parse_fen
from jiuzhu.policy.schema import IDENTITY_CODES

IDENTITY_COLUMNS = ("psn_no", "identity", "begndate", "enddate")
CLAIM_REQUIRED = (
    "setl_id",
    "psn_no",
    "setl_time",
    "med_type",
    "begndate",
    "enddate",
    "inscp_scp_amt",
    "hifp_pay",
    "hifmi_pay",
)
CLAIM_OPTIONAL_AMOUNTS = ("hifob_pay",)
CLAIM_FLAGS = {"out_of_area": False, "referral": False, "emergency": False, "in_province": True}
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


def parse_date(text: str, *, file: str, line: int, column: str) -> dt.date:
    s = text.strip()
    if len(s) != 10 or s[4] != "-" or s[7] != "-":
        raise InputError(
            f"malformed date {text!r} (expected YYYY-MM-DD)", file=file, line=line, column=column
        )
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise InputError(
            f"malformed date {text!r} (expected YYYY-MM-DD)", file=file, line=line, column=column
        ) from None


def parse_datetime(text: str, *, file: str, line: int, column: str) -> dt.datetime:
    s = text.strip()
    if len(s) != 19 or s[10] != " ":
        raise InputError(
            f"malformed time {text!r} (expected YYYY-MM-DD HH:MM:SS)",
            file=file,
            line=line,
            column=column,
        )
    try:
        return dt.datetime.fromisoformat(s)
    except ValueError:
        raise InputError(
            f"malformed time {text!r} (expected YYYY-MM-DD HH:MM:SS)",
            file=file,
            line=line,
            column=column,
        ) from None


def parse_amount(text: str, *, file: str, line: int, column: str) -> int:
    try:
        return parse_fen(text)
    except AmountError as exc:
        raise InputError(str(exc), file=file, line=line, column=column) from None


def parse_flag(text: str, *, file: str, line: int, column: str) -> bool:
    s = text.strip()
    if s == "1":
        return True
    if s == "0":
        return False
    raise InputError(f"flag must be 0 or 1, got {text!r}", file=file, line=line, column=column)


def _open_csv(path: Path) -> Iterator[tuple[int, dict[str, int], list[str]]]:
    """Yield (line number, header index, row) of a UTF-8 CSV with a header row."""
    name = str(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=name) from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("empty file: no header row", file=name, line=1) from None
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", file=name, line=1) from None
        index = {h.strip(): i for i, h in enumerate(header)}
        yield 1, index, header
        try:
            for row in reader:
                if not row or all(not c.strip() for c in row):
                    continue
                yield reader.line_num, index, row
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", file=name, line=reader.line_num + 1) from None
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", file=name, line=reader.line_num) from None


def _require_columns(index: dict[str, int], required: Iterable[str], file: str) -> None:
    for col in required:
        if col not in index:
            raise InputError("missing column", file=file, line=1, column=col)


def _cell(row: list[str], i: int | None) -> str:
    if i is None or i >= len(row):
        return ""
    return row[i]


def read_identities(
    path: Path, code_map: dict[str, str] | None = None
) -> dict[str, list[IdentitySpan]]:
    """IDENTITIES.csv → spans per person. Outside codes are mapped by the operator's table."""
    name = str(path)
    code_map = code_map or {}
    out: dict[str, list[IdentitySpan]] = defaultdict(list)
    rows = _open_csv(path)
    _, index, _ = next(rows)
    _require_columns(index, IDENTITY_COLUMNS, name)
    ip, ii, ib, ie = (index[c] for c in IDENTITY_COLUMNS)
    for line, _, row in rows:
        psn = _cell(row, ip).strip()
        if not psn:
            raise InputError("empty psn_no", file=name, line=line, column="psn_no")
        raw = _cell(row, ii).strip()
        code = code_map.get(raw, raw)
        if code not in IDENTITY_CODES:
            raise InputError(
                f"unknown identity code {raw!r}", file=name, line=line, column="identity"
            )
        b = parse_date(_cell(row, ib), file=name, line=line, column="begndate")
        e_text = _cell(row, ie).strip()
        e = parse_date(e_text, file=name, line=line, column="enddate") if e_text else None
        if e is not None and e < b:
            raise InputError(
                f"enddate {e} is before begndate {b}", file=name, line=line, column="enddate"
            )
        out[psn].append(IdentitySpan(code, b, e))
    return dict(out)


def read_claims(path: Path) -> list[Claim]:
    """CLAIMS.csv → claims in input order, every field checked (calc-contract §8)."""
    name = str(path)
    rows = _open_csv(path)
    _, index, _ = next(rows)
    _require_columns(index, CLAIM_REQUIRED, name)
    (i_id, i_psn, i_time, i_med, i_b, i_e, i_inscp, i_hifp, i_hifmi) = (
        index[c] for c in CLAIM_REQUIRED
    )
    i_hifob = index.get("hifob_pay")
    flag_idx = [(f, index.get(f), default) for f, default in CLAIM_FLAGS.items()]
    seen: dict[str, int] = {}
    claims: list[Claim] = []
    append = claims.append
    for line, _, row in rows:
        setl_id = _cell(row, i_id).strip()
        if not setl_id:
            raise InputError("empty setl_id", file=name, line=line, column="setl_id")
        if setl_id in seen:
            raise InputError(
                f"duplicate setl_id {setl_id!r} (first on line {seen[setl_id]})",
                file=name,
                line=line,
                column="setl_id",
            )
        seen[setl_id] = line
        psn = _cell(row, i_psn).strip()
        if not psn:
            raise InputError("empty psn_no", file=name, line=line, column="psn_no")
        med = _cell(row, i_med).strip()
        if not med:
            raise InputError("empty med_type", file=name, line=line, column="med_type")
        setl_time = parse_datetime(_cell(row, i_time), file=name, line=line, column="setl_time")
        b = parse_date(_cell(row, i_b), file=name, line=line, column="begndate")
        e = parse_date(_cell(row, i_e), file=name, line=line, column="enddate")
        if e < b:
            raise InputError(
                f"enddate {e} is before begndate {b}", file=name, line=line, column="enddate"
            )
        inscp = parse_amount(_cell(row, i_inscp), file=name, line=line, column="inscp_scp_amt")
        hifp = parse_amount(_cell(row, i_hifp), file=name, line=line, column="hifp_pay")
        hifmi = parse_amount(_cell(row, i_hifmi), file=name, line=line, column="hifmi_pay")
        ob_text = _cell(row, i_hifob).strip()
        hifob = parse_amount(ob_text, file=name, line=line, column="hifob_pay") if ob_text else 0
        flags = []
        for fname, fi, default in flag_idx:
            t = _cell(row, fi).strip()
            flags.append(parse_flag(t, file=name, line=line, column=fname) if t else default)
        append(Claim(setl_id, psn, setl_time, med, b, e, inscp, hifp, hifmi, hifob, *flags))
    return claims


TotalsKey = tuple[str, int]


@dataclass
class RunResult:
    assessments: list[Assessment]
    totals: dict[TotalsKey, Totals]


def run_claims(
    claims: list[Claim],
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    totals: dict[TotalsKey, Totals] | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Apply the engine person by person, each person's claims in settlement order.

    Results come back in input order. ``totals`` carries person-year totals in from an
    earlier run and is returned updated, so a year can be split into several runs.
    """
    running: dict[TotalsKey, Totals] = dict(totals or {})
    by_person: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(claims):
        by_person[c.psn_no].append(i)
    out: list[Assessment | None] = [None] * len(claims)
    no_spans: list[IdentitySpan] = []
    done = 0
    zero = Totals()
    for psn, idxs in by_person.items():
        idxs.sort(key=lambda i: (claims[i].setl_time, claims[i].setl_id))
        spans = identities.get(psn, no_spans)
        for i in idxs:
            c = claims[i]
            key = (psn, c.enddate.year)
            a = assess(c, spans, running.get(key, zero), policy)
            running[key] = a.after
            out[i] = a
        done += len(idxs)
        if progress is not None:
            progress(len(idxs))
    assert done == len(claims)
    return RunResult(out, running)  # type: ignore[arg-type]


def result_row(a: Assessment) -> list[str]:
    return [
        a.setl_id,
        a.psn_no,
        a.identity,
        format_fen(a.maf_pay),
        format_fen(a.tilt_pay),
        str(a.year),
        a.class_id or "",
        format_fen(a.base),
        format_fen(a.deductible),
        a.reason,
        a.ratio_text,
        a.ref,
    ]


def write_atomically(path: Path, write: Callable[[object], None]) -> None:
    """Write through a temporary file in the same folder, then rename: all or nothing."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent or Path(".")))
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            write(fh)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_results(path: Path, assessments: list[Assessment]) -> None:
    def w(fh: object) -> None:
        wr = csv.writer(fh, lineterminator="\n")  # type: ignore[arg-type]
        wr.writerow(RESULT_COLUMNS)
        wr.writerows(result_row(a) for a in assessments)

    write_atomically(path, w)


TOTALS_COLUMNS = ("psn_no", "year", "S", "P", "R", "TP")


def read_totals(path: Path) -> dict[TotalsKey, Totals]:
    name = str(path)
    rows = _open_csv(path)
    _, index, _ = next(rows)
    _require_columns(index, TOTALS_COLUMNS, name)
    out: dict[TotalsKey, Totals] = {}
    for line, _, row in rows:
        psn = _cell(row, index["psn_no"]).strip()
        try:
            year = int(_cell(row, index["year"]))
        except ValueError:
            raise InputError(
                "year must be an integer", file=name, line=line, column="year"
            ) from None
        vals = [
            parse_amount(_cell(row, index[c]), file=name, line=line, column=c)
            for c in ("S", "P", "R", "TP")
        ]
        out[(psn, year)] = Totals(*vals)
    return out


def write_totals(path: Path, totals: dict[TotalsKey, Totals]) -> None:
    def w(fh: object) -> None:
        wr = csv.writer(fh, lineterminator="\n")  # type: ignore[arg-type]
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


__all__ = [
    "JiuzhuError",
    "read_identities",
    "read_claims",
    "run_claims",
    "write_results",
    "read_totals",
    "write_totals",
    "summarise",
]
