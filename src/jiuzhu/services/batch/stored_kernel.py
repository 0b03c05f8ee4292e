"""Compiled reading of stored settlements into claim columns (政策测算 on stored data).

The database hands a region-year's settlements over as a few large texts, one line per
settlement, ten fields (``simulate_load.LINE``): setl_id, psn_no, setl_time
(``YYYY-MM-DD HH:MM:SS`` with an optional fraction, which is cut as the reference cuts
it), med_type, begndate and enddate as days since 0001-01-01, the base in fen (calc-contract
§3, already ``max(0, inscp_scp_amt - hifp_pay - hifmi_pay - hifob_pay)``), the four flags
as bits, the stored payment in fen and the county code (empty: none). The columns are
those of :mod:`read_kernel` (``read_claims``), so the engine reads them as a file's; the
dates, numbers and visit types are read by its compiled helpers.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch._jit import njit

N_FIELDS = 10
OK, BAD = 0, 1


@njit
def read_stored(buf, cols):  # type: ignore[no-untyped-def]
    """Parse every line of ``buf`` into ``cols`` (the rows of ``read_kernel.read_claims``).

    Returns (rows, status, bad row): a line without its ten fields or with a field out
    of form stops the read (the caller names it)."""
    n_bytes = buf.shape[0]
    fs = np.empty(N_FIELDS, np.int64)
    fe = np.empty(N_FIELDS, np.int64)
    p = 0
    n = 0
    while p < n_bytes:
        line_start = p
        f = 0
        fs[0] = p
        q = p
        while q < n_bytes and buf[q] != 10:
            if buf[q] == 44:
                if f < N_FIELDS:
                    fe[f] = q
                f += 1
                if f < N_FIELDS:
                    fs[f] = q + 1
            q += 1
        p = q + 1
        if q == line_start:
            continue  # an empty line (between two parts)
        if f != N_FIELDS - 1:
            return n, BAD, n
        fe[f] = q
        if fe[0] <= fs[0] or fe[1] <= fs[1] or fe[3] <= fs[3]:
            return n, BAD, n
        cols[0, n] = fs[0]
        cols[16, n] = rk.text_hash(buf, fs[0], fe[0], False)
        cols[1, n] = fe[0]
        cols[2, n] = fs[1]
        cols[3, n] = fe[1]
        cols[17, n] = rk.text_hash(buf, fs[1], fe[1], False)
        a = fs[2]
        b = fe[2]
        if b - a > 19 and buf[a + 19] == 46:
            b = a + 19  # fractions of a second: cut, as the reference reads the time
        t = rk.parse_time(buf, a, b)
        if t < 0:
            return n, BAD, n
        cols[4, n] = t
        cols[5, n] = rk.visit_type(buf, fs[3], fe[3])
        d0, ok0 = rk.signed(buf, fs[4], fe[4])
        d1, ok1 = rk.signed(buf, fs[5], fe[5])
        if not ok0 or not ok1 or d0 < 0 or d1 < d0:
            return n, BAD, n
        cols[6, n] = d0 + 1
        cols[7, n] = d1 + 1
        cols[8, n] = rk.year_of(d1 + 1)
        base, ok = rk.signed(buf, fs[6], fe[6])
        if not ok or base < 0:
            return n, BAD, n
        cols[9, n] = base
        flags, ok = rk.signed(buf, fs[7], fe[7])
        if not ok or flags < 0 or flags > 15:
            return n, BAD, n
        cols[10, n] = flags
        cols[11, n] = line_start
        for k in range(12, 16):
            cols[k, n] = 0
        paid, ok = rk.signed(buf, fs[8], fe[8])
        if not ok:
            return n, BAD, n
        cols[18, n] = paid
        county = -1
        if fe[9] > fs[9]:
            county, ok = rk.signed(buf, fs[9], fe[9])
            if not ok or county < 0 or fe[9] - fs[9] > 9:
                return n, BAD, n
        cols[19, n] = county
        cols[20, n] = rk.MISSING
        n += 1
    return n, OK, -1
