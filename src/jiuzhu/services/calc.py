"""Batch calculation over files (`jiuzhu calc`, calc-contract §8).

Reading validates every row before anything is computed; the output is written to a
temporary file and moved into place only when the whole run succeeded, so bad input
leaves no output file. Work is partitioned by person: each person's claims are applied
in ``setl_time`` order on that person's own running totals.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import multiprocessing as mp
import os
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jiuzhu.adapters.files import write_atomically
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.dates import parse_date, parse_datetime
from jiuzhu.domain.engine import Assessment, Totals, assess, evaluate
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
                if not row or (not row[0].strip() and all(not c.strip() for c in row)):
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


def _row_parser(index: dict[str, int], name: str) -> Callable[[list[str], int, str, str], Claim]:
    """The parser of one CLAIMS.csv row whose ``setl_id`` and ``psn_no`` are checked.

    The hot path of `jiuzhu calc` (a million rows): well-formed cells take a short
    inline path (dates remembered by their text, ``d.dd`` amounts read as fen digits);
    anything else goes through the checking parsers above, which accept the same
    inputs and raise the located error. Checks run in the order of the columns of §8.
    """
    i_time, i_med, i_b, i_e = (index[c] for c in ("setl_time", "med_type", "begndate", "enddate"))
    amount_columns = [(c, index[c]) for c in ("inscp_scp_amt", "hifp_pay", "hifmi_pay")]
    i_hifob = index.get("hifob_pay")
    flag_idx = [(f, index.get(f), default) for f, default in CLAIM_FLAGS.items()]
    i_dise, i_age = index.get("dise_codg"), index.get("age")
    width = 1 + max(index.values())
    dates: dict[str, dt.date] = {}
    fromisoformat = dt.datetime.fromisoformat

    def parse(row: list[str], line: int, setl_id: str, psn: str) -> Claim:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        med = row[i_med].strip()
        if not med:
            raise InputError("empty med_type", file=name, line=line, column="med_type")
        t = row[i_time]
        if len(t) == 19 and t[10] == " " and t[4] == t[7] == "-" and t[13] == t[16] == ":":
            try:
                setl_time = fromisoformat(t)
            except ValueError:
                setl_time = parse_datetime(t, file=name, line=line, column="setl_time")
        else:
            setl_time = parse_datetime(t, file=name, line=line, column="setl_time")
        t = row[i_b]
        b = dates.get(t)
        if b is None:
            b = dates[t] = parse_date(t, file=name, line=line, column="begndate")
        t = row[i_e]
        e = dates.get(t)
        if e is None:
            e = dates[t] = parse_date(t, file=name, line=line, column="enddate")
        if e < b:
            raise InputError(
                f"enddate {e} is before begndate {b}", file=name, line=line, column="enddate"
            )
        amounts: list[int] = []
        for column, j in amount_columns:
            t = row[j]
            # "123.45": the digits without the point are the fen
            if len(t) > 3 and t[-3] == "." and t.isascii() and (d := t[:-3] + t[-2:]).isdigit():
                amounts.append(int(d))
            else:
                amounts.append(parse_amount(t, file=name, line=line, column=column))
        inscp, hifp, hifmi = amounts
        t = row[i_hifob] if i_hifob is not None else ""
        if t and t != "0" and t != "0.00" and t.strip():
            hifob = parse_amount(t, file=name, line=line, column="hifob_pay")
        else:
            hifob = 0
        flags: list[bool] = []
        for column, fi, default in flag_idx:
            t = row[fi] if fi is not None else ""
            if t == "0":
                flags.append(False)
            elif t == "1":
                flags.append(True)
            else:
                t = t.strip()
                flags.append(parse_flag(t, file=name, line=line, column=column) if t else default)
        out_of_area, referral, emergency, in_province = flags
        dise = row[i_dise].strip() if i_dise is not None else ""
        age = None
        if i_age is not None and (t := row[i_age].strip()):
            if not (t.isascii() and t.isdigit() and int(t) <= 150):
                raise InputError(
                    f"malformed age {t!r} (whole years, 0–150)", file=name, line=line, column="age"
                )
            age = int(t)
        return Claim(
            setl_id, psn, setl_time, med, b, e, inscp, hifp, hifmi, hifob,
            out_of_area, referral, emergency, in_province, dise, age,
        )  # fmt: skip

    return parse


def read_claims(path: Path) -> list[Claim]:
    """CLAIMS.csv → claims in input order, every field checked (calc-contract §8)."""
    name = str(path)
    rows = _open_csv(path)
    _, index, _ = next(rows)
    _require_columns(index, CLAIM_REQUIRED, name)
    i_id, i_psn = index["setl_id"], index["psn_no"]
    width = 1 + max(index.values())
    parse = _row_parser(index, name)
    seen: dict[str, int] = {}
    claims: list[Claim] = []
    append = claims.append
    for line, _, row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        setl_id = row[i_id].strip()
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
        psn = row[i_psn].strip()
        if not psn:
            raise InputError("empty psn_no", file=name, line=line, column="psn_no")
        append(parse(row, line, setl_id, psn))
    return claims


TotalsKey = tuple[str, int]
_T = TypeVar("_T")


@dataclass
class RunResult:
    assessments: list[Assessment]
    totals: dict[TotalsKey, Totals]


def _person_groups(claims: list[Claim]) -> list[list[int]]:
    """Positions of each person's claims, persons in order of first appearance."""
    by_person: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(claims):
        by_person[c.psn_no].append(i)
    return list(by_person.values())


def _in_order(claims: list[Claim], idxs: list[int]) -> list[int]:
    """One person's positions in settlement order: ``setl_time``, ties by ``setl_id`` (§3)."""
    if len(idxs) < 2:
        return idxs
    return sorted(idxs, key=lambda i: (claims[i].setl_time, claims[i].setl_id))


def run_claims(
    claims: list[Claim],
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    totals: dict[TotalsKey, Totals] | None = None,
    progress: Callable[[int], None] | None = None,
    *,
    trace: bool | Collection[str] = True,
) -> RunResult:
    """Apply the engine person by person, each person's claims in settlement order.

    Results come back in input order. ``totals`` carries person-year totals in from an
    earlier run and is returned updated, so a year can be split into several runs.
    ``trace``: keep every assessment's cited trace (True), none (False), or only those
    of the given ``setl_id``s; the figures are the same either way.
    """
    running: dict[TotalsKey, Totals] = dict(totals or {})
    out: list[Assessment | None] = [None] * len(claims)
    no_spans: list[IdentitySpan] = []
    done = 0
    zero = Totals()
    traced = frozenset() if isinstance(trace, bool) else frozenset(trace)
    all_traced = trace is True
    for group in _person_groups(claims):
        psn = claims[group[0]].psn_no
        spans = identities.get(psn, no_spans)
        for i in _in_order(claims, group):
            c = claims[i]
            key = (psn, c.enddate.year)
            a = assess(
                c, spans, running.get(key, zero), policy, trace=all_traced or c.setl_id in traced
            )
            running[key] = a.after
            out[i] = a
        done += len(group)
        if progress is not None:
            progress(len(group))
    assert done == len(claims)
    return RunResult(out, running)  # type: ignore[arg-type]


@dataclass
class BatchResult:
    """What `jiuzhu calc` needs from a run: RESULTS.csv lines in input order, the
    person-year totals after the run, the per-identity summary and the traced claims."""

    lines: list[str]
    totals: dict[TotalsKey, Totals]
    summary: dict[str, list[int]]
    explained: dict[str, Assessment]


_PartResult = tuple[
    list[int], list[str], dict[TotalsKey, Totals], dict[str, list[int]], dict[str, Assessment]
]


_FEN = tuple(f"{i:02d}" for i in range(100))


def _fmt(fen: int) -> str:
    return format_fen(fen) if fen else "0.00"


def _run_part(
    claims: list[Claim],
    groups: list[list[int]],
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    totals: dict[TotalsKey, Totals],
    explain: frozenset[str],
    progress: Callable[[int], None] | None = None,
) -> _PartResult:
    """The batch over some persons: (positions, lines, totals touched, summary, traced).

    Each line is exactly what :func:`write_results` writes for that claim: a plain
    line is formatted directly, one that needs CSV quoting goes through ``csv.writer``.
    """
    positions: list[int] = []
    lines: list[str] = []
    touched: dict[TotalsKey, Totals] = {}
    summary: dict[str, list[int]] = {}
    explained: dict[str, Assessment] = {}
    no_spans: list[IdentitySpan] = []
    zero = Totals()
    terms_on = policy.terms_on
    add_pos = positions.append
    add_line = lines.append
    for group in groups:
        psn = claims[group[0]].psn_no
        spans = identities.get(psn, no_spans)
        for i in _in_order(claims, group):
            c = claims[i]
            year = c.enddate.year
            key = (psn, year)
            before = touched.get(key)
            if before is None:
                before = totals.get(key, zero)
            if explain and c.setl_id in explain:
                a = assess(c, spans, before, policy)
                explained[c.setl_id] = a
                code, cid, reason, base, ded, maf, tilt = (
                    a.identity,
                    a.class_id,
                    a.reason,
                    a.base,
                    a.deductible,
                    a.maf_pay,
                    a.tilt_pay,
                )
                after, pct, article = a.after, a.ratio_pct, a.article
            else:
                code, cid, reason, base, ded, maf, tilt, after, pct, article = evaluate(
                    c, spans, before, terms_on(c.enddate)
                )
            touched[key] = after
            # amounts are never negative: yuan and two-digit fen, as format_fen writes them
            # (the table avoids the slow "%02d" formatting, a third of the loop's time)
            tilt_s = f"{tilt // 100}.{_FEN[tilt % 100]}" if tilt else "0.00"
            ded_s = f"{ded // 100}.{_FEN[ded % 100]}" if ded else "0.00"
            line = (
                f"{c.setl_id},{psn},{code},{maf // 100}.{_FEN[maf % 100]},{tilt_s},{year},"
                f"{cid or ''},{base // 100}.{_FEN[base % 100]},{ded_s},{reason},{pct},{article}\n"
            )
            if '"' in line or "\r" in line or line.count(",") != 11 or line.count("\n") != 1:
                line = _csv_line(
                    [c.setl_id, psn, code, _fmt(maf), _fmt(tilt), str(year), cid or "",
                     _fmt(base), _fmt(ded), reason, pct, article]
                )  # fmt: skip
            add_pos(i)
            add_line(line)
            s = summary.get(code)
            if s is None:
                s = summary[code] = [0, 0, 0, 0]
            s[0] += 1
            if maf or tilt:
                s[1] += 1
            s[2] += maf
            s[3] += tilt
        if progress is not None:
            progress(len(group))
    return positions, lines, touched, summary, explained


def _csv_line(row: list[str]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerow(row)
    return buf.getvalue()


PARALLEL_FROM = 100_000
"""Below this many claims a second process costs more than it saves."""

_FORKED_WORK: Callable[[int], Any] | None = None
"""The work of part ``k``, for forked workers: set just before the fork."""


def _run_forked(k: int) -> Any:
    assert _FORKED_WORK is not None
    return _FORKED_WORK(k)


def available_workers() -> int:
    """CPUs this process may use, when it can fork workers (else 1)."""
    if "fork" not in mp.get_all_start_methods():
        return 1
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def _split(groups: list[list[int]], n: int) -> list[list[list[int]]]:
    """``n`` runs of whole persons with about the same number of claims each."""
    total = sum(len(g) for g in groups)
    parts: list[list[list[int]]] = [[] for _ in range(n)]
    k, acc = 0, 0
    for g in groups:
        if k < n - 1 and acc >= total * (k + 1) / n:  # float ok: a claim count, not money
            k += 1
        parts[k].append(g)
        acc += len(g)
    return parts


def _in_parts(n: int, work: Callable[[int], _T]) -> list[_T] | None:
    """``work(0)`` here and ``work(1…n-1)`` in forked children, at the same time.

    None if any part raised: the caller then runs the whole in this process, which
    raises the error the one-process path raises (and no exception object has to
    survive a trip through pickle)."""
    global _FORKED_WORK

    def guarded(k: int) -> _T | None:
        try:
            return work(k)
        except Exception:
            return None

    _FORKED_WORK = guarded
    try:
        with mp.get_context("fork").Pool(n - 1) as pool:
            pending = pool.map_async(_run_forked, range(1, n))
            results = [guarded(0), *pending.get()]
    finally:
        _FORKED_WORK = None
    return None if any(r is None for r in results) else results


def _merge(
    results: list[_PartResult], n_claims: int, carried: dict[TotalsKey, Totals]
) -> BatchResult:
    lines: list[str] = [""] * n_claims
    summary: dict[str, list[int]] = {}
    explained: dict[str, Assessment] = {}
    for positions, part_lines, touched, part_summary, part_explained in results:
        for pos, line in zip(positions, part_lines, strict=True):
            lines[pos] = line
        carried.update(touched)
        for code, v in part_summary.items():
            s = summary.setdefault(code, [0, 0, 0, 0])
            for j in range(4):
                s[j] += v[j]
        explained.update(part_explained)
    return BatchResult(lines, carried, summary, explained)


def run_batch(
    claims: list[Claim],
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    totals: dict[TotalsKey, Totals] | None = None,
    *,
    explain: Collection[str] = (),
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """`jiuzhu calc`'s engine run: the same figures as :func:`run_claims`, as output lines.

    With ``workers > 1`` (and at least :data:`PARALLEL_FROM` claims, on a system that
    can fork) the persons are split into ``workers`` parts; the parent computes the
    first, forked children the others. A person's claims always stay in one part, and
    persons do not affect each other, so the output is the same to the fen and byte.
    """
    carried = dict(totals or {})
    wanted = frozenset(explain)
    groups = _person_groups(claims)
    n = min(workers, available_workers()) if len(claims) >= PARALLEL_FROM else 1
    results = None
    if n > 1:
        parts = _split(groups, n)
        results = _in_parts(
            n,
            lambda k: _run_part(
                claims, parts[k], identities, policy, carried, wanted, progress if k == 0 else None
            ),
        )
        if results is not None and progress is not None:
            progress(len(claims) - len(results[0][0]))
    if results is None:
        results = [_run_part(claims, groups, identities, policy, carried, wanted, progress)]
    return _merge(results, len(claims), carried)


@dataclass
class _PlainFile:
    """A CLAIMS.csv with no quoting, cut into lines, its rows grouped by person."""

    name: str
    lines: list[str]
    index: dict[str, int]
    rows: list[int]
    """Line numbers of the data rows, in input order."""
    setl_ids: set[str]
    groups: list[list[int]]
    """Positions (in ``rows``) of each person's claims, persons in order of appearance."""


def _plain_file(path: Path) -> _PlainFile | None:
    """The file cut into lines if plain CSV splitting reads it exactly as ``csv`` does
    (UTF-8, no quote, NUL, bare CR or over-long line) and every row has its setl_id and
    psn_no, none repeated; otherwise None, and the caller uses :func:`read_claims`."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    if '"' in text or "\x00" in text:
        return None
    if "\r" in text:
        if text.count("\r") != text.count("\r\n"):
            return None
        text = text.replace("\r\n", "\n")
    lines = text.split("\n")
    if max(map(len, lines)) >= csv.field_size_limit():
        return None
    index = {h.strip(): i for i, h in enumerate(lines[0].split(","))}
    if any(c not in index for c in CLAIM_REQUIRED):
        return None
    i_id, i_psn = index["setl_id"], index["psn_no"]
    width = 1 + max(index.values())
    seen: set[str] = set()
    by_person: dict[str, list[int]] = defaultdict(list)
    rows: list[int] = []
    for n in range(1, len(lines)):
        cells = lines[n].split(",")
        if not cells[0].strip() and all(not c.strip() for c in cells):
            continue  # a blank line, as _open_csv skips it
        if len(cells) < width:
            cells += [""] * (width - len(cells))
        setl_id, psn = cells[i_id].strip(), cells[i_psn].strip()
        if not setl_id or not psn or setl_id in seen:
            return None
        seen.add(setl_id)
        by_person[psn].append(len(rows))
        rows.append(n + 1)
    return _PlainFile(str(path), lines, index, rows, seen, list(by_person.values()))


def _run_plain_part(
    f: _PlainFile,
    groups: list[list[int]],
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    totals: dict[TotalsKey, Totals],
    explain: frozenset[str],
) -> _PartResult:
    """Parse the rows of some persons and run them (a bad row raises its InputError)."""
    parse = _row_parser(f.index, f.name)
    i_id, i_psn = f.index["setl_id"], f.index["psn_no"]
    width = 1 + max(f.index.values())
    claims: list[Claim] = []
    where: list[int] = []
    local: list[list[int]] = []
    for group in groups:
        mine = []
        for pos in group:
            line = f.rows[pos]
            cells = f.lines[line - 1].split(",")
            if len(cells) < width:
                cells += [""] * (width - len(cells))
            setl_id, psn = cells[i_id].strip(), cells[i_psn].strip()
            mine.append(len(claims))
            claims.append(parse(cells, line, setl_id, psn))
            where.append(pos)
        local.append(mine)
    positions, *rest = _run_part(claims, local, identities, policy, totals, explain)
    return ([where[i] for i in positions], *rest)  # type: ignore[return-value]


def run_file(
    path: Path,
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    totals: dict[TotalsKey, Totals] | None = None,
    *,
    explain: Collection[str] = (),
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> BatchResult:
    """`jiuzhu calc` on CLAIMS.csv: read, check, run; ``explain`` ids must be in the file.

    With ``workers > 1`` a large plain file (see :func:`_plain_file`) is cut by person
    here and parsed as well as assessed in the forked parts, so that reading runs in
    parallel too. If any part meets a bad row the file is read again by
    :func:`read_claims`, which raises exactly the error the one-process path raises;
    valid files give the same output either way (tests/unit/test_calc_batch.py).
    """
    wanted = frozenset(explain)
    n = min(workers, available_workers())
    plain = _plain_file(path) if n > 1 and _size(path) >= PARALLEL_FROM * 40 else None
    if plain is not None and len(plain.rows) >= PARALLEL_FROM:
        carried = dict(totals or {})
        parts = _split(plain.groups, n)
        results = _in_parts(
            n, lambda k: _run_plain_part(plain, parts[k], identities, policy, carried, wanted)
        )
        if results is not None:
            _check_explain(explain, plain.setl_ids, path)
            if progress is not None:
                progress(len(plain.rows))
            return _merge(results, len(plain.rows), carried)
        n = 1  # a part refused a row or failed: the one-process path raises the error
    claims = read_claims(path)
    _check_explain(explain, {c.setl_id for c in claims} if wanted else set(), path)
    return run_batch(
        claims, identities, policy, totals, explain=wanted, workers=n, progress=progress
    )


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # read_claims says why


def _check_explain(wanted: Collection[str], known: set[str], path: Path) -> None:
    for setl_id in wanted:
        if setl_id in known:
            continue
        raise InputError(
            f"no settlement {setl_id!r} in the claims file", file=str(path), column="setl_id"
        )


def result_row(a: Assessment) -> list[str]:
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


def write_lines(path: Path, lines: list[str]) -> None:
    """RESULTS.csv from :class:`BatchResult` lines: the header, then the lines, atomically."""

    def w(fh: object) -> None:
        fh.write(",".join(RESULT_COLUMNS) + "\n")  # type: ignore[attr-defined]
        fh.writelines(lines)  # type: ignore[attr-defined]

    write_atomically(path, w)


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
    "run_batch",
    "run_file",
    "write_lines",
    "write_results",
    "read_totals",
    "write_totals",
    "summarise",
]
