"""Compiled loops of the scan's fast path: identity choice and the lines (calc-contract §4, §11),
and WARNINGS.csv's lines.

The same rules as :mod:`jiuzhu.domain.warning`, over arrays of settlements sorted by
person, year and settlement order; tests/unit/test_warning_scan.py checks them
against it on generated populations. The settlements are read by the compiled reader
of `jiuzhu calc` (``batch/read_kernel.py``).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from jiuzhu.services.batch import format_kernel as fk
from jiuzhu.services.batch import read_kernel as rk

RULE_ANY_DAY, RULE_ON_END, RULE_ON_BEGIN = 0, 1, 2
MEASURE_B, MEASURE_H, MEASURE_BASE, MEASURE_HIFMI = 0, 1, 2, 3
NOT_IN_FORCE = -1


@njit(cache=True)
def choose(order, code, bday, eday, rule, sp_start, sp_count, sp_beg, sp_end, sp_score):  # type: ignore[no-untyped-def]
    """Per settlement (in ``order``), the best score of the identities §4 admits, -1 if none.

    ``code``: the person index of each settlement; the person's spans are
    ``sp_start[code] … + sp_count[code]`` (end = max int when open); score =
    class rank × 1000 + order of the code in §1 (unclassed: rank 999).
    """
    n = order.shape[0]
    out = np.full(n, -1, np.int64)
    for k in range(n):
        i = order[k]
        p = code[i]
        c = sp_count[p]
        if c == 0:
            continue
        r = rule[i]
        if r == RULE_ANY_DAY:
            first, last = bday[i], eday[i]
        elif r == RULE_ON_END:
            first, last = eday[i], eday[i]
        else:
            first, last = bday[i], bday[i]
        best = -1
        s0 = sp_start[p]
        for s in range(s0, s0 + c):
            if sp_beg[s] <= last and sp_end[s] >= first:
                sc = sp_score[s]
                if best < 0 or sc < best:
                    best = sc
        out[i] = best
    return out


@njit(cache=True)
def fire(
    order,
    code,
    year,
    visit,
    base,
    burden,
    hifmi,
    ident,
    day,
    sum_measure,
    sum_visits,
    line_measure,
    line_sum,
    line_visits,
    line_who,
    thr,
):  # type: ignore[no-untyped-def]
    """Walk the settlements in ``order`` (grouped by person and year); returns the firings
    as (row, line, amount) arrays.

    ``sum_visits``/``line_visits``: bit masks of the visit kinds counted (bit v); ``line_who``
    [line, identity index + 1] (column 0: no identity); ``thr`` [day index, line] the line
    in fen, or -1 when not in force that day.
    """
    n = order.shape[0]
    ns = sum_measure.shape[0]
    nl = line_measure.shape[0]
    sums = np.zeros(ns, np.int64)
    fired = np.zeros(nl, np.bool_)
    cap = 1024
    rows = np.empty(cap, np.int64)
    lines = np.empty(cap, np.int64)
    amounts = np.empty(cap, np.int64)
    m = 0
    prev_p = -1
    prev_y = -1
    for k in range(n):
        i = order[k]
        if code[i] != prev_p or year[i] != prev_y:
            prev_p = code[i]
            prev_y = year[i]
            sums[:] = 0
            fired[:] = False
        bit = 1 << visit[i]
        for s in range(ns):
            if sum_visits[s] & bit:
                sums[s] += base[i] if sum_measure[s] == MEASURE_B else burden[i]
        d = day[i]
        for ln in range(nl):
            if fired[ln] or not (line_visits[ln] & bit):
                continue
            t = thr[d, ln]
            if t < 0 or not line_who[ln, ident[i] + 1]:
                continue
            mz = line_measure[ln]
            if mz == MEASURE_BASE:
                v = base[i]
            elif mz == MEASURE_HIFMI:
                v = hifmi[i]
            else:
                v = sums[line_sum[ln]]
            if v > t:
                fired[ln] = True
                if m == cap:
                    cap *= 2
                    rows = np.concatenate((rows, np.empty(cap - m, np.int64)))
                    lines = np.concatenate((lines, np.empty(cap - m, np.int64)))
                    amounts = np.concatenate((amounts, np.empty(cap - m, np.int64)))
                rows[m] = i
                lines[m] = ln
                amounts[m] = v
                m += 1
    return rows[:m], lines[:m], amounts[:m]


@njit(cache=True)
def write_rows(
    buf, rows, cols, amount, threshold, line, line_txt, line_off, ident, id_txt, id_off,
    art, art_txt, art_off,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """WARNINGS.csv lines (after the header) of the firings ``rows``, as bytes; ``cols``
    are the claim columns of ``read_kernel.read_claims``."""
    size = 0
    for k in range(rows.shape[0]):
        i = rows[k]
        size += (cols[3, i] - cols[2, i]) + (cols[1, i] - cols[0, i]) + 100
        size += line_off[line[k] + 1] - line_off[line[k]] + art_off[art[k] + 1] - art_off[art[k]]
    out = np.empty(size, np.uint8)
    o = 0
    for k in range(rows.shape[0]):
        i = rows[k]
        o = fk.put_bytes(out, o, buf, cols[2, i], cols[3, i])
        out[o] = 44
        o = fk.put_int(out, o + 1, cols[8, i])
        out[o] = 44
        o = fk.put_bytes(out, o + 1, line_txt, line_off[line[k]], line_off[line[k] + 1])
        out[o] = 44
        o = fk.put_bytes(out, o + 1, buf, cols[0, i], cols[1, i])
        out[o] = 44
        o += 1
        if ident[i] >= 0:
            o = fk.put_bytes(out, o, id_txt, id_off[ident[i]], id_off[ident[i] + 1])
        out[o] = 44
        o = fk.put_fen(out, o + 1, amount[k])
        out[o] = 44
        o = fk.put_fen(out, o + 1, threshold[k])
        out[o] = 44
        s = cols[4, i]
        y, m, d = rk.civil_from_ordinal(s // 86400)
        r = s % 86400
        o = fk.put_padded(out, o + 1, y, 4)
        out[o] = 45
        o = fk.put_padded(out, o + 1, m, 2)
        out[o] = 45
        o = fk.put_padded(out, o + 1, d, 2)
        out[o] = 32
        o = fk.put_padded(out, o + 1, r // 3600, 2)
        out[o] = 58
        o = fk.put_padded(out, o + 1, r // 60 % 60, 2)
        out[o] = 58
        o = fk.put_padded(out, o + 1, r % 60, 2)
        out[o] = 44
        o = fk.put_bytes(out, o + 1, art_txt, art_off[art[k]], art_off[art[k] + 1])
        out[o] = 10
        o += 1
    return out[:o]


@njit(cache=True)
def fixed_width(buf, rows, a, b, width):  # type: ignore[no-untyped-def]
    """The texts buf[a[i]:b[i]] of ``rows`` as a (len(rows), width) zero-padded byte matrix
    (viewed as numpy ``S{width}`` it sorts as the texts do: byte order is code point order)."""
    out = np.zeros((rows.shape[0], width), np.uint8)
    for k in range(rows.shape[0]):
        i = rows[k]
        for j in range(b[i] - a[i]):
            out[k, j] = buf[a[i] + j]
    return out
