"""Reading a department list: the header (contract or Chinese names), every row
validated on its own and against the other rows of the file; rows of one person,
identity and begndate merge into one (calc-contract §10)."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from jiuzhu.domain.errors import InputError
from jiuzhu.domain.pii import certno_problem, mask_certno
from jiuzhu.services.registry import (
    SOURCES,
    resolve_identity_code,
    source_problem,
)

FIELDS = ("psn_no", "certno", "psn_name", "identity", "begndate", "enddate")
OPTIONAL = ("household_no", "insured_region", "source_doc", "county")
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
    "区划代码": "county",
    "行政区划代码": "county",
    "县区代码": "county",
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
    county: str | None = None
    """6-digit administrative division code of the insured place (宁医保发〔2023〕102号 第十七条)"""


@dataclass
class Parsed:
    """The valid rows (rows of one person, identity and begndate merged into the first),
    the errors, the (person, identity) pairs named by rejected rows (a full-list import
    must not end those), the headers as written, the line count and the merged lines."""

    rows: list[Row]
    errors: list[RowError]
    bad_pairs: set[tuple[str, str]]
    label: dict[str, str]
    lines: int
    merged: list[tuple[int, int]] = field(default_factory=list)
    """(line, the line it merged into): rows of one person, identity and begndate"""


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
    i_hh, i_reg, i_doc, i_county = (idx.get(f) for f in OPTIONAL)
    width = max(idx.values()) + 1
    rows: list[Row] = []
    errors: list[RowError] = []
    touched_bad: set[tuple[str, str]] = set()
    seen: dict[tuple[str, str, dt.date], Row] = {}
    merged: list[tuple[int, int]] = []
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
        county = cells[i_county].strip() or None if i_county is not None else None
        if county is not None and not (len(county) == 6 and county.isdigit()):
            err(line, "county", f"county must be a 6-digit division code, got '{county}'")
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
        key = (psn, code, beg)
        first = seen.get(key)
        if first is not None:
            # the same recognition twice (calc-contract §10): valid on the union of the two
            # rows, which share their first day, so on the later (or open) end
            if first.end is not None and (end is None or end > first.end):
                first.end = end
            merged.append((line, first.line))
            continue
        row = Row(
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
            county,
        )
        seen[key] = row
        rows.append(row)
    if progress:
        progress("读取校验 validating", n, n)
    return Parsed(rows, errors, touched_bad, label, n, merged)
