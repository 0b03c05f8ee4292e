"""The comparison of a list with the registry: pure functions over the valid rows and the
registry's spans, returning the plan (add, change, cover, end) and the merges to report
(calc-contract §10: an identity is valid on the union of its rows)."""

from __future__ import annotations

import bisect
import datetime as dt
from collections.abc import Mapping, Sequence

from jiuzhu.domain.identity import Interval, union_of
from jiuzhu.services.identity_import.load import Existing, ExistingKey
from jiuzhu.services.identity_import.rows import Row
from jiuzhu.services.registry import (
    SOURCES,
)


def _later(a: dt.date | None, b: dt.date | None) -> bool:
    """End ``a`` is after end ``b`` (``None``, still valid, is the latest)."""
    return b is not None and (a is None or a > b)


def compare(
    valid: Sequence[Row],
    existing: Mapping[ExistingKey, Existing],
    source: str,
    full_list: bool,
    as_of: dt.date,
    bad_pairs: set[tuple[str, str]],
) -> tuple[
    list[Row],
    list[tuple[Row, Existing]],
    list[tuple[Row, Existing]],
    int,
    dict[int, dt.date],
    list[Existing],
]:
    """The plan: rows to add, registry spans to change, rows already covered, the count
    unchanged, spans to end (id → enddate) and spans kept because their row was rejected.

    A row is one department's recognition: (person, identity, begndate, source). A row
    whose recognition the registry holds with a later end is covered by it: the identity
    stays valid on the union (calc-contract §10), whatever order the files come in. Only a
    full list (新疆规程 第六条 全面比对) sets an end exactly, and ends what it no longer has.
    """
    added: list[Row] = []
    changed: list[tuple[Row, Existing]] = []
    covered: list[tuple[Row, Existing]] = []
    unchanged = 0
    keys: set[ExistingKey] = set()
    for r in valid:
        key = (r.psn_no, r.code, r.beg, source)
        keys.add(key)
        ex = existing.get(key)
        if ex is None:
            added.append(r)
        elif ex[4] == r.end:
            unchanged += 1
        elif full_list or _later(r.end, ex[4]):
            changed.append((r, ex))
        else:
            covered.append((r, ex))
            unchanged += 1
    ends: dict[int, dt.date] = {}
    kept: list[Existing] = []
    if full_list:
        owned = SOURCES[source]
        day_before = as_of - dt.timedelta(days=1)
        for key, ex in existing.items():
            if ex[5] != source or ex[2] not in owned or key in keys:
                continue
            if ex[3] >= as_of or (ex[4] is not None and ex[4] < as_of):
                continue  # not open on as_of
            if (ex[1], ex[2]) in bad_pairs:
                kept.append(ex)  # its row was rejected: not "missing from the list"
                continue
            ends[ex[0]] = day_before
    return added, changed, covered, unchanged, ends, kept


Merge = tuple[Row, dt.date, dt.date | None, str]
"""A row of the file, the interval of the union it lies in, and why it is reported."""


def _span_zh(beg: dt.date, end: dt.date | None) -> str:
    return f"{beg}–{end or '至今'}"


def merges_of(
    valid: Sequence[Row],
    dup_lines: Sequence[tuple[int, int]],
    added: Sequence[Row],
    changed: Sequence[tuple[Row, Existing]],
    covered: Sequence[tuple[Row, Existing]],
    existing: Mapping[ExistingKey, Existing],
    ends: Mapping[int, dt.date],
) -> list[tuple[int, Merge]]:
    """Rows of the file that overlap or touch another span of the same person and
    identity (in the file, the registry or another source's list), each with the
    interval of the union it falls in (calc-contract §10), by line."""
    count: dict[tuple[str, str], int] = {}
    for ex in existing.values():
        k = (ex[1], ex[2])
        count[k] = count.get(k, 0) + 1
    for r in added:
        k = (r.psn_no, r.code)
        count[k] = count.get(k, 0) + 1
    spans: dict[tuple[str, str], list[Interval]] = {k: [] for k, n in count.items() if n > 1}
    out: list[tuple[int, Merge]] = []
    by_line = {r.line: r for r in valid}
    for r, ex in covered:
        out.append(
            (
                r.line,
                (
                    r,
                    ex[3],
                    ex[4],
                    f"已含于登记库 {_span_zh(ex[3], ex[4])}（{ex[5]}）有效期不变 within the "
                    "registry's span: valid on the union (end it with --full-list or "
                    "`identities end`)",
                ),
            )
        )
    union: dict[tuple[str, str], tuple[list[Interval], list[int]]] = {}
    if spans:
        new_end = {ex[0]: r.end for r, ex in changed}
        for ex in existing.values():
            lst = spans.get((ex[1], ex[2]))
            if lst is not None:
                i = ex[0]
                lst.append((ex[3], new_end[i] if i in new_end else ends.get(i, ex[4])))
        for r in added:
            lst = spans.get((r.psn_no, r.code))
            if lst is not None:
                lst.append((r.beg, r.end))
        for k, lst in spans.items():
            ivs = union_of(lst)
            begs = [b for b, _ in ivs]
            n_in = [0] * len(ivs)
            for b, _ in lst:
                n_in[bisect.bisect_right(begs, b) - 1] += 1
            union[k] = (ivs, n_in)
        for r in valid:
            u = union.get((r.psn_no, r.code))
            if u is None:
                continue
            ivs, n_in = u
            j = bisect.bisect_right([b for b, _ in ivs], r.beg) - 1
            if n_in[j] > 1:
                b, e = ivs[j]
                out.append(
                    (
                        r.line,
                        (
                            r,
                            b,
                            e,
                            f"与同一人同一身份的其他期间重叠或相接，合并有效 {_span_zh(b, e)} "
                            "merged: valid on the union",
                        ),
                    )
                )
    for line, into in dup_lines:
        first = by_line.get(into)
        if first is None:
            continue  # the line it merged into was rejected
        b, e = first.beg, first.end
        u = union.get((first.psn_no, first.code))
        if u is not None:
            b, e = u[0][bisect.bisect_right([x for x, _ in u[0]], first.beg) - 1]
        out.append(
            (
                line,
                (
                    first,
                    b,
                    e,
                    f"与第 {into} 行同一人、身份、开始日期，合并有效 {_span_zh(b, e)} "
                    f"merged with line {into}",
                ),
            )
        )
    out.sort(key=lambda m: m[0])
    return out
