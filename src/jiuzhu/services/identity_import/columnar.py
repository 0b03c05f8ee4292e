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
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
from sqlalchemy import Connection
from sqlalchemy.engine import Engine

from jiuzhu.adapters.db.bulk import select_in
from jiuzhu.services.batch import engine_kernel as ek
from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch.tables import CODES
from jiuzhu.services.identity_import import fast_kernel as fk
from jiuzhu.services.identity_import.compare import merges_of
from jiuzhu.services.identity_import.load import Existing, ExistingKey
from jiuzhu.services.identity_import.rows import FIELDS, OPTIONAL, Row, _columns
from jiuzhu.services.registry import SOURCES, resolve_identity_code

SOURCE_NAMES = tuple(SOURCES)
FEW = 64
"""The most distinct identity names a list may spell before the reference path reads it."""
_T = TypeVar("_T")
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
    if name.lower().endswith((".xlsx", ".xlsm")):
        return None
    buf = np.frombuffer(data, np.uint8)
    feeds = int(fk.plain_lines(buf))
    if feeds < 0:
        return None  # quotes, NULs, bare CRs or GB18030: the reference reader answers
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
    rows = feeds + 1
    fs = np.empty((width, rows), np.int64)
    fe = np.empty((width, rows), np.int64)
    line = np.empty(rows, np.int64)
    n, status = fk.split_rows(buf, min(head_end + 1, len(data)), 44, width, True, fs, fe, line)
    if status != fk.OK or n == 0:
        return None
    return _File(data, buf, fs[:, :n], fe[:, :n], line[:n], idx, label, int(n))


def _codes(f: _File, source: str, operator_map: Mapping[str, str] | None) -> np.ndarray | None:
    """Each row's identity code (index of ``CODES``), or None when one is unknown or not
    the source's."""
    s, e = _col(f, "identity")
    group = np.empty(f.n, np.int64)
    first = np.empty(FEW, np.int64)
    g = int(fk.few_texts(f.buf, s, e, FEW, group, first))
    if g < 0:
        return None  # more distinct identity names than a list has: the reference reads them
    owned = SOURCES[source]
    val = np.empty(g, np.int64)
    for k, row in enumerate(first[:g].tolist()):
        code = resolve_identity_code(f.raw[s[row] : e[row]].decode("utf-8"), operator_map)
        if code is None or code not in owned:
            return None
        val[k] = CODES.index(code)
    return val[group]


def _col(f: _File, name: str) -> tuple[np.ndarray, np.ndarray]:
    i = f.idx[name]
    return f.fs[i], f.fe[i]


def _size(conn: Connection, table: str) -> int:
    """About how many rows ``table`` holds (PostgreSQL's estimate when it has one: the
    choice of path needs no exact count), else the count."""
    if conn.dialect.name == "postgresql":
        est = conn.exec_driver_sql(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", (table,)
        ).scalar()
        if est is not None and est >= 0:
            return int(est)
    return int(conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0)


def _split(parts: list[bytes], width: int) -> list[Any] | None:
    """The registry's rows as columns of byte spans (``buffer, starts, ends`` each), from
    the texts the database built (UTF-8), split by the compiled reader."""
    raw = b"\n".join(parts)
    buf = np.frombuffer(raw, np.uint8)
    rows = raw.count(b"\n") + 1 if raw else 0
    fs = np.zeros((width, rows), np.int64)
    fe = np.zeros((width, rows), np.int64)
    line = np.empty(rows, np.int64)
    n, status = fk.split_rows(buf, 0, US, width, False, fs, fe, line)
    if status != fk.OK or n != rows:
        return None
    return [(buf, fs[k], fe[k]) for k in range(width)]


@dataclass
class _Persons:
    """The registry's persons: ids, ID-number hashes and psn_no, the psn_no hashed and
    in hash order."""

    cols: list[Any]
    ids: np.ndarray
    psn_hash: np.ndarray
    order: np.ndarray


@dataclass
class _Identities:
    """The registry's identities: id, code, begndate, enddate, source as integers, and
    the psn_no with its hash."""

    ids: np.ndarray
    ints: list[np.ndarray]
    psn: tuple[np.ndarray, np.ndarray, np.ndarray]
    psn_hash: np.ndarray


def _persons_of(parts: list[bytes]) -> _Persons | None:
    cols = _split(parts, 3)
    if cols is None:
        return None
    ids = _ints(cols[0], -1)
    if ids is None:
        return None
    h = _hashed(*cols[2])
    return _Persons(cols, ids, h, np.argsort(h, kind="stable"))


def _identities_of(parts: list[bytes]) -> _Identities | None:
    cols = _split(parts, 6)
    if cols is None:
        return None
    got = [_ints(cols[0], -1), _ints(cols[1], -1), _ints(cols[2], -1),
           _ints(cols[3], fk.MAX_DAY), _ints(cols[4], -1)]  # fmt: skip
    ints = [g for g in got if g is not None]
    if len(ints) != 5:
        return None
    return _Identities(ints[0], ints[1:], cols[5], _hashed(*cols[5]))


def _texts(conn: Connection, sql: str) -> list[bytes]:
    """SQLite: the texts ``group_concat`` built, as UTF-8."""
    return [r[0].encode("utf-8") for r in conn.exec_driver_sql(sql) if r[0] is not None]


def _fetch(engine: Engine, sql: str, prepare: Callable[[list[bytes]], _T]) -> _T:
    """PostgreSQL builds the text (``string_agg``, one value per 262,144 ids) on a
    connection of its own and sends it as bytes (binary ``bytea``: no decoding to str and
    back), and this thread splits it into columns (the compiled reader lets go of the
    GIL) while the main thread reads the file."""
    with engine.connect() as c:
        raw: Any = c.connection.dbapi_connection
        with raw.cursor(binary=True) as cur:
            cur.execute(f"SELECT convert_to(t, 'UTF8') FROM ({sql}) AS q(t)")
            parts = [bytes(r[0]) for r in cur if r[0] is not None]
    return prepare(parts)


def _ints(col: Any, empty: int) -> np.ndarray | None:
    buf, s, e = col
    out = np.empty(s.shape[0], np.int64)
    return None if fk.parse_ints(buf, s, e, empty, out) >= 0 else out


def _spans(col: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A text column as (buffer, starts, ends)."""
    buf, s, e = col
    return buf, s, e


def _hashed(buf: np.ndarray, s: np.ndarray, e: np.ndarray) -> np.ndarray:
    h = np.empty(s.shape[0], np.uint64)
    rk.hash_spans(buf, s, e, h)
    return h


def _text(col: tuple[np.ndarray, np.ndarray, np.ndarray], j: int) -> str:
    buf, s, e = col
    return bytes(buf[s[j] : e[j]]).decode("utf-8")


PERSONS_PG = (
    "SELECT string_agg(concat_ws(E'\\x1f', id, COALESCE(certno_hash, ''), psn_no), E'\\n') "
    "FROM person GROUP BY id / 262144"
)
PERSONS_SQLITE = (
    "SELECT group_concat(id || char(31) || ifnull(certno_hash, '') || char(31) || psn_no, "
    "char(10)) FROM person GROUP BY id / 262144"
)


def _case(column: str, values: tuple[str, ...]) -> str:
    whens = " ".join(f"WHEN '{v}' THEN {k}" for k, v in enumerate(values))
    return f"(CASE {column} {whens} ELSE -1 END)"


def _ids_sqlite() -> str:
    """Days as ordinals: SQLite keeps dates as ISO text; julianday of 0001-01-01 is
    1721425.5, ordinal 1."""
    day = "CAST(julianday({}) - 1721424.5 AS INTEGER)"
    return (
        f"SELECT group_concat(id || char(31) || {_case('code', CODES)} || char(31) || "
        f"{day.format('begndate')} || char(31) || ifnull({day.format('enddate')}, '') || "
        f"char(31) || {_case('source', SOURCE_NAMES)} || char(31) || psn_no, char(10)) "
        "FROM person_identity GROUP BY id / 262144"
    )


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
    cipher: Any,
) -> Plan | None:
    """The plan of the import, or None where the reference path must answer."""
    import time

    t0 = time.perf_counter()
    f = _read_file(name, data)
    if f is None:
        return None
    n = f.n
    total_p, total_i = _size(conn, "person"), _size(conn, "person_identity")
    if n * 4 < total_p or n * 4 < total_i:
        return None  # a short list: the reference path reads only its persons
    if conn.dialect.name == "postgresql":
        with ThreadPoolExecutor(max_workers=2) as pool:
            persons = pool.submit(_fetch, conn.engine, PERSONS_PG, _persons_of)
            identities = pool.submit(_fetch, conn.engine, _ids_pg(), _identities_of)
            return _plan(conn, f, source, full_list, as_of, operator_map, cipher,
                         (total_p, total_i), persons, identities, t0)  # fmt: skip
    return _plan(conn, f, source, full_list, as_of, operator_map, cipher,
                 (total_p, total_i), None, None, t0)  # fmt: skip


def _plan(
    conn: Connection,
    f: _File,
    source: str,
    full_list: bool,
    as_of: dt.date,
    operator_map: Mapping[str, str] | None,
    cipher: Any,
    totals: tuple[int, int],
    persons: Future[_Persons | None] | None,
    identities: Future[_Identities | None] | None,
    t0: float,  # float ok: perf_counter seconds
) -> Plan | None:
    import time

    n = f.n
    total_p, total_i = totals
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
    if cert_x.any():
        return None  # an ID number ending in a lower-case x: the reference upper-cases it
    # -- persons of the file: grouped by psn_no (hash, then the bytes) ------------------
    ps, pe = _col(f, "psn_no")
    cs, ce = _col(f, "certno")
    ph = _hashed(f.buf, ps, pe)
    order = np.argsort(ph, kind="stable")
    bounds = np.empty(n + 1, np.int64)
    n_p = int(rk.group_by_hash(order, ph, bounds))
    if not rk.one_text_per_group(f.buf, ps, pe, order, bounds, n_p):
        return None  # two psn_no with one hash
    if not rk.one_text_per_group(f.buf, cs, ce, order, bounds, n_p):
        return None  # a person with two ID numbers: the reference names the row
    ch = _hashed(f.buf, cs, ce)
    c_order = np.argsort(ch, kind="stable")
    c_bounds = np.empty(n + 1, np.int64)
    n_c = int(rk.group_by_hash(c_order, ch, c_bounds))
    if n_c != n_p or not rk.one_text_per_group(f.buf, ps, pe, c_order, c_bounds, n_c):
        return None  # an ID number of two persons (or two ID numbers with one hash)
    first = order[bounds[:n_p]]
    pid = np.empty(n, np.int64)
    pid[order] = np.repeat(np.arange(n_p, dtype=np.int64), np.diff(bounds[: n_p + 1]))
    key = (pid << 24) | (code << 20) | beg
    sorted_key = np.sort(key)
    if (sorted_key[1:] == sorted_key[:-1]).any():
        return None  # one recognition twice: the reference merges and reports them
    # the keyed hash of each person's ID number (compiled HMAC; the key stays in the cipher)
    hexes = cipher.lookup_hashes_of_spans(f.buf, cs[first], ce[first])
    if hexes is None:
        return None
    hb = hexes.reshape(-1)

    def hash_text(k: int) -> str:
        return bytes(hexes[k]).decode("ascii")

    t_valid = time.perf_counter()

    # -- the registry's persons: the rows against them (as the reference checks) ------
    if n_p * 4 < total_p or n_p * 4 < total_i:
        return None  # a short list: the reference path reads only its persons
    reg = persons.result() if persons else _persons_of(_texts(conn, PERSONS_SQLITE))
    if reg is None:
        return None
    r_id, r_hash, r_psn, r_order = reg.ids, _spans(reg.cols[1]), _spans(reg.cols[2]), reg.order
    rh = reg.psn_hash
    at_reg = np.empty(n_p, np.int64)
    ek.match_persons(
        f.buf, ps[first], pe[first], ph[first], r_psn[0], r_psn[1][r_order], r_psn[2][r_order],
        rh[r_order], at_reg,
    )  # fmt: skip
    if len(r_order):
        at_reg = np.where(at_reg >= 0, r_order[np.maximum(at_reg, 0)], -1)
    if fk.hash_differs(*r_hash, at_reg, hb) >= 0:
        return None  # another ID number than the registry's, for a person it knows
    new_person = at_reg < 0
    known = ~new_person
    no_hash = np.zeros(n_p, np.bool_)
    no_hash[known] = (r_hash[2] - r_hash[1])[at_reg[known]] == 0
    hashless = np.nonzero(new_person | no_hash)[0]
    if len(hashless):
        # the ID number of another person? (the registry's hashes are unique: only a person
        # the registry does not know, or knows without an ID number, can hold one)
        mine_of = {hash_text(k): k for k in hashless.tolist()}
        for psn, h in select_in(
            conn, "SELECT psn_no, certno_hash FROM person", "certno_hash", list(mine_of)
        ):
            k = mine_of[h]
            if psn != fk.texts(f.buf, ps[first[k : k + 1]], pe[first[k : k + 1]])[0]:
                return None

    # -- the registry's identities, matched by (person, identity, begndate, source) -----
    ids = identities.result() if identities else _identities_of(_texts(conn, _ids_sqlite()))
    if ids is None:
        return None
    e_id = ids.ids
    e_code, e_beg, e_end, e_src = ids.ints
    if (e_code < 0).any():
        return None  # a code the contract does not know: the reference reads it as it is
    e_psn = ids.psn
    e_pid = np.empty(len(e_id), np.int64)
    # the file's persons are in hash order: group k is pid k
    ek.match_persons(
        e_psn[0], e_psn[1], e_psn[2], ids.psn_hash, f.buf, ps[first], pe[first], ph[first],
        e_pid,
    )  # fmt: skip
    src_no = SOURCE_NAMES.index(source)
    mine = e_src == src_no
    e_key = np.where(mine & (e_pid >= 0), (e_pid << 24) | (e_code << 20) | e_beg, -1)
    keyed = np.nonzero(e_key >= 0)[0]
    sorted_keys = np.sort(e_key[keyed])
    if (sorted_keys[1:] == sorted_keys[:-1]).any():
        return None  # one recognition twice in the registry: the reference keeps the last
    e_order = keyed[np.argsort(e_key[keyed], kind="stable")]
    match = np.full(n, -1, np.int64)
    if len(e_order):
        sk = e_key[e_order]
        at = np.minimum(np.searchsorted(sk, key), len(e_order) - 1)
        match = np.where(sk[at] == key, e_order[at], -1)
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
            int(f.line[i]), _at(ps, pe, i), _at(cs, ce, i), cell("psn_name", i) or "",
            CODES[int(code[i])],
            dt.date.fromordinal(int(beg[i])), None if e == fk.MAX_DAY else dt.date.fromordinal(e),
            cell("household_no", i), cell("insured_region", i), cell("source_doc", i), None,
        )  # fmt: skip

    def _at(s0: np.ndarray, s1: np.ndarray, i: int) -> str:
        return f.raw[s0[i] : s1[i]].decode("utf-8")

    def existing_of(j: int) -> Existing:
        e = int(e_end[j])
        return (
            int(e_id[j]), _text(e_psn, j), CODES[int(e_code[j])], dt.date.fromordinal(int(e_beg[j])),
            None if e == fk.MAX_DAY else dt.date.fromordinal(e), SOURCE_NAMES[int(e_src[j])],
        )  # fmt: skip

    rows_made: dict[int, Row] = {}

    def row_at(i: int) -> Row:
        r = rows_made.get(i)
        if r is None:
            r = rows_made[i] = row(i)
        return r

    added = [row_at(i) for i in added_rows.tolist()]
    for i, r in zip(added_rows.tolist(), added, strict=True):
        if new_person[pid[i]] and not r.name:
            return None  # a new person without a name: the reference names the row
    changed = [(row_at(i), existing_of(int(match[i]))) for i in changed_rows.tolist()]
    covered = [(row_at(i), existing_of(int(match[i]))) for i in covered_rows.tolist()]
    existing: dict[ExistingKey, Existing] = {}
    for ex in [x for _, x in changed] + [x for _, x in covered]:
        existing[(ex[1], ex[2], ex[3], ex[5])] = ex
    if ends:
        by_id = np.argsort(e_id, kind="stable")
        rows_of = by_id[np.searchsorted(e_id[by_id], np.fromiter(ends, np.int64, len(ends)))]
        for j in rows_of.tolist():
            ex = existing_of(j)
            existing[(ex[1], ex[2], ex[3], ex[5])] = ex

    # -- merges (calc-contract §10): only persons and identities with two spans or more --
    pair_e = np.where(e_pid >= 0, (e_pid << 4) | e_code, -1)
    pair_r = (pid << 4) | code
    pairs = np.concatenate([pair_e[pair_e >= 0], pair_r[added_rows]])
    sp = np.sort(pairs)
    multi = np.unique(sp[1:][sp[1:] == sp[:-1]]) if len(sp) else sp
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
    by_psn: dict[str, tuple[int, str | None]] = {}
    hash_of: dict[str, str] = {}
    for i, r in zip(added_rows.tolist(), added, strict=True):
        hash_of[r.certno] = hash_text(int(pid[i]))
        j = int(at_reg[pid[i]])
        if j >= 0:
            by_psn[r.psn_no] = (int(r_id[j]), _text(r_hash, j) or None)
    t_diff = time.perf_counter()
    return Plan(
        lines=n, label=f.label, valid=n, added=added, changed=changed, covered=covered,
        unchanged=unchanged, ends=ends, kept=[], merges=merges, existing=existing,
        by_psn=by_psn, hash_of=hash_of,
        timings={"validate": t_valid - t0, "load": t_load - t_valid, "compare": t_diff - t_load},
    )  # fmt: skip
