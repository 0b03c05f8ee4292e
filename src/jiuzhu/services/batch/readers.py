"""The checking readers of `jiuzhu calc`'s files (calc-contract §8): CLAIMS.csv,
IDENTITIES.csv and the carried totals, every cell checked.

These are the reference readers: any bad input raises :class:`InputError` naming the
file, the line and the column, before anything is computed. The compiled reader
(``read_kernel``) reads only the canonical spelling of a plain file and hands every
other file to these, so refusals are the same on every path.
"""

from __future__ import annotations

import csv
import datetime as dt
import zlib
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.dates import parse_date, parse_datetime
from jiuzhu.domain.engine import Totals
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.money import AmountError, parse_fen
from jiuzhu.policy.schema import IDENTITY_CODES

TotalsKey = tuple[str, int]
"""A person-year: (psn_no, year)."""

IDENTITY_COLUMNS = ("psn_no", "identity", "begndate", "enddate")
CLAIM_REQUIRED = (
    "setl_id",
    "psn_no",
    "setl_time",
    "med_type",
    "begndate",
    "enddate",
    "inscp_scp_amt",
    "hifp_pay",
    "hifmi_pay",
)
CLAIM_OPTIONAL_AMOUNTS = ("hifob_pay",)
CLAIM_FLAGS = {"out_of_area": False, "referral": False, "emergency": False, "in_province": True}
TOTALS_COLUMNS = ("psn_no", "year", "S", "P", "R", "TP")


def parse_amount(text: str, *, file: str, line: int, column: str) -> int:
    try:
        return parse_fen(text)
    except AmountError as exc:
        raise InputError(str(exc), file=file, line=line, column=column) from None


def parse_flag(text: str, *, file: str, line: int, column: str) -> bool:
    s = text.strip()
    if s == "1":
        return True
    if s == "0":
        return False
    raise InputError(f"flag must be 0 or 1, got {text!r}", file=file, line=line, column=column)


def open_csv(path: Path) -> Iterator[tuple[int, dict[str, int], list[str]]]:
    """Yield (line number, header index, row) of a UTF-8 CSV with a header row."""
    name = str(path)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=name) from None
    with fh:
        reader = csv.reader(fh)
        try:
            header = next(reader)
        except StopIteration:
            raise InputError("empty file: no header row", file=name, line=1) from None
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", file=name, line=1) from None
        index = {h.strip(): i for i, h in enumerate(header)}
        yield 1, index, header
        try:
            for row in reader:
                if not row or (not row[0].strip() and all(not c.strip() for c in row)):
                    continue
                yield reader.line_num, index, row
        except UnicodeDecodeError:
            raise InputError("not UTF-8 text", file=name, line=reader.line_num + 1) from None
        except csv.Error as exc:
            raise InputError(f"malformed CSV: {exc}", file=name, line=reader.line_num) from None


def _require_columns(index: dict[str, int], required: Iterable[str], file: str) -> None:
    for col in required:
        if col not in index:
            raise InputError("missing column", file=file, line=1, column=col)


def _cell(row: list[str], i: int | None) -> str:
    if i is None or i >= len(row):
        return ""
    return row[i]


def read_identities(
    path: Path, code_map: dict[str, str] | None = None
) -> dict[str, list[IdentitySpan]]:
    """IDENTITIES.csv → spans per person. Outside codes are mapped by the operator's table."""
    name = str(path)
    code_map = code_map or {}
    out: dict[str, list[IdentitySpan]] = defaultdict(list)
    rows = open_csv(path)
    _, index, _ = next(rows)
    _require_columns(index, IDENTITY_COLUMNS, name)
    ip, ii, ib, ie = (index[c] for c in IDENTITY_COLUMNS)
    for line, _, row in rows:
        psn = _cell(row, ip).strip()
        if not psn:
            raise InputError("empty psn_no", file=name, line=line, column="psn_no")
        raw = _cell(row, ii).strip()
        code = code_map.get(raw, raw)
        if code not in IDENTITY_CODES:
            raise InputError(
                f"unknown identity code {raw!r}", file=name, line=line, column="identity"
            )
        b = parse_date(_cell(row, ib), file=name, line=line, column="begndate")
        e_text = _cell(row, ie).strip()
        e = parse_date(e_text, file=name, line=line, column="enddate") if e_text else None
        if e is not None and e < b:
            raise InputError(
                f"enddate {e} is before begndate {b}", file=name, line=line, column="enddate"
            )
        out[psn].append(IdentitySpan(code, b, e))
    return dict(out)


def row_parser(index: dict[str, int], name: str) -> Callable[[list[str], int, str, str], Claim]:
    """The parser of one CLAIMS.csv row whose ``setl_id`` and ``psn_no`` are checked.

    The hot path of `jiuzhu calc` (a million rows): well-formed cells take a short
    inline path (dates remembered by their text, ``d.dd`` amounts read as fen digits);
    anything else goes through the checking parsers above, which accept the same
    inputs and raise the located error. Checks run in the order of the columns of §8.
    """
    i_time, i_med, i_b, i_e = (index[c] for c in ("setl_time", "med_type", "begndate", "enddate"))
    amount_columns = [(c, index[c]) for c in ("inscp_scp_amt", "hifp_pay", "hifmi_pay")]
    i_hifob = index.get("hifob_pay")
    flag_idx = [(f, index.get(f), default) for f, default in CLAIM_FLAGS.items()]
    i_dise, i_age = index.get("dise_codg"), index.get("age")
    width = 1 + max(index.values())
    dates: dict[str, dt.date] = {}
    fromisoformat = dt.datetime.fromisoformat

    def parse(row: list[str], line: int, setl_id: str, psn: str) -> Claim:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        med = row[i_med].strip()
        if not med:
            raise InputError("empty med_type", file=name, line=line, column="med_type")
        t = row[i_time]
        if len(t) == 19 and t[10] == " " and t[4] == t[7] == "-" and t[13] == t[16] == ":":
            try:
                setl_time = fromisoformat(t)
            except ValueError:
                setl_time = parse_datetime(t, file=name, line=line, column="setl_time")
        else:
            setl_time = parse_datetime(t, file=name, line=line, column="setl_time")
        t = row[i_b]
        b = dates.get(t)
        if b is None:
            b = dates[t] = parse_date(t, file=name, line=line, column="begndate")
        t = row[i_e]
        e = dates.get(t)
        if e is None:
            e = dates[t] = parse_date(t, file=name, line=line, column="enddate")
        if e < b:
            raise InputError(
                f"enddate {e} is before begndate {b}", file=name, line=line, column="enddate"
            )
        amounts: list[int] = []
        for column, j in amount_columns:
            t = row[j]
            # "123.45": the digits without the point are the fen
            if len(t) > 3 and t[-3] == "." and t.isascii() and (d := t[:-3] + t[-2:]).isdigit():
                amounts.append(int(d))
            else:
                amounts.append(parse_amount(t, file=name, line=line, column=column))
        inscp, hifp, hifmi = amounts
        t = row[i_hifob] if i_hifob is not None else ""
        if t and t != "0" and t != "0.00" and t.strip():
            hifob = parse_amount(t, file=name, line=line, column="hifob_pay")
        else:
            hifob = 0
        flags: list[bool] = []
        for column, fi, default in flag_idx:
            t = row[fi] if fi is not None else ""
            if t == "0":
                flags.append(False)
            elif t == "1":
                flags.append(True)
            else:
                t = t.strip()
                flags.append(parse_flag(t, file=name, line=line, column=column) if t else default)
        out_of_area, referral, emergency, in_province = flags
        dise = row[i_dise].strip() if i_dise is not None else ""
        age = None
        if i_age is not None and (t := row[i_age].strip()):
            if not (t.isascii() and t.isdigit() and int(t) <= 150):
                raise InputError(
                    f"malformed age {t!r} (whole years, 0–150)", file=name, line=line, column="age"
                )
            age = int(t)
        return Claim(
            setl_id, psn, setl_time, med, b, e, inscp, hifp, hifmi, hifob,
            out_of_area, referral, emergency, in_province, dise, age,
        )  # fmt: skip

    return parse


def read_claims(path: Path) -> list[Claim]:
    """CLAIMS.csv → claims in input order, every field checked (calc-contract §8)."""
    return read_claims_part(path, 0, 1).claims


@dataclass
class ClaimsPart:
    """The claims of one part of the persons of a file (see :func:`read_claims_part`)."""

    claims: list[Claim]
    positions: list[int]
    """each claim's place among all the file's claims (empty for the whole file)"""
    total: int
    """how many claims the whole file holds"""


def part_of(psn_no: str, parts: int) -> int:
    """The part a person falls in when a file's persons are split ``parts`` ways."""
    return zlib.crc32(psn_no.encode("utf-8")) % parts


def read_claims_part(path: Path, k: int, parts: int) -> ClaimsPart:
    """The claims of the persons in part ``k`` of ``parts`` (:func:`part_of`), in input
    order. Every row's ``setl_id`` and ``psn_no`` are checked (a duplicate too); the
    other fields only of this part's rows: each row is checked by exactly one part, so
    the parts together refuse what :func:`read_claims` refuses (the caller re-reads
    the whole file in one process for the first error in file order)."""
    name = str(path)
    rows = open_csv(path)
    _, index, _ = next(rows)
    _require_columns(index, CLAIM_REQUIRED, name)
    i_id, i_psn = index["setl_id"], index["psn_no"]
    width = 1 + max(index.values())
    parse = row_parser(index, name)
    seen: dict[str, int] = {}
    claims: list[Claim] = []
    positions: list[int] = []
    append = claims.append
    whole = parts == 1
    total = 0
    for line, _, row in rows:
        if len(row) < width:
            row = row + [""] * (width - len(row))
        setl_id = row[i_id].strip()
        if not setl_id:
            raise InputError("empty setl_id", file=name, line=line, column="setl_id")
        if setl_id in seen:
            raise InputError(
                f"duplicate setl_id {setl_id!r} (first on line {seen[setl_id]})",
                file=name,
                line=line,
                column="setl_id",
            )
        seen[setl_id] = line
        psn = row[i_psn].strip()
        if not psn:
            raise InputError("empty psn_no", file=name, line=line, column="psn_no")
        if whole:
            append(parse(row, line, setl_id, psn))
        elif part_of(psn, parts) == k:
            append(parse(row, line, setl_id, psn))
            positions.append(total)
        total += 1
    return ClaimsPart(claims, positions, total)


def read_totals(path: Path) -> dict[TotalsKey, Totals]:
    """The person-year totals of ``--totals-in`` (written by ``results.write_totals``)."""
    name = str(path)
    rows = open_csv(path)
    _, index, _ = next(rows)
    _require_columns(index, TOTALS_COLUMNS, name)
    out: dict[TotalsKey, Totals] = {}
    for line, _, row in rows:
        psn = _cell(row, index["psn_no"]).strip()
        try:
            year = int(_cell(row, index["year"]))
        except ValueError:
            raise InputError(
                "year must be an integer", file=name, line=line, column="year"
            ) from None
        vals = [
            parse_amount(_cell(row, index[c]), file=name, line=line, column=c)
            for c in ("S", "P", "R", "TP")
        ]
        out[(psn, year)] = Totals(*vals)
    return out


def check_explain(wanted: Iterable[str], known: Collection[str], path: Path) -> None:
    """``--explain`` must name settlements of the claims file."""
    for setl_id in wanted:
        if setl_id in known:
            continue
        raise InputError(
            f"no settlement {setl_id!r} in the claims file", file=str(path), column="setl_id"
        )
