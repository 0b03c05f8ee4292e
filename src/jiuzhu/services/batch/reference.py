"""The scalar reference of `jiuzhu calc` (calc-contract §3–§8): the engine of
``domain/engine.py`` over checked claims, person by person, with its cited trace.

- :func:`run_claims`: each person's claims in settlement order on that person's own
  running totals; the assessments in input order. Every other path is tested against it.
- :func:`run_batch`: the same as RESULTS.csv lines (``results.result_lines``), in this
  process or, for a large batch with ``--workers``, split by person over forked workers
  (persons do not affect each other, so the output is the same byte for byte).
- :func:`run_file`: CLAIMS.csv through the checking reader, then :func:`run_batch`:
  the path of every file the columnar engine does not take (``run.calc_file``).
"""

from __future__ import annotations

import multiprocessing as mp
import os
from collections import defaultdict
from collections.abc import Callable, Collection
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import Assessment, Totals, assess
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import results
from jiuzhu.services.batch.readers import TotalsKey, check_explain, read_claims, read_claims_part

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
    groups: list[list[int]] | None = None,
) -> RunResult:
    """Apply the engine person by person, each person's claims in settlement order.

    Results come back in input order. ``totals`` carries person-year totals in from an
    earlier run and is returned updated, so a year can be split into several runs.
    ``trace``: keep every assessment's cited trace (True), none (False), or only those
    of the given ``setl_id``s; the figures are the same either way. ``groups``: each
    person's positions, when the caller has them already (:func:`_person_groups`).
    """
    running: dict[TotalsKey, Totals] = dict(totals or {})
    out: list[Assessment | None] = [None] * len(claims)
    no_spans: list[IdentitySpan] = []
    done = 0
    zero = Totals()
    traced = frozenset() if isinstance(trace, bool) else frozenset(trace)
    all_traced = trace is True
    for group in groups if groups is not None else _person_groups(claims):
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
CHUNK = 50_000
"""Claims assessed and formatted at a time (the assessments of one chunk are dropped
before the next: memory for lines, not for a million assessments)."""


def _run_part(
    claims: list[Claim],
    groups: list[list[int]],
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    carried: dict[TotalsKey, Totals],
    explain: frozenset[str],
    progress: Callable[[int], None] | None = None,
) -> _PartResult:
    """:func:`run_claims` over some persons: (positions, lines, totals touched, summary,
    traced assessments)."""
    positions: list[int] = []
    lines: list[str] = []
    touched: dict[TotalsKey, Totals] = {}
    summaries: list[dict[str, list[int]]] = []
    explained: dict[str, Assessment] = {}
    k = 0
    while k < len(groups):
        chunk: list[int] = []
        local: list[list[int]] = []  # each person's positions in ``mine``
        while k < len(groups) and (not chunk or len(chunk) + len(groups[k]) <= CHUNK):
            local.append(list(range(len(chunk), len(chunk) + len(groups[k]))))
            chunk.extend(groups[k])
            k += 1
        mine = [claims[i] for i in chunk]
        before = {}
        if carried:
            keys = {(c.psn_no, c.enddate.year) for c in mine}
            before = {key: carried[key] for key in keys if key in carried}
        # the totals of the chunk's person-years only: its persons are in no other chunk
        run = run_claims(mine, identities, policy, before, progress, trace=explain, groups=local)
        positions.extend(chunk)
        lines.extend(results.result_lines(run.assessments))
        touched.update(run.totals)
        summaries.append(results.summarise(run.assessments))
        if explain:
            explained.update((a.setl_id, a) for a in run.assessments if a.setl_id in explain)
    return positions, lines, touched, results.add_summaries(summaries), explained


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
            outs = [guarded(0), *pending.get()]
    finally:
        _FORKED_WORK = None
    return None if any(r is None for r in outs) else outs


def _merge(
    parts: list[_PartResult], n_claims: int, carried: dict[TotalsKey, Totals]
) -> BatchResult:
    lines: list[str] = [""] * n_claims
    explained: dict[str, Assessment] = {}
    for positions, part_lines, touched, _, part_explained in parts:
        for pos, line in zip(positions, part_lines, strict=True):
            lines[pos] = line
        carried.update(touched)
        explained.update(part_explained)
    summary = results.add_summaries(p[3] for p in parts)
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
    """:func:`run_claims` as RESULTS.csv lines, the totals, the summary and the traced
    claims of ``explain``.

    With ``workers > 1`` (and at least :data:`PARALLEL_FROM` claims, on a system that
    can fork) the persons are split into ``workers`` parts; the parent computes the
    first, forked children the others. A person's claims always stay in one part, and
    persons do not affect each other, so the output is the same to the fen and byte.
    """
    carried = dict(totals or {})
    wanted = frozenset(explain)
    groups = _person_groups(claims)
    n = min(workers, available_workers()) if len(claims) >= PARALLEL_FROM else 1
    parts = None
    if n > 1:
        split = _split(groups, n)
        parts = _in_parts(
            n,
            lambda k: _run_part(
                claims, split[k], identities, policy, carried, wanted, progress if k == 0 else None
            ),
        )
        if parts is not None and progress is not None:
            progress(len(claims) - len(parts[0][0]))
    if parts is None:
        parts = [_run_part(claims, groups, identities, policy, carried, wanted, progress)]
    return _merge(parts, len(claims), carried)


BYTES_PER_CLAIM = 64
"""About the shortest CLAIMS.csv row: a file of :data:`PARALLEL_FROM` times this many
bytes is worth splitting before its claims are counted."""


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def _read_and_run(
    path: Path,
    k: int,
    n: int,
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    carried: dict[TotalsKey, Totals],
    progress: Callable[[int], None] | None,
) -> tuple[_PartResult, int]:
    """Part ``k`` of ``n``: its persons' claims read, then run; positions in the file."""
    part = read_claims_part(path, k, n)
    groups = _person_groups(part.claims)
    at, lines, touched, summary, explained = _run_part(
        part.claims, groups, identities, policy, carried, frozenset(), progress
    )
    return ([part.positions[i] for i in at], lines, touched, summary, explained), part.total


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
    """`jiuzhu calc` on CLAIMS.csv by the reference: the checking reader (which raises
    the located error), ``explain`` ids checked against the file, then :func:`run_batch`.

    With ``workers > 1`` and a large file, each part of the persons is read *and* run in
    its own process (:func:`readers.read_claims_part`: partition by person), so that the
    reading is shared too. Any refusal in any part: the whole file is read here, which
    raises the first error in file order.
    """
    carried = dict(totals or {})
    n = min(workers, available_workers()) if not explain else 1
    if n > 1 and _size(path) >= PARALLEL_FROM * BYTES_PER_CLAIM:
        parts = _in_parts(
            n,
            lambda k: _read_and_run(
                path, k, n, identities, policy, carried, progress if k == 0 else None
            ),
        )
        if parts is not None:
            total = parts[0][1]
            if progress is not None:
                progress(total - len(parts[0][0][0]))
            return _merge([p[0] for p in parts], total, carried)
    claims = read_claims(path)
    check_explain(explain, {c.setl_id for c in claims} if explain else set(), path)
    return run_batch(
        claims, identities, policy, totals, explain=explain, workers=workers, progress=progress
    )
