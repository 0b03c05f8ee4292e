"""Compiled formatting of RESULTS.csv lines (calc-contract §8), byte for byte as
``csv.writer`` writes ``results.result_row``: amounts as yuan with two decimals,
texts from the string table (already in CSV form), ``setl_id``/``psn_no`` copied from
the input (a plain file has no quote, comma or line break inside a cell)."""

from __future__ import annotations

from jiuzhu.services.batch._jit import njit


@njit
def put_text(out, o, blob, off, s):  # type: ignore[no-untyped-def]
    for t in range(off[s], off[s + 1]):
        out[o] = blob[t]
        o += 1
    return o


@njit
def put_bytes(out, o, buf, a, b):  # type: ignore[no-untyped-def]
    for t in range(a, b):
        out[o] = buf[t]
        o += 1
    return o


@njit
def put_int(out, o, v):  # type: ignore[no-untyped-def]
    """A non-negative integer in decimal."""
    if v == 0:
        out[o] = 48
        return o + 1
    n = 0
    x = v
    while x > 0:
        n += 1
        x //= 10
    x = v
    for t in range(n - 1, -1, -1):
        out[o + t] = 48 + x % 10
        x //= 10
    return o + n


@njit
def put_padded(out, o, v, width):  # type: ignore[no-untyped-def]
    """A non-negative integer in exactly ``width`` digits (zero-padded; ``v`` fits)."""
    for t in range(width - 1, -1, -1):
        out[o + t] = 48 + v % 10
        v //= 10
    return o + width


@njit
def put_fen(out, o, fen):  # type: ignore[no-untyped-def]
    """Fen ≥ 0 as yuan with exactly two decimals."""
    o = put_int(out, o, fen // 100)
    out[o] = 46
    c = fen % 100
    out[o + 1] = 48 + c // 10
    out[o + 2] = 48 + c % 10
    return o + 3


@njit
def result_lines(
    r0, r1, buf, cols, code_s, maf, tilt, class_s, ded, reason_s, pct_s, art_s, blob, off, out,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """Lines of rows ``r0:r1`` into ``out``; returns the bytes written."""
    o = 0
    for i in range(r0, r1):
        o = put_bytes(out, o, buf, cols[0, i], cols[1, i])
        out[o] = 44
        o = put_bytes(out, o + 1, buf, cols[2, i], cols[3, i])
        out[o] = 44
        o = put_text(out, o + 1, blob, off, code_s[i])
        out[o] = 44
        o = put_fen(out, o + 1, maf[i])
        out[o] = 44
        o = put_fen(out, o + 1, tilt[i])
        out[o] = 44
        o = put_int(out, o + 1, cols[8, i])
        out[o] = 44
        o = put_text(out, o + 1, blob, off, class_s[i])
        out[o] = 44
        o = put_fen(out, o + 1, cols[9, i])
        out[o] = 44
        o = put_fen(out, o + 1, ded[i])
        out[o] = 44
        o = put_text(out, o + 1, blob, off, reason_s[i])
        out[o] = 44
        o = put_text(out, o + 1, blob, off, pct_s[i])
        out[o] = 44
        o = put_text(out, o + 1, blob, off, art_s[i])
        out[o] = 10
        o += 1
    return o


@njit
def texts_of(
    period, vt, code, klass, reason, class_text, unclassed_art, arts, n_codes,
    code_s, class_s, reason_s, pct_s, art_s,
):  # type: ignore[no-untyped-def]  # fmt: skip
    """String-table indexes of each row's identity, class, reason, ratio and article."""
    for i in range(period.shape[0]):
        p = period[i]
        k = klass[i]
        r = reason[i]
        code_s[i] = 1 + code[i]
        reason_s[i] = 1 + n_codes + r
        class_s[i] = class_text[p, k, 0] if k >= 0 else 0
        pct_s[i] = class_text[p, k, 2 + vt[i]] if r == 0 else 0
        if r == 0:
            art_s[i] = class_text[p, k, 1]
        elif r == 1:
            art_s[i] = arts[p, 0]
        elif r == 2:
            art_s[i] = unclassed_art[p, code[i]]
        elif r == 3:
            art_s[i] = arts[p, 1]
        else:
            art_s[i] = arts[p, 2]
