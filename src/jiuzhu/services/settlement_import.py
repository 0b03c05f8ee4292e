"""Bulk import of settlements made elsewhere (异地, off-line) through the one settlement path.

The file is the claims file of ``jiuzhu calc`` (calc-contract §8) with the optional
columns ``institution`` (定点医药机构编号), ``mdtrt_id``, ``medfee_sumamt`` and ``county``. The whole
file is validated first — every field, duplicate ``setl_id``s, and ``setl_id``s already
stored with another body — and nothing is written unless all of it is valid. The rows are
then settled one by one through :func:`jiuzhu.services.settlement.settle`, in ``setl_time``
order (ties by ``setl_id``, calc-contract §3), each in its own transaction under the
person-year row lock, exactly as the hospitals' real-time calls are. A second run of the
same file changes nothing (every row is a replay).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import AmountError, format_fen, parse_fen
from jiuzhu.services.batch.readers import read_claims
from jiuzhu.services.settlement import SettleClaim, claim_fingerprint, settle_claim

OPTIONAL_COLUMNS = ("institution", "mdtrt_id", "medfee_sumamt", "county")
CHECK_CHUNK = 500


@dataclass(frozen=True)
class ImportRow:
    line: int
    claim: Claim
    institution: str | None
    extra: dict[str, Any]


@dataclass
class ImportResult:
    rows: int = 0
    settled: int = 0
    replayed: int = 0
    maf_fen: int = 0
    tilt_fen: int = 0
    by_reason: dict[str, int] = field(default_factory=dict)


def _extras(path: Path) -> list[tuple[int, dict[str, str]]]:
    """(line, optional columns) per data row, in file order (same rows as read_claims)."""
    out: list[tuple[int, dict[str, str]]] = []
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader, [])
        idx = {h.strip(): i for i, h in enumerate(header)}
        cols = [(c, idx[c]) for c in OPTIONAL_COLUMNS if c in idx]
        for row in reader:
            if not row or all(not c.strip() for c in row):
                continue
            out.append(
                (reader.line_num, {c: (row[i].strip() if i < len(row) else "") for c, i in cols})
            )
    return out


def read_import(path: Path, default_institution: str | None = None) -> list[ImportRow]:
    """Validate the whole file; errors name the file, the line and the column."""
    name = str(path)
    claims = read_claims(path)  # every contract field checked, duplicates refused
    extras = _extras(path)
    if len(extras) != len(claims):  # pragma: no cover - both readers skip the same blank rows
        raise InputError("could not align the optional columns with the rows", file=name)
    rows: list[ImportRow] = []
    for claim, (line, ex) in zip(claims, extras, strict=True):
        extra: dict[str, Any] = {}
        if ex.get("mdtrt_id"):
            if len(ex["mdtrt_id"]) > 60:
                raise InputError("mdtrt_id longer than 60", file=name, line=line, column="mdtrt_id")
            extra["mdtrt_id"] = ex["mdtrt_id"]
        if ex.get("county"):
            if not (len(ex["county"]) == 6 and ex["county"].isdigit()):
                raise InputError(
                    f"county must be a 6-digit division code, got '{ex['county']}'",
                    file=name,
                    line=line,
                    column="county",
                )
            extra["county"] = ex["county"]
        if ex.get("medfee_sumamt"):
            try:
                extra["medfee_sumamt"] = format_fen(parse_fen(ex["medfee_sumamt"]))
            except AmountError as exc:
                raise InputError(str(exc), file=name, line=line, column="medfee_sumamt") from None
        inst = ex.get("institution") or default_institution
        if inst and len(inst) > 40:
            raise InputError(
                "institution longer than 40", file=name, line=line, column="institution"
            )
        if len(claim.setl_id) > 60:
            raise InputError("setl_id longer than 60", file=name, line=line, column="setl_id")
        if len(claim.psn_no) > 40:
            raise InputError("psn_no longer than 40", file=name, line=line, column="psn_no")
        if len(claim.med_type) > 10:
            raise InputError("med_type longer than 10", file=name, line=line, column="med_type")
        rows.append(ImportRow(line, claim, inst or None, extra))
    return rows


def check_against_store(uow: UnitOfWork, rows: list[ImportRow], file: str) -> int:
    """Refuse, before anything is written, a ``setl_id`` already stored with another body or
    institution (it would be a 409). Returns how many rows are already stored (replays)."""
    already = 0
    for start in range(0, len(rows), CHECK_CHUNK):
        chunk = rows[start : start + CHECK_CHUNK]
        by_id = {r.claim.setl_id: r for r in chunk}
        with uow.read() as s:
            stored = s.execute(
                select(Settlement.setl_id, Settlement.body_hash, Settlement.institution).where(
                    Settlement.setl_id.in_(list(by_id))
                )
            ).all()
        for setl_id, body_hash, institution in stored:
            r = by_id[setl_id]
            if body_hash != claim_fingerprint(r.claim, r.extra) or (
                r.institution is not None and institution != r.institution
            ):
                raise InputError(
                    f"setl_id {setl_id} is already stored with a different body",
                    file=file,
                    line=r.line,
                    column="setl_id",
                )
            already += 1
    return already


def settlement_order(rows: list[ImportRow]) -> list[ImportRow]:
    """calc-contract §3: in order of setl_time, ties by setl_id as text."""
    return sorted(rows, key=lambda r: (r.claim.setl_time, r.claim.setl_id))


def import_rows(
    uow: UnitOfWork,
    policy: RegionPolicy,
    rows: list[ImportRow],
    *,
    actor: str,
    progress: Callable[[int], None] | None = None,
) -> ImportResult:
    """Settle validated rows in settlement order through :func:`settle` (source ``import``)."""
    res = ImportResult(rows=len(rows))
    for r in settlement_order(rows):
        cmd = SettleClaim(
            r.claim, source="import", actor=actor, institution=r.institution, extra=r.extra
        )
        out = settle_claim(uow, policy, cmd)
        a = out.answer
        if out.replayed:
            res.replayed += 1
        else:
            res.settled += 1
            res.maf_fen += out.maf_pay
            res.tilt_fen += out.tilt_pay
            res.by_reason[a["reason"]] = res.by_reason.get(a["reason"], 0) + 1
        if progress is not None:
            progress(1)
    return res
