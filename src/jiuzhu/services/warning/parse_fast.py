"""A compiled reader of a plain CLAIMS.csv for `jiuzhu warning scan` (the fast path).

It accepts only the canonical spelling of every cell (``YYYY-MM-DD``, ``YYYY-MM-DD
HH:MM:SS``, amounts ``123``, ``123.4`` or ``123.45``, flags ``0``/``1``/empty, no quotes,
no surrounding blanks, one field per header column). Anything else makes it give up
(returns the failing line), and the caller reads the file with the checking reader of
``services/calc.py``, which either raises the located error (calc-contract §8) or
reads the unusual spelling; so the fast path never accepts what the reference refuses
and reads what it accepts identically (tests/unit/test_warning_scan.py).
"""

from __future__ import annotations

import numpy as np
from numba import njit

# roles of the header's columns
IGNORE, SETL_ID, PSN_NO, SETL_TIME, MED_TYPE, BEGNDATE, ENDDATE = 0, 1, 2, 3, 4, 5, 6
INSCP, HIFP, HIFMI, HIFOB, MEDFEE = 7, 8, 9, 10, 11
OUT_OF_AREA, REFERRAL, EMERGENCY, IN_PROVINCE = 12, 13, 14, 15
ROLE_OF = {
    "setl_id": SETL_ID,
    "psn_no": PSN_NO,
    "setl_time": SETL_TIME,
    "med_type": MED_TYPE,
    "begndate": BEGNDATE,
    "enddate": ENDDATE,
    "inscp_scp_amt": INSCP,
    "hifp_pay": HIFP,
    "hifmi_pay": HIFMI,
    "hifob_pay": HIFOB,
    "medfee_sumamt": MEDFEE,
    "out_of_area": OUT_OF_AREA,
    "referral": REFERRAL,
    "emergency": EMERGENCY,
    "in_province": IN_PROVINCE,
}
# med_type → visit kind: 0 outpatient, 1 inpatient (2x), 2 chronic outpatient (14)
VISIT_OUTPATIENT, VISIT_INPATIENT, VISIT_CHRONIC = 0, 1, 2


@njit(cache=True)
def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm)."""
    if m <= 2:
        y -= 1
    era = (y if y >= 0 else y - 399) // 400
    yoe = y - era * 400
    mp = m - 3 if m > 2 else m + 9
    doy = (153 * mp + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146097 + doe - 719468


@njit(cache=True)
def _digits(buf, a: int, n: int) -> int:  # type: ignore[no-untyped-def]
    v = 0
    for k in range(a, a + n):
        c = buf[k]
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
    return v


@njit(cache=True)
def _date(buf, a: int, b: int):  # type: ignore[no-untyped-def]
    """(days, year) of ``YYYY-MM-DD`` in buf[a:b], or (0, -1) if not exactly that."""
    if b - a != 10 or buf[a + 4] != 45 or buf[a + 7] != 45:
        return 0, -1
    y = _digits(buf, a, 4)
    m = _digits(buf, a + 5, 2)
    d = _digits(buf, a + 8, 2)
    if y < 1 or m < 1 or m > 12 or d < 1:
        return 0, -1
    if m == 2:
        leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
        dim = 29 if leap else 28
    elif m == 4 or m == 6 or m == 9 or m == 11:
        dim = 30
    else:
        dim = 31
    if d > dim:
        return 0, -1
    return days_from_civil(y, m, d), y


@njit(cache=True)
def _amount(buf, a: int, b: int) -> int:  # type: ignore[no-untyped-def]
    """Fen of ``123``, ``123.4`` or ``123.45`` in buf[a:b]; -1 for anything else."""
    n = b - a
    if n < 1 or n > 17:
        return -1
    v = 0
    k = a
    while k < b and buf[k] != 46:
        c = buf[k]
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
        k += 1
    if k == a:
        return -1
    if k == b:
        return v * 100
    dec = b - k - 1
    if dec < 1 or dec > 2:
        return -1
    f = _digits(buf, k + 1, dec)
    if f < 0:
        return -1
    return v * 100 + (f * 10 if dec == 1 else f)


@njit(cache=True)
def _plain_text(buf, a: int, b: int) -> bool:  # type: ignore[no-untyped-def]
    """Non-empty, no blank or non-ASCII byte at either end (the reference strips those)."""
    if b <= a:
        return False
    c0 = buf[a]
    c1 = buf[b - 1]
    return 32 < c0 < 127 and 32 < c1 < 127


@njit(cache=True, nogil=True)
def _fnv(buf, a: int, b: int) -> np.int64:  # type: ignore[no-untyped-def]
    h = np.uint64(14695981039346656037)
    for k in range(a, b):
        h = (h ^ np.uint64(buf[k])) * np.uint64(1099511628211)
    return np.int64(h >> np.uint64(1))


@njit(cache=True, nogil=True)
def parse(buf, start: int, stop: int, roles, n_max: int):  # type: ignore[no-untyped-def]
    """Parse the data rows in buf[start:stop] (whole lines); returns (ok, failing line
    within the part, n, columns…). ``roles``: the role of each header column. Runs
    without the GIL, so the parts of a file parse on several cores at once.
    """
    ncol = roles.shape[0]
    sid_a = np.empty(n_max, np.int64)
    sid_b = np.empty(n_max, np.int64)
    psn_a = np.empty(n_max, np.int64)
    psn_b = np.empty(n_max, np.int64)
    sid_h = np.empty(n_max, np.int64)
    psn_h = np.empty(n_max, np.int64)
    t = np.empty(n_max, np.int64)
    bday = np.empty(n_max, np.int64)
    eday = np.empty(n_max, np.int64)
    year = np.empty(n_max, np.int64)
    visit = np.empty(n_max, np.int8)
    amt = np.zeros((n_max, 5), np.int64)  # inscp, hifp, hifmi, hifob, medfee (-1 missing)
    starts = np.empty(ncol + 1, np.int64)
    size = stop
    pos = start
    line = 1
    n = 0
    ok = True  # False: the file is not plain; `line` is the first line the reference must read
    while pos < size:
        line += 1
        # find the end of the line and its commas
        e = pos
        nf = 0
        starts[0] = pos
        while e < size and buf[e] != 10:
            if buf[e] == 44:
                nf += 1
                if nf > ncol - 1:
                    ok = False
                    break
                starts[nf] = e + 1
            e += 1
        if not ok:
            break
        end = e
        if end > pos and buf[end - 1] == 13:
            end -= 1
        nxt = e + 1
        if end == pos and nf == 0:
            pos = nxt  # a blank line, as the reference skips it
            continue
        if nf != ncol - 1:
            ok = False
            break
        starts[ncol] = end + 1
        amt[n, 3] = 0
        amt[n, 4] = -1
        have_end = False
        for j in range(ncol):
            a = starts[j]
            b = starts[j + 1] - 1
            r = roles[j]
            if r == IGNORE:
                continue
            if r in (SETL_ID, PSN_NO, MED_TYPE):
                if not _plain_text(buf, a, b):
                    ok = False
                    break
                if r == SETL_ID:
                    sid_a[n] = a
                    sid_b[n] = b
                    sid_h[n] = _fnv(buf, a, b)
                elif r == PSN_NO:
                    psn_a[n] = a
                    psn_b[n] = b
                    psn_h[n] = _fnv(buf, a, b)
                else:
                    if buf[a] == 50:
                        visit[n] = VISIT_INPATIENT
                    elif b - a == 2 and buf[a] == 49 and buf[a + 1] == 52:
                        visit[n] = VISIT_CHRONIC
                    else:
                        visit[n] = VISIT_OUTPATIENT
            elif r == SETL_TIME:
                if b - a != 19 or buf[a + 10] != 32 or buf[a + 13] != 58 or buf[a + 16] != 58:
                    ok = False
                    break
                d, y = _date(buf, a, a + 10)
                hh = _digits(buf, a + 11, 2)
                mm = _digits(buf, a + 14, 2)
                ss = _digits(buf, a + 17, 2)
                if y < 0 or hh < 0 or hh > 23 or mm < 0 or mm > 59 or ss < 0 or ss > 59:
                    ok = False
                    break
                t[n] = d * 86400 + hh * 3600 + mm * 60 + ss
            elif r in (BEGNDATE, ENDDATE):
                d, y = _date(buf, a, b)
                if y < 0:
                    ok = False
                    break
                if r == BEGNDATE:
                    bday[n] = d
                else:
                    eday[n] = d
                    year[n] = y
                    have_end = True
            elif r <= MEDFEE:
                if b == a and (r in (HIFOB, MEDFEE)):
                    continue
                v = _amount(buf, a, b)
                if v < 0:
                    ok = False
                    break
                amt[n, r - INSCP] = v
            else:  # a flag: the warning lines do not use flags, but bad ones are refused
                if not (b == a or (b - a == 1 and (buf[a] == 48 or buf[a] == 49))):
                    ok = False
                    break
        if not ok or not have_end or eday[n] < bday[n]:
            ok = False
            break
        n += 1
        pos = nxt
    return (
        ok,
        0 if ok else line,
        n,
        sid_a,
        sid_b,
        psn_a,
        psn_b,
        sid_h,
        psn_h,
        t,
        bday,
        eday,
        year,
        visit,
        amt,
    )


@njit(cache=True)
def same_bytes(buf, a1: int, b1: int, a2: int, b2: int) -> bool:  # type: ignore[no-untyped-def]
    if b1 - a1 != b2 - a2:
        return False
    for k in range(b1 - a1):  # noqa: SIM110  (numba compiles no generator)
        if buf[a1 + k] != buf[a2 + k]:
            return False
    return True


@njit(cache=True)
def distinct_ok(buf, order, h, a, b) -> int:  # type: ignore[no-untyped-def]
    """Over rows sorted by hash: 0 if no two rows share a hash; 1 if two share the text
    (a duplicate); 2 if two share a hash only (a collision)."""
    for k in range(1, order.shape[0]):
        i, j = order[k - 1], order[k]
        if h[i] == h[j]:
            return 1 if same_bytes(buf, a[i], b[i], a[j], b[j]) else 2
    return 0


@njit(cache=True)
def fnv2(buf, a: int, b: int) -> np.int64:  # type: ignore[no-untyped-def]
    """A second, independent 63-bit hash (other offset and prime, then a final mix)."""
    h = np.uint64(0x9E3779B97F4A7C15)
    for k in range(a, b):
        h = (h ^ np.uint64(buf[k])) * np.uint64(0x100000001B3 + 0x2A)
        h ^= h >> np.uint64(29)
    return np.int64(h >> np.uint64(1))


@njit(cache=True)
def second_hashes(buf, a, b):  # type: ignore[no-untyped-def]
    out = np.empty(a.shape[0], np.int64)
    for i in range(a.shape[0]):
        out[i] = fnv2(buf, a[i], b[i])
    return out


@njit(cache=True)
def first_hashes(buf, a, b):  # type: ignore[no-untyped-def]
    out = np.empty(a.shape[0], np.int64)
    for i in range(a.shape[0]):
        out[i] = _fnv(buf, a[i], b[i])
    return out


@njit(cache=True)
def civil_from_days(z: int):  # type: ignore[no-untyped-def]
    z += 719468
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    return (y + 1 if m <= 2 else y), m, d


@njit(cache=True)
def _put_int(out, o: int, v: int, width: int) -> int:  # type: ignore[no-untyped-def]
    """Write ``v`` ≥ 0 in decimal (at least ``width`` digits, zero-padded); return the new end."""
    n = 1
    x = v // 10
    while x > 0:
        n += 1
        x //= 10
    if n < width:
        n = width
    for k in range(n - 1, -1, -1):
        out[o + k] = 48 + v % 10
        v //= 10
    return o + n


@njit(cache=True)
def _put(out, o: int, src, a: int, b: int) -> int:  # type: ignore[no-untyped-def]
    for k in range(a, b):
        out[o] = src[k]
        o += 1
    return o


@njit(cache=True)
def _put_fen(out, o: int, v: int) -> int:  # type: ignore[no-untyped-def]
    o = _put_int(out, o, v // 100, 1)
    out[o] = 46
    return _put_int(out, o + 1, v % 100, 2)


@njit(cache=True)
def write_rows(
    buf,
    rows,
    psn_a,
    psn_b,
    sid_a,
    sid_b,
    year,
    t,
    amount,
    threshold,
    line,
    line_txt,
    line_off,
    ident,
    id_txt,
    id_off,
    art,
    art_txt,
    art_off,
):  # type: ignore[no-untyped-def]
    """WARNINGS.csv lines (after the header) of the firings ``rows``, as bytes."""
    size = 0
    for k in range(rows.shape[0]):
        i = rows[k]
        size += (psn_b[i] - psn_a[i]) + (sid_b[i] - sid_a[i]) + 100
        size += line_off[line[k] + 1] - line_off[line[k]] + art_off[art[k] + 1] - art_off[art[k]]
    out = np.empty(size, np.uint8)
    o = 0
    for k in range(rows.shape[0]):
        i = rows[k]
        o = _put(out, o, buf, psn_a[i], psn_b[i])
        out[o] = 44
        o = _put_int(out, o + 1, year[i], 1)
        out[o] = 44
        o = _put(out, o + 1, line_txt, line_off[line[k]], line_off[line[k] + 1])
        out[o] = 44
        o = _put(out, o + 1, buf, sid_a[i], sid_b[i])
        out[o] = 44
        o += 1
        if ident[i] >= 0:
            o = _put(out, o, id_txt, id_off[ident[i]], id_off[ident[i] + 1])
        out[o] = 44
        o = _put_fen(out, o + 1, amount[k])
        out[o] = 44
        o = _put_fen(out, o + 1, threshold[k])
        out[o] = 44
        o += 1
        s = t[i]
        y, m, d = civil_from_days(s // 86400)
        r = s % 86400
        o = _put_int(out, o, y, 4)
        out[o] = 45
        o = _put_int(out, o + 1, m, 2)
        out[o] = 45
        o = _put_int(out, o + 1, d, 2)
        out[o] = 32
        o = _put_int(out, o + 1, r // 3600, 2)
        out[o] = 58
        o = _put_int(out, o + 1, r // 60 % 60, 2)
        out[o] = 58
        o = _put_int(out, o + 1, r % 60, 2)
        out[o] = 44
        o = _put(out, o + 1, art_txt, art_off[art[k]], art_off[art[k] + 1])
        out[o] = 10
        o += 1
    return out[:o]


@njit(cache=True)
def fixed_width(buf, rows, a, b, width: int):  # type: ignore[no-untyped-def]
    """The texts buf[a[i]:b[i]] of ``rows`` as a (len(rows), width) zero-padded byte matrix
    (viewed as numpy ``S{width}`` it sorts as the texts do: byte order is code point order)."""
    out = np.zeros((rows.shape[0], width), np.uint8)
    for k in range(rows.shape[0]):
        i = rows[k]
        for j in range(b[i] - a[i]):
            out[k, j] = buf[a[i] + j]
    return out
