"""`jiuzhu calc` on the columnar engine: read once, classify, run the kernel, format once.

:func:`calc_file` is what the command calls. It takes the columnar path when the file
is plain and the policy compiles; otherwise (and for every refusal) it runs the
reference path (``reference.run_file``), which raises the located error. Both give the
same RESULTS.csv byte for byte (tests/unit/test_columnar_differential.py). ``--explain``
runs the reference engine, with its cited trace, over the explained person's claims.
"""

from __future__ import annotations

import contextlib
import ctypes
import time
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import numpy as np

from jiuzhu.adapters.files import write_atomically
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import Assessment, Totals
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.batch import engine_kernel as ek
from jiuzhu.services.batch import format_kernel as fk
from jiuzhu.services.batch import readers, reference, results
from jiuzhu.services.batch.readers import TotalsKey
from jiuzhu.services.batch.tables import CODES, PolicyTables, compile_policy

CHUNK = 1 << 14
"""Rows formatted per write (bounds the output buffer)."""
INT64_HEADROOM = 1 << 62


class CalcOutcome(Protocol):
    """What the command prints and writes, whichever path computed it."""

    n_claims: int
    summary: dict[str, list[int]]
    explained: dict[str, Assessment]

    @property
    def totals(self) -> dict[TotalsKey, Totals]: ...

    def write_results(self, path: Path) -> None: ...


@dataclass
class ReferenceOutcome:
    """The reference path's result (``reference.BatchResult``)."""

    result: reference.BatchResult
    n_claims: int = field(init=False)
    summary: dict[str, list[int]] = field(init=False)
    explained: dict[str, Assessment] = field(init=False)

    def __post_init__(self) -> None:
        self.n_claims = len(self.result.lines)
        self.summary = self.result.summary
        self.explained = self.result.explained

    @property
    def totals(self) -> dict[TotalsKey, Totals]:
        return self.result.totals

    def write_results(self, path: Path) -> None:
        results.write_lines(path, self.result.lines)


@dataclass
class Figures:
    """The kernel's figures per claim (input order) and per person-year."""

    period: np.ndarray
    code: np.ndarray
    klass: np.ndarray
    reason: np.ndarray
    ded: np.ndarray
    maf: np.ndarray
    tilt: np.ndarray
    py_first: np.ndarray
    py_year: np.ndarray
    py_totals: np.ndarray


@dataclass
class ColumnarOutcome:
    claims: cc.ClaimColumns
    tables: PolicyTables
    figures: Figures
    carried: dict[TotalsKey, Totals]
    explained: dict[str, Assessment]
    n_claims: int = field(init=False)
    summary: dict[str, list[int]] = field(init=False)

    def __post_init__(self) -> None:
        self.n_claims = self.claims.n
        f = self.figures
        rows = ek.summarise(f.code, f.maf, f.tilt, len(CODES))
        self.summary = {
            ("" if c == 0 else CODES[c - 1]): [int(x) for x in rows[c]]
            for c in range(len(rows))
            if rows[c, 0]
        }

    @property
    def totals(self) -> dict[TotalsKey, Totals]:
        f = self.figures
        out = dict(self.carried)
        for q in range(len(f.py_year)):
            psn = self.claims.text(int(f.py_first[q]), cc.PSN0)
            out[(psn, int(f.py_year[q]))] = Totals(*(int(x) for x in f.py_totals[q]))
        return out

    def write_results(self, path: Path) -> None:
        write_results(path, self.claims, self.tables, self.figures)


def write_results(path: Path, claims: cc.ClaimColumns, tables: PolicyTables, f: Figures) -> None:
    """RESULTS.csv: the header, then one line per claim in input order, atomically."""

    def write(fh: object) -> None:
        fh.write(",".join(results.RESULT_COLUMNS) + "\n")  # type: ignore[attr-defined]
        raw = fh.buffer  # type: ignore[attr-defined]
        fh.flush()  # type: ignore[attr-defined]
        for chunk in result_chunks(claims, tables, f):
            raw.write(chunk)

    write_atomically(path, write)


def give_back_freed_memory() -> None:
    """Return the heap's freed pages to the system (glibc ``malloc_trim``).

    The engine's temporaries (sorted copies of a few MB each) come from the heap once
    glibc has raised its mmap threshold, and freed heap pages stay with the process:
    about 70 MB for a million claims, on top of what the output then needs."""
    with contextlib.suppress(OSError, AttributeError):  # not glibc: nothing to give back
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def result_chunks(
    claims: cc.ClaimColumns, tables: PolicyTables, f: Figures
) -> Iterator[memoryview]:
    """RESULTS.csv's lines in input order, :data:`CHUNK` rows at a time (the buffer is
    reused: write each chunk before taking the next)."""
    n = claims.n
    c = claims.cols
    blob, off = tables.strings.blob()
    # indices of a few hundred texts: a quarter of the memory of int64 (10 MB a million)
    kind = np.int16 if len(off) < np.iinfo(np.int16).max else np.int32
    idx = [np.empty(n, kind) for _ in range(5)]
    code_s, class_s, reason_s, pct_s, art_s = idx
    fk.texts_of(
        f.period, c[cc.VT], f.code, f.klass, f.reason, tables.class_text,
        tables.unclassed_art, tables.arts, len(CODES), code_s, class_s, reason_s, pct_s, art_s,
    )  # fmt: skip
    longest_text = int((off[1:] - off[:-1]).max(initial=0))
    ids = int((c[cc.SETL_ID1] - c[cc.SETL_ID0]).max(initial=0))
    psns = int((c[cc.PSN1] - c[cc.PSN0]).max(initial=0))
    row_max = ids + psns + 5 * longest_text + 5 * 24 + 12
    out = np.empty(row_max * min(CHUNK, max(n, 1)), np.uint8)

    for r0 in range(0, n, CHUNK):
        r1 = min(n, r0 + CHUNK)
        used = fk.result_lines(
            r0, r1, claims.buf, c, code_s, f.maf, f.tilt, class_s, f.ded, reason_s,
            pct_s, art_s, blob, off, out,
        )  # fmt: skip
        yield out[:used].data  # the chunk itself, not a copy


class IdentitySource:
    """IDENTITIES.csv: read plainly into columns, or by the checking reader (which
    raises the located error); the reference's dict is built only when it is needed."""

    def __init__(self, path: Path | None, code_map: Mapping[str, str] | None = None) -> None:
        self.path = path
        self.code_map = dict(code_map or {})
        self._spans: dict[str, list[IdentitySpan]] | None = None
        self.persons = (
            cc.read_identity_columns(path, CODES, self.code_map) if path is not None else None
        )
        if self.persons is None and path is not None:
            self.spans()  # the checking reader: raises the located error, if any

    @classmethod
    def of(cls, spans: Mapping[str, Sequence[IdentitySpan]]) -> IdentitySource:
        src = cls(None)
        src._spans = {k: list(v) for k, v in spans.items()}
        return src

    def spans(self) -> dict[str, list[IdentitySpan]]:
        if self._spans is None:
            assert self.path is not None
            self._spans = readers.read_identities(self.path, self.code_map)
        return self._spans

    def person_spans(self) -> cc.PersonSpans:
        if self.persons is None:
            self.persons = cc.person_spans(self.spans(), CODES)
        return self.persons


def compute(
    claims: cc.ClaimColumns,
    identities: IdentitySource,
    policy: RegionPolicy,
    carried: Mapping[TotalsKey, Totals] | None = None,
    *,
    timing: dict[str, float] | None = None,
    groups_possible: bool = False,
) -> tuple[PolicyTables, Figures] | None:
    """Classify and run every claim; None where the reference path must answer.

    The kernels run over the claims in person order (gathered once, so that memory is
    read in sequence); the figures are put back in input order for the output.
    """
    if policy.spec.special_groups and "dise_codg" in claims.index:
        return None  # a special group reads diagnosis and age (梅州 第十二条（四）): reference
    c = claims.cols
    perm = claims.order
    end = c[cc.END][perm]
    # a file read in columns has no diagnosis (columns.columns_of): no special group applies
    compiled = compile_policy(policy, end, allow_groups=not groups_possible)
    if compiled is None:
        return None
    tables, period = compiled
    if not _fits_int64(c[cc.BASE], tables, carried):
        return None
    spans = cc.span_columns(claims, identities.person_spans(), policy)
    beg, vt, flags, year, base = (c[k][perm] for k in (cc.BEG, cc.VT, cc.FLAGS, cc.YEAR, cc.BASE))
    n = claims.n
    # identity, class and reason are small numbers: 4 bytes each (12 MB less a million)
    code, klass, reason = (np.empty(n, np.int32) for _ in range(3))
    ded, maf, tilt = (np.empty(n, np.int64) for _ in range(3))
    carry_lo, carry_hi, carry_year, carry_totals = _carried(claims, carried or {})
    # person-years: at most one per person and year met (memory: not one per claim)
    years = int(year.max(initial=0) - year.min(initial=0)) + 1 if n else 1
    n_py_max = min(n, claims.n_groups * years)
    py_first = np.empty(n_py_max, np.int64)
    py_year = np.empty(n_py_max, np.int64)
    py_totals = np.empty((n_py_max, 4), np.int64)
    t0 = time.perf_counter()
    ek.classify(
        beg, end, vt, flags, period, spans.lo, spans.hi, spans.code, spans.beg, spans.end,
        tables.rule, tables.class_of, tables.covered, tables.referral, code, klass, reason,
    )  # fmt: skip
    n_py, status = ek.run(
        np.arange(n, dtype=np.int64), claims.bounds, claims.n_groups, year, base, vt, flags,
        period, klass, reason, tables.money, tables.ratio, tables.tilt, tables.tilt_class,
        carry_lo, carry_hi, carry_year, carry_totals, ded, maf, tilt, py_first, py_year,
        py_totals,
    )  # fmt: skip
    if timing is not None:
        timing["kernel"] = time.perf_counter() - t0
    if status != ek.ST_OK:
        return None
    del beg, vt, flags, year, base, spans, end  # before the figures are put back in order
    # back to input order one array at a time, each sorted copy dropped as it goes
    sorted_ = [period, code, klass, reason, ded, maf, tilt]
    del period, code, klass, reason, ded, maf, tilt
    u = []
    while sorted_:
        u.append(_unsort(sorted_.pop(0), perm))
    figures = Figures(
        u[0], u[1], u[2], u[3], u[4], u[5], u[6],
        perm[py_first[:n_py]], py_year[:n_py], py_totals[:n_py],
    )  # fmt: skip
    return tables, figures


def _unsort(x: np.ndarray, perm: np.ndarray) -> np.ndarray:
    out = np.empty_like(x)
    out[perm] = x
    return out


def _fits_int64(base: np.ndarray, tables: PolicyTables, carried: object) -> bool:
    """Whether every product of the kernel fits in 64 bits (else the reference answers)."""
    if carried:
        return False if _carried_max(carried) > 1 << 50 else _bound(base, tables)
    return _bound(base, tables)


def _carried_max(carried: object) -> int:
    vals = [max(t.S, t.P, t.R, t.TP) for t in carried.values()]  # type: ignore[attr-defined]
    return max(vals, default=0)


def _bound(base: np.ndarray, tables: PolicyTables) -> bool:
    total = int(base.max(initial=0)) * max(1, base.shape[0]) + (1 << 50)
    return 2 * total * max(1, tables.max_ratio_num()) < INT64_HEADROOM


def _carried(
    claims: cc.ClaimColumns, carried: Mapping[TotalsKey, Totals]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Totals carried in (``--totals-in``), laid out per person group."""
    g = claims.n_groups
    lo = np.zeros(g, np.int64)
    hi = np.zeros(g, np.int64)
    if not carried:
        return lo, hi, np.zeros(1, np.int64), np.zeros((1, 4), np.int64)
    by_psn: dict[str, list[tuple[int, Totals]]] = {}
    for (psn, year), t in carried.items():
        by_psn.setdefault(psn, []).append((year, t))
    years: list[int] = []
    vals: list[tuple[int, int, int, int]] = []
    first = claims.first_rows()
    for k in range(g):
        lo[k] = len(years)
        for year, t in by_psn.get(claims.text(int(first[k]), cc.PSN0), ()):
            years.append(year)
            vals.append((t.S, t.P, t.R, t.TP))
        hi[k] = len(years)
    return (
        lo,
        hi,
        np.array(years or [0], np.int64),
        np.array(vals or [(0, 0, 0, 0)], np.int64).reshape(-1, 4),
    )


def _explain(
    claims: cc.ClaimColumns,
    wanted: Sequence[str],
    identities: IdentitySource,
    policy: RegionPolicy,
    carried: Mapping[TotalsKey, Totals],
) -> dict[str, Assessment]:
    """The reference engine's assessment, with its trace, of each wanted claim; raises
    the reference's error for an id not in the file."""
    from jiuzhu.services.batch import read_kernel as rk

    c = claims.cols
    out: dict[str, Assessment] = {}
    for setl_id in wanted:
        needle = np.frombuffer(setl_id.encode("utf-8"), np.uint8)
        i = rk.find_text(claims.buf, c[cc.SETL_ID0], c[cc.SETL_ID1], needle)
        if i < 0:
            readers.check_explain([setl_id], set(), Path(claims.name))
        pos = int(np.nonzero(claims.order == i)[0][0])
        g = int(np.searchsorted(claims.bounds[: claims.n_groups + 1], pos, side="right") - 1)
        person = [_claim(claims, int(r)) for r in claims.group_rows(g)]
        psn = person[0].psn_no
        mine = {k: v for k, v in carried.items() if k[0] == psn}
        spans = {psn: list(identities.spans().get(psn, ()))}
        run = reference.run_claims(person, spans, policy, mine, trace=frozenset([setl_id]))
        for a in run.assessments:
            if a.setl_id == setl_id:
                out[setl_id] = a
    return out


def _claim(claims: cc.ClaimColumns, i: int) -> Claim:
    """Claim ``i`` parsed by the reference reader (for the cited trace)."""
    line = claims.line(i)
    index = claims.index
    cells = line.split(",")
    width = 1 + max(index.values())
    cells += [""] * (width - len(cells))
    parse = readers.row_parser(index, claims.name)
    return parse(cells, 0, cells[index["setl_id"]].strip(), cells[index["psn_no"]].strip())


def calc_file(
    path: Path,
    identities: IdentitySource | Mapping[str, Sequence[IdentitySpan]],
    policy: RegionPolicy,
    totals: dict[TotalsKey, Totals] | None = None,
    *,
    explain: Collection[str] = (),
    workers: int = 1,
    progress: Callable[[int], None] | None = None,
) -> CalcOutcome:
    """`jiuzhu calc` on CLAIMS.csv: the columnar engine, or the reference where it must."""
    source = identities if isinstance(identities, IdentitySource) else IdentitySource.of(identities)
    carried = dict(totals or {})
    claims = cc.read_columns(path)
    if claims is not None:
        computed = compute(claims, source, policy, carried)
        give_back_freed_memory()
        if computed is not None:
            tables, figures = computed
            explained = _explain(claims, list(explain), source, policy, carried)
            return ColumnarOutcome(claims.ungrouped(), tables, figures, carried, explained)
    return ReferenceOutcome(
        reference.run_file(
            path, source.spans(), policy, totals, explain=explain, workers=workers,
            progress=progress,
        )
    )  # fmt: skip
