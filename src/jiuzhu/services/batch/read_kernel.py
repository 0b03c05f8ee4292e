"""The compiled reader of CLAIMS.csv (calc-contract §8), for `jiuzhu calc`'s columnar
path and `jiuzhu warning scan` alike, and the compiled date and number helpers that
the stored-settlement reader (``stored_kernel``) and the identity import share.

The kernel accepts only the canonical form of every cell (ASCII digits, ``YYYY-MM-DD``,
``YYYY-MM-DD HH:MM:SS``, amounts ``123`` or ``123.4`` or ``123.45``, flags ``0``/``1``)
and reports anything else as "not plain" with its row: the caller then reads the file
with the checking reader of ``readers.py``, which raises the located error (file,
line, column) exactly as before, or accepts the odd but valid form. So the columnar
path refuses exactly what the reference refuses, by construction.

Each caller names the columns it reads (``slot_map``): calc reads the contract's
columns, the warning scan ``medfee_sumamt`` as well; a column not named is ignored.

Days are proleptic ordinals (``datetime.date.toordinal``); times are ordinal × 86400
plus seconds; money is integer fen.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np

from jiuzhu.services.batch._jit import njit

# column slots of CLAIMS.csv, in the order of calc-contract §8
SLOTS = (
    "setl_id", "psn_no", "setl_time", "med_type", "begndate", "enddate",
    "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay",
    "out_of_area", "referral", "emergency", "in_province", "_stored_paid_fen", "_county",
    "medfee_sumamt",
)  # fmt: skip
N_SLOTS = len(SLOTS)
CLAIM_COLUMNS = SLOTS[:14]
"""The columns of calc-contract §8."""
CALC_COLUMNS = SLOTS[:16]
"""What `jiuzhu calc` and the simulation read (with the stored payment and county)."""
WARNING_COLUMNS = (*CLAIM_COLUMNS, "medfee_sumamt")
"""What `jiuzhu warning scan` reads (calc-contract §11)."""
N_ROWS = 21
"""Rows of the claim columns (see :func:`read_claims`)."""
N_BASE_ROWS = 18
"""Rows without the optional three (stored payment, county, ``medfee_sumamt``): what
`jiuzhu calc` reads from a CLAIMS.csv (23 MB less for a million claims)."""
OPTIONAL_COLUMNS = frozenset({"_stored_paid_fen", "_county", "medfee_sumamt"})


def rows_for(columns: Collection[str]) -> int:
    """How many rows the claim columns of a reader of ``columns`` need."""
    return N_ROWS if OPTIONAL_COLUMNS & set(columns) else N_BASE_ROWS
MISSING = -1
"""An optional amount left empty (``medfee_sumamt``)."""
VISIT_TYPES = ("inpatient", "chronic_outpatient", "outpatient")
"""Index of a claim's visit type (``domain.claim.visit_type_of``)."""
FLAG_OUT_OF_AREA, FLAG_REFERRAL, FLAG_EMERGENCY, FLAG_IN_PROVINCE = 1, 2, 4, 8
MAX_LINE = 131072
"""csv's default field size limit: a longer line goes to the checking reader."""

OK, NOT_PLAIN = 0, 1


def hashes(cols: np.ndarray, row: int) -> np.ndarray:
    """The hashes in row 16 (setl_id) or 17 (psn_no) of claim columns, as uint64."""
    return np.ascontiguousarray(cols[row]).view(np.uint64)


def slot_map(
    index: Mapping[str, int], columns: Collection[str], slots: tuple[str, ...] = SLOTS
) -> np.ndarray:
    """The field (``index``: name → position in the header) of each of ``slots`` that
    the caller reads (it is in ``columns``); -1 for a slot not read or not in the file."""
    return np.array([index[c] if c in columns and c in index else -1 for c in slots], np.int64)


@njit
def is_space(c: int) -> bool:
    """ASCII whitespace as ``str.strip`` sees it."""
    return c == 32 or (9 <= c <= 13) or (28 <= c <= 31)


@njit
def strip(buf, s, e):  # type: ignore[no-untyped-def]
    while s < e and is_space(buf[s]):
        s += 1
    while e > s and is_space(buf[e - 1]):
        e -= 1
    return s, e


@njit
def digits(buf, s, n):  # type: ignore[no-untyped-def]
    """The value of ``n`` ASCII digits from ``s``, or -1."""
    v = 0
    for i in range(s, s + n):
        c = buf[i]
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
    return v


@njit
def ordinal(y, m, d):  # type: ignore[no-untyped-def]
    """``date(y, m, d).toordinal()``, or -1 for a day that does not exist."""
    if y < 1 or m < 1 or m > 12 or d < 1:
        return -1
    leap = (y % 4 == 0 and y % 100 != 0) or y % 400 == 0
    dim = 31
    if m == 2:
        dim = 29 if leap else 28
    elif m == 4 or m == 6 or m == 9 or m == 11:
        dim = 30
    if d > dim:
        return -1
    before = (367 * m - 362) // 12  # days of the months before m, February of 30 days
    if m > 2:
        before -= 1 if leap else 2
    y1 = y - 1
    return y1 * 365 + y1 // 4 - y1 // 100 + y1 // 400 + before + d


@njit
def civil_from_ordinal(day):  # type: ignore[no-untyped-def]
    """(year, month, day) of a proleptic ordinal (H. Hinnant's ``civil_from_days``)."""
    z = day - 719163 + 719468  # days since 0000-03-01
    era = (z if z >= 0 else z - 146096) // 146097
    doe = z - era * 146097
    yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + 3 if mp < 10 else mp - 9
    y = yoe + era * 400
    return (y + 1 if m <= 2 else y), m, d


@njit
def year_of(day):  # type: ignore[no-untyped-def]
    """The year of a proleptic ordinal (``date.fromordinal(day).year``)."""
    y, _, _ = civil_from_ordinal(day)
    return y


@njit
def signed(buf, s, e):  # type: ignore[no-untyped-def]
    """(value, ok) of ``-?d+`` (at most 18 digits)."""
    neg = e > s and buf[s] == 45
    if neg:
        s += 1
    n = e - s
    if n < 1 or n > 18:
        return 0, False
    v = digits(buf, s, n)
    if v < 0:
        return 0, False
    return (-v if neg else v), True


@njit
def visit_type(buf, a, b):  # type: ignore[no-untyped-def]
    """The index in :data:`VISIT_TYPES` of the stripped ``med_type`` in ``buf[a:b]``:
    2x inpatient, 14 chronic or special outpatient, anything else outpatient (§3)."""
    if buf[a] == 50:
        return 0
    if b - a == 2 and buf[a] == 49 and buf[a + 1] == 52:
        return 1
    return 2


@njit
def parse_date(buf, s, e):  # type: ignore[no-untyped-def]
    """(ordinal, year) of a ``YYYY-MM-DD`` cell, or (-1, 0)."""
    if e - s != 10 or buf[s + 4] != 45 or buf[s + 7] != 45:
        return -1, 0
    y = digits(buf, s, 4)
    m = digits(buf, s + 5, 2)
    d = digits(buf, s + 8, 2)
    if y < 0 or m < 0 or d < 0:
        return -1, 0
    return ordinal(y, m, d), y


@njit
def parse_time(buf, s, e):  # type: ignore[no-untyped-def]
    """Seconds since day 0 of a ``YYYY-MM-DD HH:MM:SS`` cell, or -1."""
    if e - s != 19 or buf[s + 10] != 32 or buf[s + 13] != 58 or buf[s + 16] != 58:
        return -1
    day, _ = parse_date(buf, s, s + 10)
    hh = digits(buf, s + 11, 2)
    mm = digits(buf, s + 14, 2)
    ss = digits(buf, s + 17, 2)
    if day < 0 or hh < 0 or mm < 0 or ss < 0 or hh > 23 or mm > 59 or ss > 59:
        return -1
    return day * 86400 + hh * 3600 + mm * 60 + ss


@njit
def parse_amount(buf, s, e):  # type: ignore[no-untyped-def]
    """Fen of ``d+`` or ``d+.d`` or ``d+.dd`` (at most 13 whole digits), or -1."""
    v = 0
    i = s
    while i < e and i - s < 14:
        c = buf[i]
        if c == 46:
            break
        if c < 48 or c > 57:
            return -1
        v = v * 10 + (c - 48)
        i += 1
    nw = i - s
    if nw < 1 or nw > 13:
        return -1
    if i == e:
        return v * 100
    nf = e - i - 1
    if nf < 1 or nf > 2:
        return -1
    f = digits(buf, i + 1, nf)
    if f < 0:
        return -1
    return v * 100 + (f * 10 if nf == 1 else f)


@njit
def parse_flag(buf, s, e, default):  # type: ignore[no-untyped-def]
    """1/0 of a flag cell (empty: ``default``), or -1."""
    s, e = strip(buf, s, e)
    if s == e:
        return default
    if e - s == 1 and (buf[s] == 48 or buf[s] == 49):
        return buf[s] - 48
    return -1


@njit
def optional(buf, s, e, empty, most):  # type: ignore[no-untyped-def]
    """(value, ok) of an optional cell, stripped: ``empty`` when blank; else an amount
    in fen (``most`` 0) or a whole number of at most ``most`` digits."""
    if e == s:
        return empty, True
    a, b = strip(buf, s, e)
    if a == b:
        return empty, True
    v = parse_amount(buf, a, b) if most == 0 else digits(buf, a, b - a) if b - a <= most else -1
    return v, v >= 0


@njit
def plain_text(buf, s, e):  # type: ignore[no-untyped-def]
    """A stripped text cell: non-empty and not beginning or ending in a non-ASCII byte
    (whose whitespace ``str.strip`` would also remove)."""
    return e > s and buf[s] < 128 and buf[e - 1] < 128


ROW, BLANK, TOO_LONG = 0, 1, 2


@njit
def split_line(buf, p, stop, field_of_slot, starts, fs, fe):  # type: ignore[no-untyped-def]
    """Cut the line that begins at ``p`` into the fields the caller reads:
    ``fs[slot]:fe[slot]`` is the field of each slot (0:0 when the line has none).
    ``starts`` (2 + the largest field read, so that the end of every field read is
    known) is scratch for where fields begin.
    Returns (where the next line begins, ROW or BLANK — no text but commas and
    blanks, which the checking reader skips — or TOO_LONG for the csv field limit)."""
    m = starts.shape[0] - 1
    nf = 1
    starts[0] = p
    q = p
    while q < stop:
        c = buf[q]
        if c == 10:
            break
        if c == 44:
            if nf <= m:
                starts[nf] = q + 1
            nf += 1
        q += 1
    e = q
    if e > p and buf[e - 1] == 13:
        e -= 1
    for k in range(field_of_slot.shape[0]):
        f = field_of_slot[k]
        if f < 0 or f >= nf:
            fs[k] = 0
            fe[k] = 0
        else:
            fs[k] = starts[f]
            fe[k] = starts[f + 1] - 1 if f + 1 < nf else e
    for t in range(p, e):
        if buf[t] != 44 and not is_space(buf[t]):
            return q + 1, (TOO_LONG if q - p >= MAX_LINE else ROW)
    return q + 1, BLANK


@njit
def read_claims(buf, pos, stop, field_of_slot, cols, at):  # type: ignore[no-untyped-def]
    """Parse the data rows of ``buf[pos:stop]`` (whole lines) into ``cols`` (int64, one
    column per claim, the first at column ``at``).

    ``field_of_slot[s]``: the field of slot ``s`` (-1: not read; see :func:`slot_map`).
    ``cols`` rows: 0,1 setl_id start/end; 2,3 psn_no start/end; 4 setl_time; 5 visit
    type; 6 begndate; 7 enddate; 8 year; 9 base; 10 flags; 11 line start; 12-15 the four
    amounts; 16, 17 the :func:`text_hash` of setl_id and of psn_no (its bits; see
    :func:`hashes`); and only when ``cols`` has :data:`N_ROWS` rows: 18 the stored
    payment in fen (column ``_stored_paid_fen``), 19 the county code (``_county``, -1
    when none): simulation of stored settlements; 20 ``medfee_sumamt`` (:data:`MISSING`
    when empty or not read).
    Returns (rows, status, bad row index).
    """
    fs = np.empty(N_SLOTS, np.int64)
    fe = np.empty(N_SLOTS, np.int64)
    starts = np.empty(2 + max(0, field_of_slot.max()), np.int64)
    p = pos
    n = 0
    while p < stop:
        line_start = p
        p, kind = split_line(buf, p, stop, field_of_slot, starts, fs, fe)
        if kind == BLANK:
            continue
        if kind == TOO_LONG:
            return n, NOT_PLAIN, n
        r = at + n
        # setl_id, psn_no, med_type: stripped text
        a, b = strip(buf, fs[0], fe[0])
        if not plain_text(buf, a, b):
            return n, NOT_PLAIN, n
        cols[0, r] = a
        cols[16, r] = text_hash(buf, a, b, False)
        cols[1, r] = b
        a, b = strip(buf, fs[1], fe[1])
        if not plain_text(buf, a, b):
            return n, NOT_PLAIN, n
        cols[2, r] = a
        cols[3, r] = b
        cols[17, r] = text_hash(buf, a, b, False)
        t = parse_time(buf, fs[2], fe[2])
        if t < 0:
            return n, NOT_PLAIN, n
        cols[4, r] = t
        a, b = strip(buf, fs[3], fe[3])
        if not plain_text(buf, a, b):
            return n, NOT_PLAIN, n
        cols[5, r] = visit_type(buf, a, b)
        d0, _ = parse_date(buf, fs[4], fe[4])
        d1, year = parse_date(buf, fs[5], fe[5])
        if d0 < 0 or d1 < 0 or d1 < d0:
            return n, NOT_PLAIN, n
        cols[6, r] = d0
        cols[7, r] = d1
        cols[8, r] = year
        base = 0
        for k in range(3):
            v = parse_amount(buf, fs[6 + k], fe[6 + k])
            if v < 0:
                return n, NOT_PLAIN, n
            cols[12 + k, r] = v
        hifob, ok = optional(buf, fs[9], fe[9], 0, 0)
        if not ok:
            return n, NOT_PLAIN, n
        cols[15, r] = hifob
        base = cols[12, r] - cols[13, r] - cols[14, r] - hifob
        cols[9, r] = base if base > 0 else 0
        flags = 8  # in_province defaults to 1
        for k in range(4):
            if fe[10 + k] > fs[10 + k]:
                v = parse_flag(buf, fs[10 + k], fe[10 + k], 1 if k == 3 else 0)
                if v < 0:
                    return n, NOT_PLAIN, n
                flags = (flags & ~(1 << k)) | (v << k)
        cols[10, r] = flags
        cols[11, r] = line_start
        # the stored payment (≤ 16 digits), the county (≤ 9), medfee_sumamt (an amount)
        paid, ok0 = optional(buf, fs[14], fe[14], 0, 16)
        county, ok1 = optional(buf, fs[15], fe[15], -1, 9)
        medfee, ok2 = optional(buf, fs[16], fe[16], MISSING, 0)
        if not (ok0 and ok1 and ok2):
            return n, NOT_PLAIN, n
        if cols.shape[0] > N_BASE_ROWS:  # the optional rows, when the caller asked for them
            cols[18, r] = paid
            cols[19, r] = county
            cols[20, r] = medfee
        n += 1
    return n, OK, -1


@njit
def text_hash(buf, s, e, second):  # type: ignore[no-untyped-def]
    """64-bit FNV-1a of ``buf[s:e]`` (a grouping key; equal bytes are checked after), or
    with ``second`` an independent second hash (other offset and prime, a shift mixed
    in): two texts with both hashes equal are taken to be one person."""
    h = np.uint64(0x9E3779B97F4A7C15 if second else 14695981039346656037)
    prime = np.uint64(0x100000001B3 + 0x2A if second else 1099511628211)
    for i in range(s, e):
        h = (h ^ np.uint64(buf[i])) * prime
        if second:
            h ^= h >> np.uint64(29)
    return h


@njit
def hash_spans(buf, starts, ends, out, second=False):  # type: ignore[no-untyped-def]
    """:func:`text_hash` of each text ``buf[starts[i]:ends[i]]`` into ``out``."""
    for i in range(starts.shape[0]):
        out[i] = text_hash(buf, starts[i], ends[i], second)


@njit
def compare(buf, a0, a1, b0, b1):  # type: ignore[no-untyped-def]
    """-1, 0, 1 as ``buf[a0:a1]`` sorts before, equal to, after ``buf[b0:b1]`` (bytes of
    UTF-8 sort as the code points of the text)."""
    na = a1 - a0
    nb = b1 - b0
    for i in range(min(na, nb)):
        x = buf[a0 + i]
        y = buf[b0 + i]
        if x != y:
            return -1 if x < y else 1
    if na == nb:
        return 0
    return -1 if na < nb else 1


@njit
def same_text(x, x0, x1, y, y0, y1):  # type: ignore[no-untyped-def]
    """Whether ``x[x0:x1]`` and ``y[y0:y1]`` hold the same bytes."""
    if x1 - x0 != y1 - y0:
        return False
    for i in range(x1 - x0):  # noqa: SIM110 - all() of a generator does not compile
        if x[x0 + i] != y[y0 + i]:
            return False
    return True


@njit
def any_duplicate(buf, order, hashes, starts, ends):  # type: ignore[no-untyped-def]
    """Whether two rows, ``order`` sorting them by ``hashes``, have equal text."""
    for j in range(1, order.shape[0]):
        i0 = order[j - 1]
        i1 = order[j]
        if hashes[i0] != hashes[i1]:
            continue
        # a run of equal hashes: compare every pair of it (runs are tiny)
        k = j - 1
        while k >= 0 and hashes[order[k]] == hashes[i1]:
            i0 = order[k]
            if compare(buf, starts[i0], ends[i0], starts[i1], ends[i1]) == 0:
                return True
            k -= 1
    return False


@njit
def group_persons(buf, order, hashes, cols, bounds):  # type: ignore[no-untyped-def]
    """Cut ``order`` (rows sorted by person hash) into persons; order each person's rows by
    ``setl_time``, ties by ``setl_id`` as text (calc-contract §3). ``bounds`` receives the
    first position of each person (and the end). Returns the number of persons, or -1
    when two different psn_no share a hash (the caller then takes the reference path).
    """
    n = order.shape[0]
    g = 0
    i = 0
    while i < n:
        h = hashes[order[i]]
        j = i + 1
        r0 = order[i]
        while j < n and hashes[order[j]] == h:
            r = order[j]
            if compare(buf, cols[2, r0], cols[3, r0], cols[2, r], cols[3, r]) != 0:
                return -1
            j += 1
        # insertion sort of positions i..j-1 (a person has few claims)
        for a in range(i + 1, j):
            x = order[a]
            b = a - 1
            while b >= i:
                y = order[b]
                if cols[4, y] < cols[4, x]:
                    break
                if cols[4, y] == cols[4, x] and (
                    compare(buf, cols[0, y], cols[1, y], cols[0, x], cols[1, x]) < 0
                ):
                    break
                order[b + 1] = y
                b -= 1
            order[b + 1] = x
        bounds[g] = i
        g += 1
        i = j
    bounds[g] = n
    return g


@njit
def find_text(buf, starts, ends, needle):  # type: ignore[no-untyped-def]
    """The first row whose text equals ``needle`` (uint8 array), or -1."""
    m = needle.shape[0]
    for i in range(starts.shape[0]):
        if ends[i] - starts[i] != m:
            continue
        same = True
        for k in range(m):
            if buf[starts[i] + k] != needle[k]:
                same = False
                break
        if same:
            return i
    return -1


ID_SLOTS = ("psn_no", "identity", "begndate", "enddate")


@njit
def read_identities(buf, pos, field_of_slot, codes, code_off, code_val, max_day, cols):  # type: ignore[no-untyped-def]
    """Parse IDENTITIES.csv rows from ``pos`` into ``cols``: 0,1 psn_no start/end; 2 code
    index (``codes[code_off[j]:code_off[j+1]]`` reads as ``code_val[j]``, the operator's
    outside codes included); 3 begndate; 4 enddate (``max_day`` when open).
    Returns (rows, status)."""
    fs = np.zeros(4, np.int64)
    fe = np.zeros(4, np.int64)
    starts = np.empty(2 + max(0, field_of_slot.max()), np.int64)
    p = pos
    n = 0
    stop = buf.shape[0]
    while p < stop:
        p, kind = split_line(buf, p, stop, field_of_slot, starts, fs, fe)
        if kind == BLANK:
            continue
        if kind == TOO_LONG:
            return n, NOT_PLAIN
        a, b = strip(buf, fs[0], fe[0])
        if not plain_text(buf, a, b):
            return n, NOT_PLAIN
        cols[0, n] = a
        cols[1, n] = b
        a, b = strip(buf, fs[1], fe[1])
        code = -1
        for j in range(code_off.shape[0] - 1):
            if same_text(codes, code_off[j], code_off[j + 1], buf, a, b):
                code = code_val[j]
                break
        if code < 0:
            return n, NOT_PLAIN
        cols[2, n] = code
        d0, _ = parse_date(buf, fs[2], fe[2])
        if d0 < 0:
            return n, NOT_PLAIN
        a, b = strip(buf, fs[3], fe[3])
        if a == b:
            d1 = max_day
        else:
            d1, _ = parse_date(buf, fs[3], fe[3])
            if d1 < d0:
                return n, NOT_PLAIN
        cols[3, n] = d0
        cols[4, n] = d1
        n += 1
    return n, OK


@njit
def group_by_hash(order, hashes, bounds):  # type: ignore[no-untyped-def]
    """Cut ``order`` (rows sorted by hash) where the hash changes; returns the groups."""
    n = order.shape[0]
    g = 0
    for i in range(n):
        if i == 0 or hashes[order[i]] != hashes[order[i - 1]]:
            bounds[g] = i
            g += 1
    bounds[g] = n
    return g


@njit
def one_text_per_group(buf, starts, ends, order, bounds, n_groups):  # type: ignore[no-untyped-def]
    """Whether every row of each group has the text of the group's first row."""
    for g in range(n_groups):
        r0 = order[bounds[g]]
        for pos in range(bounds[g] + 1, bounds[g + 1]):
            r = order[pos]
            if compare(buf, starts[r0], ends[r0], starts[r], ends[r]) != 0:
                return False
    return True
