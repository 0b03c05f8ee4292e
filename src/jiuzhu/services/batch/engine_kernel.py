"""The compiled engine: classify each claim, then run the running totals (calc-contract §4–§7).

The twin of the scalar engine ``domain/engine/`` (the reference, whose ``narrate`` also
writes the cited trace), compiled, in the same parts:

- :func:`classify`, per claim and independent of every other claim: the identity that
  applies (§4, the region's identity rule and retro start, 就高不就低), its class, and
  whether the visit is covered (§3) — twin of ``domain/engine/classify.py``;
- :func:`run`, per person in settlement order: the integer kernel over the person-year
  totals S, P, R, TP (§5 regular assistance, §6 tilted assistance) — its loop body is
  the twin of ``domain/engine/kernel.py``, line for line.

A change to the arithmetic is made in both; the differential tests
(``tests/unit/test_columnar_differential.py``, ``test_engine_properties.py``) compare
them on drawn claims, and ``test_engine_kernel.py`` holds the scalar kernel to the
contract's formulas.

Reason codes are the indexes of ``tables.REASONS``: 0 paid, 1 no identity, 2 unclassed
identity, 3 visit type not covered, 4 out of area without referral.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.services.batch._jit import njit

MAX_DAY = 10**9
"""An open ``enddate`` of an identity."""

ST_OK, ST_NO_RATIO = 0, 2


@njit
def classify(
    claim_beg, claim_end, vt, flags, period, span_lo, span_hi,
    span_code, span_beg, span_end, rule, class_of, covered, referral,
    out_code, out_class, out_reason,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Identity, class and coverage of one claim (writes ``out_*[i]`` of its row)."""
    for i in range(claim_beg.shape[0]):
        p = period[i]
        r = rule[p]
        first = claim_beg[i]
        last = claim_end[i]
        if r == 1:
            first = last
        elif r == 2:
            last = first
        best_k = -1
        best_c = -1
        any_c = -1
        for j in range(span_lo[i], span_hi[i]):
            if span_beg[j] <= last and span_end[j] >= first:
                c = span_code[j]
                k = class_of[p, c]
                if k >= 0 and (best_k < 0 or k < best_k or (k == best_k and c < best_c)):
                    best_k = k
                    best_c = c
                if any_c < 0 or c < any_c:
                    any_c = c
        out_class[i] = best_k
        if best_k < 0:
            out_code[i] = any_c
            out_reason[i] = 1 if any_c < 0 else 2
            continue
        out_code[i] = best_c
        f = flags[i]
        if not covered[p, vt[i]]:
            out_reason[i] = 3
        elif referral[p, 0] and (f & 1) and not (f & 2) and not (referral[p, 1] and (f & 4)):
            out_reason[i] = 4
        else:
            out_reason[i] = 0


@njit
def run(
    order, bounds, n_groups, year, base, vt, flags, period, out_class, out_reason,
    money, ratio, tilt, tilt_class, carry_lo, carry_hi, carry_year, carry_totals,
    out_ded, out_maf, out_tilt, py_first, py_year, py_totals,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Each person's claims in order on the person-year totals; returns (person-years, status).

    ``carry_*``: totals carried in per person (rows ``carry_lo[g]:carry_hi[g]``).
    ``py_*`` receives every person-year met: the row of the person's first claim, the
    year, and S, P, R, TP after the run.
    """
    n_py = 0
    for g in range(n_groups):
        first_py = n_py
        for pos in range(bounds[g], bounds[g + 1]):
            i = order[pos]
            y = year[i]
            slot = -1
            for q in range(first_py, n_py):
                if py_year[q] == y:
                    slot = q
                    break
            if slot < 0:
                slot = n_py
                n_py += 1
                py_first[slot] = order[bounds[g]]
                py_year[slot] = y
                for t in range(4):
                    py_totals[slot, t] = 0
                for q in range(carry_lo[g], carry_hi[g]):
                    if carry_year[q] == y:
                        for t in range(4):
                            py_totals[slot, t] = carry_totals[q, t]
            out_ded[i] = 0
            out_maf[i] = 0
            out_tilt[i] = 0
            if out_reason[i] != 0:
                continue
            p = period[i]
            k = out_class[i]
            v = vt[i]
            num = ratio[p, k, v, 0]
            den = ratio[p, k, v, 1]
            if den == 0:
                return n_py, ST_NO_RATIO
            b = base[i]
            S = py_totals[slot, 0]
            P = py_totals[slot, 1]
            R = py_totals[slot, 2]
            TP = py_totals[slot, 3]
            # §5: deductible on the year's running self-pay, ratio half-up, annual cap
            ded = min(b, money[p, k, 0] - S)
            if ded < 0:
                ded = 0
            S += b
            maf = (2 * (b - ded) * num + den) // (2 * den)
            cap_left = money[p, k, 1] - P
            if cap_left < 0:
                cap_left = 0
            if maf > cap_left:
                maf = cap_left
            P += maf
            tp = 0
            # §6: tilted assistance on the part of the remaining burden above the threshold
            f = flags[i]
            if (
                tilt[p, 0]
                and tilt_class[p, k, v]
                and ((f & 8) or not tilt[p, 2])
                and not (tilt[p, 7] and (f & 1) and not (f & 2))
            ):
                rem = b - maf
                thr = tilt[p, 3]
                over = max(0, R + rem - thr) - max(0, R - thr)
                R += rem
                tden = tilt[p, 5]
                raw = (2 * over * tilt[p, 4] + tden) // (2 * tden)
                left = money[p, k, 1] - P if tilt[p, 1] else tilt[p, 6] - TP
                if left < 0:
                    left = 0
                tp = raw if raw < left else left
                TP += tp
                if tilt[p, 1]:
                    P += tp
            py_totals[slot, 0] = S
            py_totals[slot, 1] = P
            py_totals[slot, 2] = R
            py_totals[slot, 3] = TP
            out_ded[i] = ded
            out_maf[i] = maf
            out_tilt[i] = tp
    return n_py, ST_OK


@njit
def spans_of_claims(order, bounds, n_groups, person_of_group, person_lo, person_hi, lo, hi):  # type: ignore[no-untyped-def]
    """Each claim's identity spans (rows ``lo[i]:hi[i]``) from its person's."""
    for g in range(n_groups):
        p = person_of_group[g]
        a = person_lo[p] if p >= 0 else 0
        b = person_hi[p] if p >= 0 else 0
        for pos in range(bounds[g], bounds[g + 1]):
            i = order[pos]
            lo[i] = a
            hi[i] = b


@njit
def summarise(code, maf, tilt, n_codes):  # type: ignore[no-untyped-def]
    """Per identity code (row 0: none): claims, paid claims, maf fen, tilt fen."""
    out = np.zeros((n_codes + 1, 4), np.int64)
    for i in range(code.shape[0]):
        c = code[i] + 1
        out[c, 0] += 1
        if maf[i] or tilt[i]:
            out[c, 1] += 1
        out[c, 2] += maf[i]
        out[c, 3] += tilt[i]
    return out


@njit
def match_persons(buf, g_start, g_end, g_hash, p_buf, p_start, p_end, p_hash, out):  # type: ignore[no-untyped-def]
    """For each group (psn_no at ``buf[g_start:g_end]``) the identity person (sorted by
    ``p_hash``, psn_no at ``p_buf[p_start:p_end]``) with the same psn_no, or -1; equal
    hashes are confirmed on the bytes."""
    m = p_hash.shape[0]
    for g in range(g_hash.shape[0]):
        h = g_hash[g]
        j = np.searchsorted(p_hash, h)
        out[g] = -1
        n = g_end[g] - g_start[g]
        while j < m and p_hash[j] == h:
            a = p_start[j]
            same = p_end[j] - a == n
            if same:
                for t in range(n):
                    if p_buf[a + t] != buf[g_start[g] + t]:
                        same = False
                        break
            if same:
                out[g] = j
                break
            j += 1
