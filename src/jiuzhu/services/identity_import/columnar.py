"""The monthly comparison of a large list on columns (新疆规程 第六条 每月全面比对; issue 11).

The same plan as the reference path (``rows.parse_rows`` → ``compare.compare`` →
``compare.merges_of``), computed on arrays: the file read once by a compiled reader,
the registry's persons and identities each read in one statement, rows matched to the
registry's spans by integer keys. Row objects are made only for the rows the plan
names (added, changed, covered, merged); the unchanged million stay numbers.

It answers only the plain case, and returns None otherwise, so that the reference path
answers (with its located errors): a CSV in UTF-8 without quotes or county column,
every row valid in its canonical form, no recognition twice in the file, no row in
conflict with the registry, and a list that names a good part of the registry (a short
change list is quick on the reference path). ``tests/unit/test_identity_import_columnar.py``
holds the two paths equal.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import Connection

from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch.tables import CODES
from jiuzhu.services.identity_import import fast_kernel as fk
from jiuzhu.services.identity_import.compare import merges_of
from jiuzhu.services.identity_import.load import Existing, ExistingKey
from jiuzhu.services.identity_import.rows import FIELDS, OPTIONAL, Row, _columns
from jiuzhu.services.registry import SOURCES, resolve_identity_code

SOURCE_NAMES = tuple(SOURCES)
US = 0x1F
"""The separator of the registry's texts (no psn_no holds it)."""


@dataclass
class Plan:
    """What ``_import`` needs after the comparison, from either path."""

    lines: int
    label: dict[str, str]
    valid: int
    added: list[Row]
    changed: list[tuple[Row, Existing]]
    covered: list[tuple[Row, Existing]]
    unchanged: int
    ends: dict[int, dt.date]
    kept: list[Existing]
    merges: list[tuple[int, Any]]
    existing: dict[ExistingKey, Existing]
    by_psn: dict[str, tuple[int, str | None]]
    hash_of: dict[str, str]
    counties: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)


@dataclass
class _File:
    raw: bytes
    buf: np.ndarray
    fs: np.ndarray
    fe: np.ndarray
    line: np.ndarray
    idx: dict[str, int]
    label: dict[str, str]
    n: int


def _read_file(name: str, data: bytes) -> _File | None:
    if name.lower().endswith((".xlsx", ".xlsm")) or b'"' in data or b"\x00" in data:
        return None
    if data.count(b"\r") != data.count(b"\r\n"):
        return None
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return None  # GB18030: the reference reader decodes it
    start = 3 if data.startswith(b"\xef\xbb\xbf") else 0
    nl = data.find(b"\n", start)
    head_end = len(data) if nl < 0 else nl
    header = [h.strip() for h in data[start:head_end].decode("utf-8").rstrip("\r").split(",")]
    try:
        idx, label = _columns(name, header)
    except Exception:  # noqa: BLE001 - the reference path raises the located error
        return None
    if "county" in idx:
        return None  # a county for every person: the reference path writes them
    width = max(idx.values()) + 1
    buf = np.frombuffer(data, np.uint8)
    rows = data.count(b"\n") + 1
    fs = np.empty((rows, width), np.int64)
    fe = np.empty((rows, width), np.int64)
    line = np.empty(rows, np.int64)
    n, status = fk.split_rows(buf, min(head_end + 1, len(data)), 44, width, True, fs, fe, line)
    if status != fk.OK or n == 0:
        return None
    return _File(data, buf, fs[:n], fe[:n], line[:n], idx, label, int(n))


def _codes(f: _File, source: str, operator_map: Mapping[str, str] | None) -> np.ndarray | None:
    """Each row's identity code (index of ``CODES``), or None when one is unknown or not
    the source's."""
    i = f.idx["identity"]
    s, e = np.ascontiguousarray(f.fs[:, i]), np.ascontiguousarray(f.fe[:, i])
    h = np.empty(f.n, np.uint64)
    rk.hash_spans(f.buf, s, e, h)
    uniq, first, inv = np.unique(h, return_index=True, return_inverse=True)
    order = np.argsort(h, kind="stable")
    bounds = np.empty(f.n + 1, np.int64)
    g = rk.group_by_hash(order, h, bounds)
    if not rk.one_text_per_group(f.buf, s, e, order, bounds, g):
        return None
    owned = SOURCES[source]
    val = np.empty(len(uniq), np.int64)
    for k, row in enumerate(first.tolist()):
        code = resolve_identity_code(f.raw[s[row] : e[row]].decode("utf-8"), operator_map)
        if code is None or code not in owned:
            return None
        val[k] = CODES.index(code)
    return val[inv]


def _col(f: _File, name: str) -> tuple[np.ndarray, np.ndarray]:
    i = f.idx[name]
    return np.ascontiguousarray(f.fs[:, i]), np.ascontiguousarray(f.fe[:, i])


def _registry(conn: Connection, sql_pg: str, sql_any: str, width: int) -> list[Any] | None:
    """The registry's rows as columns: PostgreSQL builds the text (``string_agg``, one
    value per 262,144 ids), any other database hands the rows over."""
    if conn.dialect.name != "postgresql":
        got = conn.exec_driver_sql(sql_any).all()
        return [list(c) for c in zip(*got, strict=True)] if got else [[] for _ in range(width)]
    parts = [r[0] for r in conn.exec_driver_sql(sql_pg) if r[0] is not None]
    raw = "\n".join(parts).encode("utf-8")
    if not raw:
        return [[] for _ in range(width)]
    buf = np.frombuffer(raw, np.uint8)
    rows = raw.count(b"\n") + 1
    fs = np.empty((rows, width), np.int64)
    fe = np.empty((rows, width), np.int64)
    line = np.empty(rows, np.int64)
    n, status = fk.split_rows(buf, 0, US, width, False, fs, fe, line)
    if status != fk.OK or n != rows:
        return None
    return [(buf, np.ascontiguousarray(fs[:n, k]), np.ascontiguousarray(fe[:n, k]))
            for k in range(width)]  # fmt: skip


def _ints(col: Any, empty: int) -> np.ndarray | None:
    if isinstance(col, list):
        return np.array([empty if v is None else int(v) for v in col], np.int64)
    buf, s, e = col
    out = np.empty(s.shape[0], np.int64)
    return None if fk.parse_ints(buf, s, e, empty, out) >= 0 else out


def _texts(col: Any) -> list[str]:
    if isinstance(col, list):
        return ["" if v is None else str(v) for v in col]
    buf, s, e = col
    return fk.texts(buf, s, e)


def _day_no(v: Any) -> int:
    if v is None:
        return fk.MAX_DAY
    d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
    return d.toordinal()


PERSONS_PG = (
    "SELECT string_agg(concat_ws(E'\\x1f', id, COALESCE(certno_hash, ''), psn_no), E'\\n') "
    "FROM person GROUP BY id / 262144"
)
PERSONS_ANY = "SELECT id, COALESCE(certno_hash, ''), psn_no FROM person"
IDS_ANY = "SELECT id, code, begndate, enddate, source, psn_no FROM person_identity"


def _ids_pg() -> str:
    codes = ", ".join(f"'{c}'" for c in CODES)
    sources = ", ".join(f"'{s}'" for s in SOURCE_NAMES)
    return (
        "SELECT string_agg(concat_ws(E'\\x1f', id, "
        f"COALESCE(array_position(ARRAY[{codes}]::text[], code::text), 0) - 1, "
        "begndate - DATE '0001-01-01' + 1, "
        "COALESCE((enddate - DATE '0001-01-01' + 1)::text, ''), "
        f"COALESCE(array_position(ARRAY[{sources}]::text[], source::text), 0) - 1, psn_no), "
        "E'\\n') FROM person_identity GROUP BY id / 262144"
    )


def plan(
    conn: Connection,
    name: str,
    data: bytes,
    source: str,
    full_list: bool,
    as_of: dt.date,
    operator_map: Mapping[str, str] | None,
    lookup_hashes: Any,
) -> Plan | None:
    """The plan of the import, or None where the reference path must answer."""
    import time

    t0 = time.perf_counter()
    f = _read_file(name, data)
    if f is None:
        return None
    n = f.n
    beg = np.empty(n, np.int64)
    end = np.empty(n, np.int64)
    cert_x = np.zeros(n, np.uint8)
    i_psn, i_cert, _, _, i_beg, i_end = (f.idx[x] for x in FIELDS)
    bad = fk.check_rows(f.buf, f.fs, f.fe, n, i_psn, i_cert, i_beg, i_end, beg, end, cert_x)
    if bad >= 0:
        return None
    code = _codes(f, source, operator_map)
    if code is None:
        return None
    psns = fk.texts(f.buf, *_col(f, "psn_no"))
    certs = fk.texts(f.buf, *_col(f, "certno"))
    if cert_x.any():
        certs = [c.upper() for c in certs]
    pid_of: dict[str, int] = {p: k for k, p in enumerate(dict.fromkeys(psns))}
    n_p = len(pid_of)
    # one ID number per person and one person per ID number, in the file
    if len(set(zip(psns, certs, strict=True))) != n_p or len(set(certs)) != n_p:
        return None
    pid = np.fromiter(map(pid_of.__getitem__, psns), np.int64, n)
    key = (pid << 24) | (code << 20) | beg
    if np.unique(key).shape[0] != n:
        return None  # one recognition twice: the reference merges and reports them
    certs_u = list(dict.fromkeys(certs))  # in the order of the persons
    hashes_u = lookup_hashes(certs_u)
    hash_of = dict(zip(certs_u, hashes_u, strict=True))
    t_valid = time.perf_counter()

    # -- the registry's persons: the rows against them (as the reference checks) ------
    total_p = conn.exec_driver_sql("SELECT count(*) FROM person").scalar() or 0
    total_i = conn.exec_driver_sql("SELECT count(*) FROM person_identity").scalar() or 0
    if n_p * 4 < total_p or n_p * 4 < total_i:
        return None  # a short list: the reference path reads only its persons
    reg = _registry(conn, PERSONS_PG, PERSONS_ANY, 3)
    if reg is None:
        return None
    r_id = _ints(reg[0], -1)
    if r_id is None or r_id.shape[0] != total_p:
        return None
    r_hash = _texts(reg[1])
    r_psn = _texts(reg[2])
    r_at = dict(zip(r_psn, range(len(r_psn)), strict=True))
    owner = {h: p for h, p in zip(r_hash, r_psn, strict=True) if h}
    psns_u = list(pid_of)
    new_person = np.zeros(n_p, np.bool_)
    for k, (p, h) in enumerate(zip(psns_u, hashes_u, strict=True)):
        j = r_at.get(p)
        if j is None:
            new_person[k] = True
        elif r_hash[j] and r_hash[j] != h:
            return None  # another ID number than the registry's
        o = owner.get(h)
        if o is not None and o != p:
            return None  # the ID number of another person
    del owner

    # -- the registry's identities, matched by (person, identity, begndate, source) -----
    ids = _registry(conn, _ids_pg(), IDS_ANY, 6)
    if ids is None:
        return None
    e_id = _ints(ids[0], -1)
    if e_id is None or e_id.shape[0] != total_i:
        return None
    if isinstance(ids[1], list):
        e_code = np.array([CODES.index(c) if c in CODES else -1 for c in ids[1]], np.int64)
        e_src = np.array(
            [SOURCE_NAMES.index(s) if s in SOURCE_NAMES else -1 for s in ids[4]], np.int64
        )
        e_beg = np.array([_day_no(v) for v in ids[2]], np.int64)
        e_end = np.array([_day_no(v) for v in ids[3]], np.int64)
    else:
        got = [_ints(ids[1], -1), _ints(ids[2], -1), _ints(ids[3], fk.MAX_DAY), _ints(ids[4], -1)]
        if any(g is None for g in got):
            return None
        e_code, e_beg, e_end, e_src = got  # type: ignore[assignment]
    if (e_code < 0).any():
        return None  # a code the contract does not know: the reference reads it as it is
    e_psn = _texts(ids[5])
    e_pid = np.fromiter((pid_of.get(p, -1) for p in e_psn), np.int64, len(e_psn))
    src_no = SOURCE_NAMES.index(source)
    mine = e_src == src_no
    e_key = np.where(mine & (e_pid >= 0), (e_pid << 24) | (e_code << 20) | e_beg, -1)
    keyed = np.nonzero(e_key >= 0)[0]
    sorted_keys = np.sort(e_key[keyed])
    if (sorted_keys[1:] == sorted_keys[:-1]).any():
        return None  # one recognition twice in the registry: the reference keeps the last
    order = keyed[np.argsort(e_key[keyed], kind="stable")]
    match = np.full(n, -1, np.int64)
    if len(order):
        sk = e_key[order]
        at = np.minimum(np.searchsorted(sk, key), len(order) - 1)
        match = np.where(sk[at] == key, order[at], -1)
    t_load = time.perf_counter()

    ex_end = np.zeros(n, np.int64)
    ex_end[match >= 0] = e_end[match[match >= 0]]
    same = (match >= 0) & (ex_end == end)
    later = (match >= 0) & ~same & (end > ex_end)
    changed_rows = np.nonzero((match >= 0) & ~same & (later | full_list))[0]
    covered_rows = np.nonzero((match >= 0) & ~same & ~later & (not full_list))[0]
    added_rows = np.nonzero(match < 0)[0]
    unchanged = int(same.sum()) + len(covered_rows)

    # -- full list: what the list no longer has is ended the day before as_of ----------
    ends: dict[int, dt.date] = {}
    if full_list:
        owned = np.zeros(len(CODES), np.bool_)
        owned[[CODES.index(c) for c in SOURCES[source]]] = True
        listed = np.zeros(len(e_id), np.bool_)
        listed[match[match >= 0]] = True
        a = as_of.toordinal()
        gone = mine & owned[e_code] & ~listed & (e_beg < a) & ((e_end == fk.MAX_DAY) | (e_end >= a))
        day_before = as_of - dt.timedelta(days=1)
        ends = {int(i): day_before for i in np.sort(e_id[gone]).tolist()}

    # -- Row and Existing objects for what the plan names ------------------------------
    texts_of: dict[str, tuple[np.ndarray, np.ndarray]] = {
        k: _col(f, k) for k in ("psn_name", *OPTIONAL) if k in f.idx
    }

    def cell(k: str, i: int) -> str | None:
        span = texts_of.get(k)
        if span is None:
            return None
        return f.raw[span[0][i] : span[1][i]].decode("utf-8").strip() or None

    def row(i: int) -> Row:
        e = int(end[i])
        return Row(
            int(f.line[i]), psns[i], certs[i], cell("psn_name", i) or "", CODES[int(code[i])],
            dt.date.fromordinal(int(beg[i])), None if e == fk.MAX_DAY else dt.date.fromordinal(e),
            cell("household_no", i), cell("insured_region", i), cell("source_doc", i), None,
        )  # fmt: skip

    def existing_of(j: int) -> Existing:
        e = int(e_end[j])
        return (
            int(e_id[j]), e_psn[j], CODES[int(e_code[j])], dt.date.fromordinal(int(e_beg[j])),
            None if e == fk.MAX_DAY else dt.date.fromordinal(e), SOURCE_NAMES[int(e_src[j])],
        )  # fmt: skip

    rows_made: dict[int, Row] = {}

    def row_at(i: int) -> Row:
        r = rows_made.get(i)
        if r is None:
            r = rows_made[i] = row(i)
        return r

    added = [row_at(i) for i in added_rows.tolist()]
    for r in added:
        if new_person[pid_of[r.psn_no]] and not r.name:
            return None  # a new person without a name: the reference names the row
    changed = [(row_at(i), existing_of(int(match[i]))) for i in changed_rows.tolist()]
    covered = [(row_at(i), existing_of(int(match[i]))) for i in covered_rows.tolist()]
    existing: dict[ExistingKey, Existing] = {}
    for ex in [x for _, x in changed] + [x for _, x in covered]:
        existing[(ex[1], ex[2], ex[3], ex[5])] = ex
    if ends:
        where = {int(i): j for j, i in enumerate(e_id.tolist())} if len(ends) > 64 else None
        for i in ends:
            j = where[i] if where is not None else int(np.nonzero(e_id == i)[0][0])
            ex = existing_of(j)
            existing[(ex[1], ex[2], ex[3], ex[5])] = ex

    # -- merges (calc-contract §10): only persons and identities with two spans or more --
    pair_e = np.where(e_pid >= 0, (e_pid << 4) | e_code, -1)
    pair_r = (pid << 4) | code
    pairs = np.concatenate([pair_e[pair_e >= 0], pair_r[added_rows]])
    uniq, counts = np.unique(pairs, return_counts=True)
    multi = uniq[counts > 1]
    merges: list[tuple[int, Any]] = []
    if len(multi) or covered:
        in_rows = np.nonzero(np.isin(pair_r, multi))[0]
        in_ex = np.nonzero(np.isin(pair_e, multi))[0]
        ex_m = {(ex[1], ex[2], ex[3], ex[5]): ex for ex in map(existing_of, in_ex.tolist())}
        in_set = set(in_rows.tolist())
        merges = merges_of(
            [row_at(i) for i in in_rows.tolist()], [],
            [r for i, r in zip(added_rows.tolist(), added, strict=True) if i in in_set],
            [c for i, c in zip(changed_rows.tolist(), changed, strict=True) if i in in_set],
            covered, ex_m, ends,
        )  # fmt: skip
    by_psn = {
        r.psn_no: (int(r_id[j]), r_hash[j] or None)
        for r in added
        if (j := r_at.get(r.psn_no)) is not None
    }
    t_diff = time.perf_counter()
    return Plan(
        lines=n, label=f.label, valid=n, added=added, changed=changed, covered=covered,
        unchanged=unchanged, ends=ends, kept=[], merges=merges, existing=existing,
        by_psn=by_psn, hash_of=hash_of,
        timings={"validate": t_valid - t0, "load": t_load - t_valid, "compare": t_diff - t_load},
    )  # fmt: skip
