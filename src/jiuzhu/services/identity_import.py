"""Department identity lists (CSV or XLSX) into the registry, as one atomic batch.

- 新疆规程 第六条: 每月对救助对象人员名单全面比对 … 实行动态调整 → ``full_list``: every
  identity of the source's types that the registry holds open on ``as_of`` and the list
  no longer carries is ended the day before ``as_of``.
- 宁医保发〔2023〕102号 第十一条: departments push recognitions; the agency maintains the
  identities it recognises itself (source ``yibao``).
- 柳州任务清单 一: civil affairs, rural revitalisation and the disabled persons' federation
  send their lists.

Change-list mode: a row whose person, identity and ``begndate`` exist updates the
``enddate`` (changed) or matches (unchanged); other rows are added. Re-importing the same
file changes nothing. Any invalid row refuses the whole file (nothing written) unless
``accept_valid``. Spans of the same identity for the same person that would overlap are
refused, not merged (see ``services.registry``).

Large lists: rows are validated in memory, the registry's persons and identities are read
once into dicts, and the changes are written in chunks (SQLite ``executemany``,
PostgreSQL ``COPY``) inside ONE transaction, so a million-row list stays atomic.
"""

from __future__ import annotations

import csv
import datetime as dt
import gc
import hashlib
import io
import json
import os
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.audit_chain import with_macs
from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.tables import ImportBatch, PersonIdentity
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.pii import certno_problem, mask_certno, mask_name
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.reports import reports_dir, write_json
from jiuzhu.services.registry import (
    SOURCE_ZH,
    SOURCES,
    identity_key,
    resolve_identity_code,
    source_problem,
)

FIELDS = ("psn_no", "certno", "psn_name", "identity", "begndate", "enddate")
OPTIONAL = ("household_no", "insured_region", "source_doc")
HEADER_ALIASES: dict[str, str] = {
    # calc-contract §10 and the Chinese headers departments send
    "人员编号": "psn_no",
    "个人编号": "psn_no",
    "身份证号码": "certno",
    "身份证号": "certno",
    "公民身份号码": "certno",
    "证件号码": "certno",
    "姓名": "psn_name",
    "身份类别": "identity",
    "人员类别": "identity",
    "救助身份": "identity",
    "开始日期": "begndate",
    "认定日期": "begndate",
    "结束日期": "enddate",
    "终止日期": "enddate",
    "户号": "household_no",
    "家庭编号": "household_no",
    "参保地": "insured_region",
    "认定文件": "source_doc",
    "文件依据": "source_doc",
}
FIELD_ZH = {
    "psn_no": "人员编号",
    "certno": "身份证号码",
    "psn_name": "姓名",
    "identity": "身份类别",
    "begndate": "开始日期",
    "enddate": "结束日期",
}
DETAIL_CAP = 500
"""detail entries of each kind kept in the batch row; the CSV file has all of them"""
CHUNK = 20_000
PER_ROW_AUDIT_LIMIT = 10_000
"""Additions are audited one entry per row up to this many per batch (monthly change
lists). Above it (initial loads, million-row full lists) the batch's own audit entry
stands for them: every added identity carries ``batch_id``, and the batch's CSV report
lists each one (masked). Changes and ends of existing identities are always audited per
row with before and after."""

Progress = Callable[[str, int, int], None]
"""``progress(stage, done, total)``"""


@dataclass(frozen=True, slots=True)
class RowError:
    file: str
    line: int
    column: str
    message: str

    def text(self) -> str:
        return f"{self.file}, line {self.line}, column {self.column}: {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "line": self.line,
            "column": self.column,
            "message": self.message,
        }


@dataclass(slots=True)
class Row:
    line: int
    psn_no: str
    certno: str
    name: str
    code: str
    beg: dt.date
    end: dt.date | None
    household_no: str | None
    insured_region: str | None
    source_doc: str | None


@dataclass
class ImportResult:
    """The diff report of one import (masked)."""

    file: str
    source: str
    mode: str
    as_of: dt.date | None
    sha256: str
    rows: int = 0
    batch_id: int | None = None
    refused: bool = False
    counts: dict[str, int] = field(default_factory=dict)
    details: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    errors: list[RowError] = field(default_factory=list)
    report_json: str | None = None
    report_csv: str | None = None
    elapsed: float = 0.0  # float ok (seconds, not money)
    previous_batch: int | None = None
    """an earlier batch of the same file (same SHA-256)"""
    timings: dict[str, float] = field(default_factory=dict)
    """seconds per stage (for the benchmark)"""

    @property
    def changed_anything(self) -> bool:
        return any(self.counts.get(k) for k in ("added", "changed", "ended", "persons_created"))

    def summary(self) -> dict[str, Any]:
        return {
            "batch_id": self.batch_id,
            "file": self.file,
            "source": self.source,
            "mode": self.mode,
            "as_of": self.as_of.isoformat() if self.as_of else None,
            "sha256": self.sha256,
            "rows": self.rows,
            "refused": self.refused,
            "changed_anything": self.changed_anything,
            "previous_batch": self.previous_batch,
            "counts": self.counts,
            "errors": [e.as_dict() for e in self.errors],
            "details": self.details,
            "report_json": self.report_json,
            "report_csv": self.report_csv,
        }


@dataclass
class Parsed:
    """The valid rows, the errors, the (person, identity) pairs named by rejected rows
    (a full-list import must not end those), the headers as written, and the line count."""

    rows: list[Row]
    errors: list[RowError]
    bad_pairs: set[tuple[str, str]]
    label: dict[str, str]
    lines: int


# -- reading ----------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(enc)
        except UnicodeDecodeError:
            continue
    raise InputError("file is neither UTF-8 nor GB18030 text")


def _cell_text(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


def read_table(name: str, data: bytes) -> tuple[list[str], Iterator[tuple[int, list[str]]]]:
    """Header and ``(line, cells)`` of a CSV (UTF-8 or GB18030) or XLSX (first sheet)."""
    if name.lower().endswith((".xlsx", ".xlsm")):
        from openpyxl import load_workbook

        try:
            wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds for a damaged file
            raise InputError(f"not a readable XLSX file: {exc}", file=name) from exc
        ws = wb.worksheets[0]
        it = ws.iter_rows(values_only=True)
        first = next(it, None)
        header = [_cell_text(v) for v in (first or ())]

        def xrows() -> Iterator[tuple[int, list[str]]]:
            for n, r in enumerate(it, start=2):
                cells = [_cell_text(v) for v in r]
                if any(cells):
                    yield n, cells
            wb.close()

        return header, xrows()
    text = _decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]

    def crows() -> Iterator[tuple[int, list[str]]]:
        for cells in reader:
            if cells and "".join(cells).strip():  # skip blank lines (one C call per row)
                yield reader.line_num, cells

    return header, crows()


def _columns(name: str, header: Sequence[str]) -> tuple[dict[str, int], dict[str, str]]:
    """field → column index, and field → the header as written (for error messages)."""
    idx: dict[str, int] = {}
    label: dict[str, str] = {}
    for i, h in enumerate(header):
        f = h if h in FIELDS or h in OPTIONAL else HEADER_ALIASES.get(h)
        if f and f not in idx:
            idx[f] = i
            label[f] = h
    missing = [f for f in FIELDS if f not in idx]
    if missing:
        raise InputError(
            "header must be psn_no,certno,psn_name,identity,begndate,enddate "
            "(or 人员编号,身份证号码,姓名,身份类别,开始日期,结束日期); missing: "
            + ", ".join(f"{f} ({FIELD_ZH[f]})" for f in missing),
            file=name,
            line=1,
            column=missing[0],
        )
    return idx, label


_DATE_CACHE: dict[str, dt.date | None] = {}


def parse_date(text: str) -> dt.date | None:
    """``2024-01-31``, ``20240131``, ``2024/1/31`` or ``2024.01.31``; None if malformed."""
    d = _DATE_CACHE.get(text, dt.date.min)
    if d is not dt.date.min:
        return d
    out: dt.date | None
    t = text.strip().replace("/", "-").replace(".", "-")
    try:
        out = dt.date.fromisoformat(t)
    except ValueError:
        parts = t.split("-")
        try:
            out = dt.date(int(parts[0]), int(parts[1]), int(parts[2])) if len(parts) == 3 else None
        except ValueError:
            out = None
    if len(_DATE_CACHE) < 100_000:
        _DATE_CACHE[text] = out
    return out


_CHECK = "10X98765432"


def _certno_ok(s: str) -> bool:
    """GB 11643-1999 validation, fast (the message comes from ``certno_problem``).

    The weights of ISO 7064 MOD 11-2 are 2^(17−i) mod 11, and 13 ≡ 2 (mod 11), so the
    weighted sum is ≡ 2 × (the 17 digits read in base 13): one C-level ``int()`` call
    instead of a Python loop (a million rows; tested against ``certno_check_digit``).
    """
    if len(s) != 18 or not s[:17].isdigit():
        return False
    if _CHECK[(2 * int(s[:17], 13)) % 11] != s[17]:
        return False
    return parse_date(s[6:14]) is not None


def parse_rows(
    name: str,
    data: bytes,
    source: str,
    operator_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
) -> Parsed:
    """Validate every row on its own and against the other rows of the file."""
    header, it = read_table(name, data)
    idx, label = _columns(name, header)
    i_psn, i_cert, i_name, i_code, i_beg, i_end = (idx[f] for f in FIELDS)
    i_hh, i_reg, i_doc = (idx.get(f) for f in OPTIONAL)
    width = max(idx.values()) + 1
    rows: list[Row] = []
    errors: list[RowError] = []
    touched_bad: set[tuple[str, str]] = set()
    seen: dict[tuple[str, str, dt.date], int] = {}
    cert_of: dict[str, tuple[str, int]] = {}
    psn_of: dict[str, tuple[str, int]] = {}
    code_cache: dict[str, str | None] = {}
    owned = SOURCES[source]
    dcache = _DATE_CACHE
    n = 0

    def err(line: int, f: str, msg: str) -> None:
        errors.append(RowError(name, line, label.get(f, f), msg))

    for line, cells in it:
        n += 1
        if progress and n % 50_000 == 0:
            progress("读取校验 validating", n, 0)
        if len(cells) < width:
            cells = cells + [""] * (width - len(cells))
        psn = cells[i_psn].strip()
        cert = cells[i_cert].strip().upper()
        nm = cells[i_name].strip()
        raw_code = cells[i_code].strip()
        raw_beg = cells[i_beg].strip()
        raw_end = cells[i_end].strip()
        nerr = len(errors)
        if not psn:
            err(line, "psn_no", "人员编号 is empty")
        # _certno_ok inlined (a million rows): length, digits, check digit, birth date
        if not (
            len(cert) == 18
            and cert[:17].isdigit()
            and _CHECK[(2 * int(cert[:17], 13)) % 11] == cert[17]
            and (dcache.get(cert[6:14]) or parse_date(cert[6:14])) is not None
        ):
            err(line, "certno", certno_problem(cert) or "invalid ID number")
        code = code_cache.get(raw_code, "")
        if code == "":
            code = code_cache[raw_code] = resolve_identity_code(raw_code, operator_map)
        if code is None:
            err(
                line,
                "identity",
                f"unknown identity '{raw_code}' (not a contract code, a Chinese identity "
                "name, nor in the operator's identity_codes)",
            )
        elif code not in owned:
            err(line, "identity", source_problem(source, code) or "")
        beg = dcache.get(raw_beg, dt.date.min) if raw_beg else None
        if beg is dt.date.min:
            beg = parse_date(raw_beg)
        if beg is None:
            err(line, "begndate", f"malformed or empty date '{raw_beg}' (use YYYY-MM-DD)")
        end = None
        if raw_end:
            end = parse_date(raw_end)
            if end is None:
                err(line, "enddate", f"malformed date '{raw_end}' (use YYYY-MM-DD)")
            elif beg is not None and end < beg:
                err(line, "enddate", f"enddate {end} is before begndate {beg}")
        if len(errors) == nerr and psn and code and beg:
            key = (psn, code, beg)
            first = seen.get(key)
            if first is not None:
                err(
                    line,
                    "begndate",
                    f"duplicate row: same person, identity and begndate as line {first}",
                )
            else:
                seen[key] = line
                c = cert_of.get(psn)
                if c is None:
                    cert_of[psn] = (cert, line)
                elif c[0] != cert:
                    err(line, "certno", f"person {psn} has another ID number on line {c[1]}")
                p = psn_of.get(cert)
                if p is None:
                    psn_of[cert] = (psn, line)
                elif p[0] != psn:
                    err(
                        line,
                        "certno",
                        f"ID number {mask_certno(cert)} belongs to person {p[0]} (line {p[1]})",
                    )
        if len(errors) > nerr:
            if psn and code:
                touched_bad.add((psn, code))
            continue
        assert code is not None and beg is not None
        rows.append(
            Row(
                line,
                psn,
                cert,
                nm,
                code,
                beg,
                end,
                cells[i_hh].strip() or None if i_hh is not None else None,
                cells[i_reg].strip() or None if i_reg is not None else None,
                cells[i_doc].strip() or None if i_doc is not None else None,
            )
        )
    if progress:
        progress("读取校验 validating", n, n)
    return Parsed(rows, errors, touched_bad, label, n)


# -- the database side ------------------------------------------------------------------


def _chunks(items: Sequence[Any], size: int = 5000) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _select_in(
    conn: Connection, sql: str, column: str, values: Sequence[Any], extra: str = ""
) -> list[Any]:
    """``sql WHERE column IN (…)`` in chunks, with driver placeholders (no per-value
    statement compilation: this runs for tens of thousands of values)."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    out: list[Any] = []
    for ch in _chunks(values, 900):
        marks = ", ".join(mark for _ in ch)
        out.extend(conn.exec_driver_sql(f"{sql} WHERE {column} IN ({marks}){extra}", tuple(ch)))
    return out


def _everything(conn: Connection, table: str, wanted: int) -> bool:
    """Read the whole table when the list names a good part of it (one scan is cheaper
    than many IN queries)."""
    total = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0
    return wanted * 4 >= total


def _load_persons(
    s: Session, psn_nos: Sequence[str], hashes: Sequence[str], everything: bool
) -> tuple[dict[str, tuple[int, str | None]], dict[str, str]]:
    """psn_no → (id, certno_hash) and certno_hash → psn_no of the persons concerned."""
    conn = s.connection()
    sql = "SELECT id, psn_no, certno_hash FROM person"
    found: list[Any] = []
    if everything:
        found = list(conn.exec_driver_sql(sql))
    else:
        found = _select_in(conn, sql, "psn_no", psn_nos)
        found += _select_in(conn, sql, "certno_hash", hashes)
    by_psn: dict[str, tuple[int, str | None]] = {}
    by_hash: dict[str, str] = {}
    for pid, psn, h in found:
        by_psn[psn] = (pid, h)
        if h:
            by_hash[h] = psn
    return by_psn, by_hash


Existing = tuple[int, str, str, dt.date, dt.date | None, str]
"""(id, psn_no, code, begndate, enddate, source)"""


def _load_identities(
    s: Session, psn_nos: Sequence[str], source: str, full: bool, everything: bool
) -> dict[tuple[str, str, dt.date], Existing]:
    t = PersonIdentity.__table__
    cols = (t.c.id, t.c.psn_no, t.c.code, t.c.begndate, t.c.enddate, t.c.source)
    out: dict[tuple[str, str, dt.date], Existing] = {}

    def take(rows: Iterable[Any]) -> None:
        for r in rows:
            out[(r[1], r[2], r[3])] = (r[0], r[1], r[2], r[3], r[4], r[5])

    if everything:
        take(s.execute(select(*cols)))
        return out
    for ch in _chunks(psn_nos, 900):
        take(s.execute(select(*cols).where(t.c.psn_no.in_(ch))))
    if full:
        take(
            s.execute(
                select(*cols).where(t.c.source == source, t.c.code.in_(sorted(SOURCES[source])))
            )
        )
    return out


def _bulk_insert(
    conn: Connection, table: str, cols: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows: PostgreSQL ``COPY``, SQLite ``executemany`` (same transaction)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        return
    marks = ", ".join("?" for _ in cols)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
    for ch in _chunks(rows, CHUNK):
        conn.exec_driver_sql(sql, list(ch))


_COPY_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def _copy_esc(text: str) -> str:
    """A text value for PostgreSQL ``COPY … FROM STDIN`` (text format)."""
    return text.translate(_COPY_ESC)


def _copy_opt(text: str | None) -> str:
    return "\\N" if text is None else text.translate(_COPY_ESC)


def _copy_text(conn: Connection, table: str, cols: Sequence[str], lines: Iterable[str]) -> None:
    """PostgreSQL ``COPY`` of ready text lines, sent in blocks (one ``write`` per 10,000
    lines instead of one ``write_row`` per row)."""
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        block: list[str] = []
        for line in lines:
            block.append(line)
            if len(block) >= 10_000:
                cp.write("".join(block))
                block.clear()
        if block:
            cp.write("".join(block))


def _bulk_update(conn: Connection, sql_sqlite: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    sql = sql_sqlite if conn.dialect.name != "postgresql" else sql_sqlite.replace("?", "%s")
    for ch in _chunks(rows, CHUNK):
        conn.exec_driver_sql(sql, list(ch))


def _masked(cert: str, name: str) -> tuple[str, str]:
    return mask_certno(cert), mask_name(name)


def _overlap_errors(
    name: str,
    label_beg: str,
    new_rows: Sequence[Row],
    changed: Sequence[tuple[Row, Existing]],
    existing: Mapping[tuple[str, str, dt.date], Existing],
    ends: Mapping[int, dt.date],
) -> list[tuple[Row, RowError]]:
    """Spans of one identity of one person that would overlap after this import."""
    # only pairs that can clash: named twice in the file, held by the registry, or changed
    seen: dict[tuple[str, str], int] = {}
    for r in new_rows:
        k = (r.psn_no, r.code)
        seen[k] = seen.get(k, 0) + 1
    held = {(ex[1], ex[2]) for ex in existing.values()}
    pairs: dict[tuple[str, str], list[tuple[dt.date, dt.date, Row | None, Existing | None]]] = {
        k: [] for k, n in seen.items() if n > 1 or k in held
    }
    by_row_id = {ex[0]: r for r, ex in changed}
    for r, _ in changed:
        pairs.setdefault((r.psn_no, r.code), [])
    if not pairs:
        return []
    for ex in existing.values():
        lst = pairs.get((ex[1], ex[2]))
        if lst is None:
            continue
        row = by_row_id.get(ex[0])
        end = row.end if row is not None else ends.get(ex[0], ex[4])
        lst.append((ex[3], end or dt.date.max, row, ex))
    for r in new_rows:
        lst = pairs.get((r.psn_no, r.code))
        if lst is not None:
            lst.append((r.beg, r.end or dt.date.max, r, None))
    out: list[tuple[Row, RowError]] = []
    for spans in pairs.values():
        if len(spans) < 2:
            continue
        spans.sort(key=lambda x: (x[0], x[1]))
        for a, b in zip(spans, spans[1:], strict=False):
            if a[1] >= b[0]:
                blame = b[2] if b[2] is not None else a[2]
                if blame is None:
                    continue  # two registry spans already overlapping: not this file's doing
                other = a if blame is b[2] else b
                where = (
                    f"line {other[2].line}"
                    if other[2] is not None and other[3] is None
                    else "the registry"
                )
                end_txt = "至今" if other[1] == dt.date.max else str(other[1])
                out.append(
                    (
                        blame,
                        RowError(
                            name,
                            blame.line,
                            label_beg,
                            f"overlaps {blame.code} {other[0]}–{end_txt} of person "
                            f"{blame.psn_no} in {where}; overlapping spans are refused "
                            "(end the old span first)",
                        ),
                    )
                )
    return out


def import_identities(
    uow: UnitOfWork,
    name: str,
    data: bytes,
    source: str,
    **kw: Any,
) -> ImportResult:
    """Import a department list as one batch; see the module docstring.

    Keyword arguments: ``actor``, ``full_list``, ``as_of``, ``accept_valid``,
    ``operator_map``, ``progress``, ``save_report`` (see ``_import``).
    """
    # Millions of long-lived row objects make the cyclic collector rescan them over and
    # over (quadratic); nothing here builds cycles, so pause it for the import.
    enabled = gc.isenabled()
    gc.disable()
    try:
        return _import(uow, name, data, source, **kw)
    finally:
        if enabled:
            gc.enable()


def _import(
    uow: UnitOfWork,
    name: str,
    data: bytes,
    source: str,
    *,
    actor: str,
    full_list: bool = False,
    as_of: dt.date | None = None,
    accept_valid: bool = False,
    operator_map: Mapping[str, str] | None = None,
    progress: Progress | None = None,
    save_report: bool = True,
) -> ImportResult:
    import time

    t0 = time.perf_counter()
    if source not in SOURCES:
        raise InputError(
            f"unknown source '{source}'; one of: {', '.join(SOURCES)}", column="source"
        )
    if full_list and as_of is None:
        raise InputError(
            "--full-list needs --as-of DATE (the day the list is valid from)", column="as_of"
        )
    mode = "full" if full_list else "change"
    res = ImportResult(
        file=name,
        source=source,
        mode=mode,
        as_of=as_of if full_list else None,
        sha256=hashlib.sha256(data).hexdigest(),
    )
    parsed = parse_rows(name, data, source, operator_map, progress)
    rows, errors, bad_pairs = parsed.rows, parsed.errors, parsed.bad_pairs
    res.rows = parsed.lines
    file_label = name
    header_label_beg = parsed.label["begndate"]
    label_cert = parsed.label["certno"]
    label_name = parsed.label["psn_name"]
    cipher = get_cipher()
    as_of_day = as_of or dt.date.today()
    with uow.begin() as s:
        s.info["audited"] = True  # the audit rows go in by bulk insert: seal after commit
        conn = s.connection()
        if conn.dialect.name == "sqlite":
            # a big list inserts into random places of the unique-hash index: give SQLite
            # a page cache to match (256 MB; the default 2 MB makes it thrash)
            # (1 GB: a first load of a million persons, with the table and three indexes,
            # outgrows 256 MB and then re-reads evicted index pages)
            conn.exec_driver_sql("PRAGMA cache_size=-1048576")
        prev = s.scalar(
            select(ImportBatch.id)
            .where(ImportBatch.file_sha256 == res.sha256, ImportBatch.source == source)
            .order_by(ImportBatch.id.desc())
            .limit(1)
        )
        res.previous_batch = prev
        psn_list = list({r.psn_no for r in rows})
        # one hash per distinct ID number (the HMAC is the per-row cost that matters)
        certs = list(dict.fromkeys(r.certno for r in rows))
        hash_of: dict[str, str] = dict(zip(certs, cipher.lookup_hashes(certs), strict=True))
        del certs
        res.timings["validate"] = time.perf_counter() - t0
        if progress:
            progress("读取登记库 loading registry", 0, 0)
        by_psn, by_hash = _load_persons(
            s, psn_list, list(hash_of.values()), _everything(conn, "person", len(psn_list))
        )
        existing = _load_identities(
            s, psn_list, source, full_list, _everything(conn, "person_identity", len(psn_list))
        )
        res.timings["load"] = time.perf_counter() - t0 - res.timings["validate"]

        # rows against the registry's persons
        valid: list[Row] = []
        for r in rows:
            h = hash_of[r.certno]
            known = by_psn.get(r.psn_no)
            owner = by_hash.get(h)
            if known is not None and known[1] is not None and known[1] != h:
                msg = f"ID number differs from the registry's for person {r.psn_no}"
                errors.append(RowError(name, r.line, label_cert, msg))
            elif owner is not None and owner != r.psn_no:
                errors.append(
                    RowError(
                        name,
                        r.line,
                        label_cert,
                        f"ID number {mask_certno(r.certno)} belongs to person {owner}",
                    )
                )
            elif known is None and not r.name:
                errors.append(RowError(name, r.line, label_name, "姓名 is empty for a new person"))
            else:
                valid.append(r)
                continue
            bad_pairs.add((r.psn_no, r.code))

        # the diff, repeated while overlap refusals protect more pairs from ending
        owned = SOURCES[source]
        day_before = as_of_day - dt.timedelta(days=1)
        while True:
            added: list[Row] = []
            changed: list[tuple[Row, Existing]] = []
            unchanged = 0
            keys: set[tuple[str, str, dt.date]] = set()
            for r in valid:
                key = (r.psn_no, r.code, r.beg)
                keys.add(key)
                ex = existing.get(key)
                if ex is None:
                    added.append(r)
                elif ex[4] == r.end:
                    unchanged += 1
                else:
                    changed.append((r, ex))
            ends: dict[int, dt.date] = {}
            kept: list[Existing] = []
            if full_list:
                for key, ex in existing.items():
                    if ex[5] != source or ex[2] not in owned or key in keys:
                        continue
                    if ex[3] >= as_of_day or (ex[4] is not None and ex[4] < as_of_day):
                        continue  # not open on as_of
                    if (ex[1], ex[2]) in bad_pairs:
                        kept.append(ex)  # its row was rejected: not "missing from the list"
                        continue
                    ends[ex[0]] = day_before
            clashes = _overlap_errors(name, header_label_beg, added, changed, existing, ends)
            if not clashes:
                break
            blamed = {id(r) for r, _ in clashes}
            for r, e in clashes:
                errors.append(e)
                bad_pairs.add((r.psn_no, r.code))
            valid = [r for r in valid if id(r) not in blamed]

        errors.sort(key=lambda e: (e.line, e.column))
        res.errors = errors
        res.counts = {
            "rows": res.rows,
            "added": len(added),
            "changed": len(changed),
            "ended": len(ends),
            "unchanged": unchanged,
            "rejected": len({e.line for e in errors}),
            "kept_rejected": len(kept),
            "persons_created": 0,
        }
        if full_list and not valid:
            errors.append(
                RowError(
                    name,
                    1,
                    "",
                    "a full list without one valid row would end every identity of "
                    f"{source}; refused",
                )
            )
        if (errors and not accept_valid) or (full_list and not valid):
            # nothing has been written: the transaction only read
            res.refused = True
            res.counts["rejected"] = len({e.line for e in errors})
            res.errors = errors
            res.elapsed = time.perf_counter() - t0
            return res

        # -- write: batch, persons, identities, changes, audit — one transaction --------
        batch = ImportBatch(
            kind="identity_list",
            source=source,
            mode=mode,
            as_of=as_of if full_list else None,
            file_name=file_label[-300:],
            file_sha256=res.sha256,
            actor=actor,
            counts={},
        )
        s.add(batch)
        s.flush()
        res.batch_id = bid = batch.id
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        new_people: dict[str, Row] = {}
        for r in added:
            if r.psn_no not in by_psn and r.psn_no not in new_people:
                new_people[r.psn_no] = r
        if progress:
            progress("写入 writing", 0, len(added) + len(changed) + len(ends))
        pcols = (
            "psn_no",
            "certno_enc",
            "certno_hash",
            "name_enc",
            "sex",
            "birth_date",
            "household_no",
            "insured_region",
            "created_at",
            "updated_at",
        )
        res.timings["diff"] = time.perf_counter() - t0 - sum(res.timings.values())
        sqlite = conn.dialect.name == "sqlite"
        day_text: dict[dt.date | None, Any] = {}

        def dv(d: dt.date | None) -> Any:
            """SQLite stores dates as ISO text (as SQLAlchemy does); convert once per day."""
            if not sqlite or d is None:
                return d
            v = day_text.get(d)
            if v is None:
                v = day_text[d] = d.isoformat()
            return v

        now_v: Any = now.isoformat(" ") if sqlite else now
        now_t = now.isoformat(" ")
        iso_of: dict[dt.date, str] = {}

        def iso(d: dt.date | None) -> str:
            """ISO text of a date, once per distinct day (COPY text: NULL is ``\\N``)."""
            if d is None:
                return "\\N"
            v = iso_of.get(d)
            if v is None:
                v = iso_of[d] = d.isoformat()
            return v

        people = list(new_people.values())
        if sqlite:
            # in hash order the random unique hash index is filled sequentially; the
            # psn_no index is the smaller one to fill at random places
            people.sort(key=lambda r: hash_of[r.certno])
        # the same values as registry.person_values, without re-hashing the ID number
        cert_enc = cipher.encrypt_many([r.certno for r in people])
        name_enc = cipher.encrypt_many([r.name for r in people])
        max_id = conn.exec_driver_sql("SELECT max(id) FROM person").scalar() or 0
        if sqlite:
            # BEGIN IMMEDIATE holds the write lock: the ids after max(id) are ours to give,
            # which spares reading a million ids back
            prow = []
            for pid, r, ce, ne in zip(
                range(max_id + 1, max_id + 1 + len(people)), people, cert_enc, name_enc, strict=True
            ):
                c = r.certno
                prow.append(
                    (
                        pid,
                        r.psn_no,
                        ce,
                        hash_of[c],
                        ne,
                        "1" if int(c[16]) % 2 else "2",
                        dv(parse_date(c[6:14])),
                        r.household_no,
                        r.insured_region,
                        now_v,
                        now_v,
                    )
                )
                by_psn[r.psn_no] = (pid, None)
            _bulk_insert(conn, "person", ("id", *pcols), prow)
            del prow
        else:
            # COPY text lines built here: psycopg's write_row adapts value by value
            _copy_text(
                conn,
                "person",
                pcols,
                (
                    f"{_copy_esc(r.psn_no)}\t\\\\x{ce.hex()}\t{hash_of[r.certno]}\t\\\\x{ne.hex()}\t"
                    f"{'1' if int(r.certno[16]) % 2 else '2'}\t{iso(parse_date(r.certno[6:14]))}\t"
                    f"{_copy_opt(r.household_no)}\t{_copy_opt(r.insured_region)}\t{now_t}\t{now_t}\n"
                    for r, ce, ne in zip(people, cert_enc, name_enc, strict=True)
                ),
            )
            if new_people:
                for pid, psn in conn.exec_driver_sql(
                    f"SELECT id, psn_no FROM person WHERE id > {int(max_id)}"
                ).all():
                    if psn in new_people:
                        by_psn[psn] = (pid, None)
        del people, cert_enc, name_enc
        res.counts["persons_created"] = len(new_people)
        res.timings["persons"] = time.perf_counter() - t0 - sum(res.timings.values())
        icols = (
            "person_id",
            "psn_no",
            "code",
            "begndate",
            "enddate",
            "source",
            "source_doc",
            "batch_id",
            "created_at",
            "updated_at",
        )
        if sqlite:
            _bulk_insert(
                conn,
                "person_identity",
                icols,
                [
                    (
                        by_psn[r.psn_no][0],
                        r.psn_no,
                        r.code,
                        dv(r.beg),
                        dv(r.end),
                        source,
                        r.source_doc or f"batch {bid}",
                        bid,
                        now_v,
                        now_v,
                    )
                    for r in added
                ],
            )
        else:
            src = _copy_esc(source)
            batch_doc = f"batch {bid}"
            _copy_text(
                conn,
                "person_identity",
                icols,
                (
                    f"{by_psn[r.psn_no][0]}\t{_copy_esc(r.psn_no)}\t{r.code}\t{iso(r.beg)}\t"
                    f"{iso(r.end)}\t{src}\t{_copy_esc(r.source_doc or batch_doc)}\t{bid}\t"
                    f"{now_t}\t{now_t}\n"
                    for r in added
                ),
            )
        _bulk_update(
            conn,
            "UPDATE person_identity SET enddate = ?, updated_at = ? WHERE id = ?",
            [(dv(r.end), now_v, ex[0]) for r, ex in changed],
        )
        _bulk_update(
            conn,
            "UPDATE person_identity SET enddate = ?, ended_by_batch_id = ?, updated_at = ? "
            "WHERE id = ?",
            [(dv(d), bid, now_v, i) for i, d in ends.items()],
        )

        res.timings["identities"] = time.perf_counter() - t0 - sum(res.timings.values())
        # -- audit: one entry per change, masked (宁医保发〔2023〕102号 第九条) ------------
        details: dict[str, list[dict[str, Any]]] = {
            "added": [],
            "changed": [],
            "ended": [],
            "rejected": [],
        }
        detail_rows: list[tuple[Any, ...]] = []
        audit_rows: list[tuple[Any, ...]] = []
        by_id = {ex[0]: ex for ex in existing.values()} if ends else {}

        def ident(psn: str, code: str, beg: dt.date, end: dt.date | None) -> dict[str, Any]:
            return {
                "psn_no": psn,
                "code": code,
                "begndate": beg.isoformat(),
                "enddate": end.isoformat() if end else None,
                "batch_id": bid,
            }

        js = json.dumps
        per_row = len(added) <= PER_ROW_AUDIT_LIMIT
        for r in added:
            c = r.certno  # valid, so 18 characters: mask_certno's first, 16 stars, last
            mc, mn = c[0] + "****************" + c[17], mask_name(r.name)
            detail_rows.append(("added", r.line, r.psn_no, mc, mn, r.code, r.beg, r.end, None, ""))
            if not per_row:
                continue
            # hand-built JSON: json.dumps of a dict per row costs more than the insert
            after_js = (
                f'{{"psn_no": {js(r.psn_no, ensure_ascii=False)}, "code": "{r.code}", '
                f'"begndate": "{r.beg.isoformat()}", '
                f'"enddate": {js(r.end.isoformat()) if r.end else "null"}, "batch_id": {bid}, '
                f'"certno": "{mc}", "name": {js(mn, ensure_ascii=False)}, "source": "{source}", '
                f'"person_created": {"true" if new_people.get(r.psn_no) is r else "false"}}}'
            )
            audit_rows.append(
                (
                    now_v,
                    actor,
                    "import_add",
                    "person_identity",
                    f"{r.psn_no}:{r.code}:{r.beg.isoformat()}",
                    None,
                    after_js,
                )
            )
        for r, ex in changed:
            mc, mn = _masked(r.certno, r.name)
            before = ident(ex[1], ex[2], ex[3], ex[4])
            after = ident(r.psn_no, r.code, r.beg, r.end)
            audit_rows.append(
                (
                    now_v,
                    actor,
                    "import_change",
                    "person_identity",
                    identity_key(r.psn_no, r.code, r.beg),
                    json.dumps(before, ensure_ascii=False),
                    json.dumps(after, ensure_ascii=False),
                )
            )
            detail_rows.append(
                ("changed", r.line, r.psn_no, mc, mn, r.code, r.beg, r.end, ex[4], "")
            )
        for i, d in ends.items():
            ex = by_id[i]
            before = ident(ex[1], ex[2], ex[3], ex[4])
            after = ident(ex[1], ex[2], ex[3], d)
            audit_rows.append(
                (
                    now_v,
                    actor,
                    "import_end",
                    "person_identity",
                    identity_key(ex[1], ex[2], ex[3]),
                    json.dumps(before, ensure_ascii=False),
                    json.dumps(after, ensure_ascii=False),
                )
            )
            detail_rows.append(
                (
                    "ended",
                    None,
                    ex[1],
                    "",
                    "",
                    ex[2],
                    ex[3],
                    d,
                    ex[4],
                    f"不在 {as_of_day} 全量名单中（新疆规程 第六条 动态调整）",
                )
            )
        for e in errors:
            detail_rows.append(
                ("rejected", e.line, "", "", "", "", None, None, None, f"{e.column}: {e.message}")
            )
        _bulk_insert(
            conn,
            "audit_log",
            ("at", "actor", "action", "entity", "entity_id", "before", "after", "mac"),
            with_macs(audit_rows),
        )
        del audit_rows
        res.timings["audit"] = time.perf_counter() - t0 - sum(res.timings.values())
        for kind, line, psn, mc, mn, code, beg, end, old, reason in detail_rows:
            lst = details[kind]
            if len(lst) < DETAIL_CAP:
                lst.append(
                    {
                        "line": line,
                        "psn_no": psn,
                        "certno": mc,
                        "name": mn,
                        "identity": code,
                        "begndate": beg.isoformat() if beg else None,
                        "enddate": end.isoformat() if end else None,
                        "old_enddate": old.isoformat() if old else None,
                        "reason": reason,
                    }
                )
        res.details = details
        if save_report:
            base = reports_dir() / f"identity-import-{bid:06d}-{source}"
            res.report_json = str(base.with_suffix(".json"))
            res.report_csv = str(base.with_suffix(".csv"))
        batch.counts = dict(res.counts)
        batch.report = {
            "file": name,
            "sha256": res.sha256,
            "source": source,
            "source_zh": SOURCE_ZH[source],
            "mode": mode,
            "as_of": as_of.isoformat() if full_list and as_of else None,
            "counts": res.counts,
            "details": details,
            "errors": [e.as_dict() for e in errors[:DETAIL_CAP]],
            "report_json": res.report_json,
            "report_csv": res.report_csv,
            "previous_batch_same_file": prev,
        }
        audit(
            s,
            actor,
            "import",
            "import_batch",
            str(bid),
            None,
            batch.report
            | {"details": None, "additions_audited": "per_row" if per_row else "by_batch"},
        )
    # written after the commit, so a report file never describes a rolled-back import
    if save_report and res.report_json and res.report_csv:
        write_json(Path(res.report_json), res.summary())
        _write_detail_csv(
            Path(res.report_csv),
            (
                "结果",
                "行号",
                "人员编号",
                "身份证号码",
                "姓名",
                "身份类别",
                "开始日期",
                "结束日期",
                "原结束日期",
                "原因",
            ),
            detail_rows,
        )
    res.elapsed = time.perf_counter() - t0
    res.timings["report"] = res.elapsed - sum(res.timings.values())
    return res


_KIND_ZH = {"added": "新增", "changed": "变更", "ended": "终止", "rejected": "拒绝"}


def _write_detail_csv(path: Path, header: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
    """``reports.write_csv`` (UTF-8 with BOM, temp file then rename) for a million rows:
    each date formatted once, not once per row; ``csv`` writes None as an empty cell."""
    iso_of: dict[dt.date, str] = {}

    def iso(d: dt.date | None) -> str | None:
        if d is None:
            return None
        v = iso_of.get(d)
        if v is None:
            v = iso_of[d] = d.isoformat()
        return v

    kind_zh = _KIND_ZH
    tmp = path.with_suffix(path.suffix + ".tmp")
    with tmp.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(
            (kind_zh[k], line, psn, mc, mn, code, iso(beg), iso(end), iso(old), reason)
            for k, line, psn, mc, mn, code, beg, end, old, reason in rows
        )
    os.replace(tmp, path)


IDENTITY_ZH = IDENTITY_CODES

__all__ = [
    "FIELDS",
    "HEADER_ALIASES",
    "ImportResult",
    "Row",
    "RowError",
    "import_identities",
    "parse_date",
    "parse_rows",
    "read_table",
]
