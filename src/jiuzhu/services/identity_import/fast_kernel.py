"""Compiled reading of a department list in its plain form (the monthly comparison).

Every cell is checked as the reference reader (``rows.parse_rows``) checks it, but only
its canonical form is accepted (ID number of GB 11643-1999 with its check digit and
birth date, dates ``YYYY-MM-DD``): any other row makes the caller take the reference
path, which reads the odd form or names the error. Texts stay as byte spans.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch._jit import njit

OK, NOT_PLAIN = 0, 1
MAX_DAY = 10**9
"""An open enddate."""


@njit
def plain_lines(buf):  # type: ignore[no-untyped-def]
    """One pass over a file's bytes: the number of line feeds, or -1 when the file is not
    in the plain form the compiled reader takes — a quote, a NUL, a carriage return not
    followed by a line feed, or bytes that are not UTF-8 exactly as Python's strict
    decoder reads it (Unicode 15 table 3-7: no overlong forms, no surrogates, nothing
    above U+10FFFF)."""
    n = buf.shape[0]
    lines = 0
    i = 0
    while i < n:
        c = buf[i]
        if c < 0x80:
            if c == 10:
                lines += 1
            elif c == 34 or c == 0 or c == 13 and (i + 1 >= n or buf[i + 1] != 10):
                return -1
            i += 1
            continue
        if 0xC2 <= c <= 0xDF:
            k, lo, hi = 1, 0x80, 0xBF
        elif c == 0xE0:
            k, lo, hi = 2, 0xA0, 0xBF
        elif 0xE1 <= c <= 0xEC or c == 0xEE or c == 0xEF:
            k, lo, hi = 2, 0x80, 0xBF
        elif c == 0xED:
            k, lo, hi = 2, 0x80, 0x9F
        elif c == 0xF0:
            k, lo, hi = 3, 0x90, 0xBF
        elif 0xF1 <= c <= 0xF3:
            k, lo, hi = 3, 0x80, 0xBF
        elif c == 0xF4:
            k, lo, hi = 3, 0x80, 0x8F
        else:
            return -1
        if i + k >= n:
            return -1
        d = buf[i + 1]
        if d < lo or d > hi:
            return -1
        for j in range(2, k + 1):
            d = buf[i + j]
            if d < 0x80 or d > 0xBF:
                return -1
        i += k + 1
    return lines


@njit
def split_rows(buf, pos, sep, width, strip, fs, fe, line_no):  # type: ignore[no-untyped-def]
    """Cells ``0..width-1`` of every non-blank line from ``pos``, ASCII-stripped (if
    ``strip``), into
    ``fs``/``fe`` (missing cells are empty), and each row's line number (the header is
    line 1). Returns (rows, status). A cell may still begin or end in a non-ASCII space
    that ``str.strip`` removes: texts are stripped again when decoded, and a psn_no
    must begin and end in ASCII (``check_rows``)."""
    n_bytes = buf.shape[0]
    p = pos
    n = 0
    line = 1
    while p < n_bytes:
        line += 1
        line_start = p
        for k in range(width):
            fs[k, n] = 0
            fe[k, n] = 0
        f = 0
        fstart = p
        q = p
        blank = True
        while q < n_bytes and buf[q] != 10:
            c = buf[q]
            if c == sep:
                if f < width:
                    fs[f, n] = fstart
                    fe[f, n] = q
                f += 1
                fstart = q + 1
            elif blank and not rk.is_space(c):
                blank = False
            q += 1
        e = q
        if e > line_start and buf[e - 1] == 13:
            e -= 1
        if f < width:
            fs[f, n] = fstart
            fe[f, n] = max(fstart, e)
        p = q + 1
        if blank:
            continue
        for k in range(width if strip else 0):
            a, b = rk.strip(buf, fs[k, n], fe[k, n])
            fs[k, n] = a
            fe[k, n] = b
        line_no[n] = line
        n += 1
    return n, OK


@njit
def check_rows(buf, fs, fe, n, i_psn, i_cert, i_beg, i_end, beg, end, cert_x):  # type: ignore[no-untyped-def]
    """Each row's psn_no present, ID number valid (GB 11643-1999: 17 digits, check
    character, birth date), begndate and enddate canonical with end ≥ begin; ``beg`` and
    ``end`` get the ordinals (``MAX_DAY``: open), ``cert_x[i]`` 1 when the check
    character is a lower-case x (upper-cased as the reference does). Returns the first
    row that is not plain, or -1."""
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = (49, 48, 88, 57, 56, 55, 54, 53, 52, 51, 50)  # "10X98765432"
    for i in range(n):
        if not rk.plain_text(buf, fs[i_psn, i], fe[i_psn, i]):
            return i
        a = fs[i_cert, i]
        if fe[i_cert, i] - a != 18:
            return i
        s = 0
        for k in range(17):
            c = buf[a + k]
            if c < 48 or c > 57:
                return i
            s += (c - 48) * weights[k]
        last = buf[a + 17]
        cert_x[i] = 0
        if last == 120:
            last = 88
            cert_x[i] = 1
        if last != check[s % 11]:
            return i
        y = rk.digits(buf, a + 6, 4)
        m = rk.digits(buf, a + 10, 2)
        d = rk.digits(buf, a + 12, 2)
        if rk.ordinal(y, m, d) < 0:
            return i
        d0, _ = rk.parse_date(buf, fs[i_beg, i], fe[i_beg, i])
        if d0 < 0:
            return i
        beg[i] = d0
        if fe[i_end, i] == fs[i_end, i]:
            end[i] = MAX_DAY
        else:
            d1, _ = rk.parse_date(buf, fs[i_end, i], fe[i_end, i])
            if d1 < d0:
                return i
            end[i] = d1
    return -1


@njit
def join_spans(buf, starts, ends, sep, out):  # type: ignore[no-untyped-def]
    """The spans' bytes one after another, each followed by ``sep``; returns the length."""
    p = 0
    for i in range(starts.shape[0]):
        for t in range(starts[i], ends[i]):
            out[p] = buf[t]
            p += 1
        out[p] = sep
        p += 1
    return p


def texts(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> list[str]:
    """The spans as Python strings (one decode and one split for all of them)."""
    n = int(starts.shape[0])
    if n == 0:
        return []
    out = np.empty(int((ends - starts).sum()) + n, np.uint8)
    used = join_spans(buf, starts, ends, 10, out)
    return bytes(out[: used - 1]).decode("utf-8").split("\n")


@njit
def parse_ints(buf, starts, ends, empty, out):  # type: ignore[no-untyped-def]
    """``-?d+`` of each span (``empty`` for an empty span); returns the first bad row or -1."""
    for i in range(starts.shape[0]):
        a = starts[i]
        b = ends[i]
        if a == b:
            out[i] = empty
            continue
        neg = buf[a] == 45
        if neg:
            a += 1
        if b - a < 1 or b - a > 18:
            return i
        v = rk.digits(buf, a, b - a)
        if v < 0:
            return i
        out[i] = -v if neg else v
    return -1


@njit
def hash_differs(r_buf, r_start, r_end, at_reg, hb):  # type: ignore[no-untyped-def]
    """The first person ``k`` whose registry row ``at_reg[k]`` holds an ID-number hash
    (64 hex characters at ``r_buf[r_start:r_end]``) other than ``hb[64k:64k+64]``; -1."""
    for k in range(at_reg.shape[0]):
        j = at_reg[k]
        if j < 0:
            continue
        a = r_start[j]
        m = r_end[j] - a
        if m == 0:
            continue
        if m != 64:
            return k
        for t in range(64):
            if r_buf[a + t] != hb[64 * k + t]:
                return k
    return -1


@njit
def few_texts(buf, starts, ends, most, group, first):  # type: ignore[no-untyped-def]
    """Each text's group among its distinct texts, found by comparing bytes with the
    first text of each group (a column of a few values: the identity names of a list).
    ``group[i]`` the group of text ``i``, ``first[k]`` the first text of group ``k``.
    Returns how many groups, or -1 when there are more than ``most``."""
    g = 0
    for i in range(starts.shape[0]):
        a, b = starts[i], ends[i]
        found = -1
        for k in range(g):
            j = first[k]
            c, d = starts[j], ends[j]
            if d - c == b - a:
                same = True
                for t in range(b - a):
                    if buf[a + t] != buf[c + t]:
                        same = False
                        break
                if same:
                    found = k
                    break
        if found < 0:
            if g == most:
                return -1
            first[g] = i
            found = g
            g += 1
        group[i] = found
    return g
