"""The import's report: the result and its counts, the audit entries and detail rows
(masked), the CSV written after the commit, and the stored file of a batch."""

from __future__ import annotations

import base64
import csv
import datetime as dt
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.audit_chain import with_macs
from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.tables import ImportBatchFile
from jiuzhu.adapters.files import atomic_file
from jiuzhu.domain.errors import NotFound
from jiuzhu.domain.pii import mask_certno, mask_name
from jiuzhu.services.identity_import.compare import Merge
from jiuzhu.services.identity_import.load import Existing, ExistingKey
from jiuzhu.services.identity_import.rows import DETAIL_CAP, PER_ROW_AUDIT_LIMIT, Row, RowError
from jiuzhu.services.registry import (
    identity_key,
)


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


def _masked(cert: str, name: str) -> tuple[str, str]:
    return mask_certno(cert), mask_name(name)


@dataclass
class Changes:
    """What an import changes and reports (for the audit trail and the report)."""

    added: Sequence[Row]
    changed: Sequence[tuple[Row, Existing]]
    ends: Mapping[int, dt.date]
    existing: Mapping[ExistingKey, Existing]
    new_people: Mapping[str, Row]
    merges: Sequence[tuple[int, Merge]]
    errors: Sequence[RowError]


@dataclass
class AuditedChanges:
    """The import's audit records (signed, not yet written) and its report's rows."""

    details: dict[str, list[dict[str, Any]]]
    detail_rows: list[tuple[Any, ...]]
    per_row: bool
    records: list[tuple[Any, ...]]


def audit_records(
    actor: str,
    bid: int,
    source: str,
    now_v: Any,
    ch: Changes,
    as_of_day: dt.date,
) -> AuditedChanges:
    """One audit entry per change, masked (宁医保发〔2023〕102号 第九条) and signed, and the
    report's rows: the detail lists, every detail row, whether additions were audited per
    row. Pure work: it runs on a thread while the changes are written."""
    added, changed, ends, existing = ch.added, ch.changed, ch.ends, ch.existing
    new_people, merges, errors = ch.new_people, ch.merges, ch.errors
    details: dict[str, list[dict[str, Any]]] = {
        "added": [],
        "changed": [],
        "ended": [],
        "merged": [],
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

    per_row = len(added) <= PER_ROW_AUDIT_LIMIT
    for r in added:
        c = r.certno  # valid, so 18 characters: mask_certno's first, 16 stars, last
        mc, mn = c[0] + "****************" + c[17], mask_name(r.name)
        detail_rows.append(("added", r.line, r.psn_no, mc, mn, r.code, r.beg, r.end, None, ""))
        if not per_row:
            continue
        after = {
            "psn_no": r.psn_no,
            "code": r.code,
            "begndate": r.beg.isoformat(),
            "enddate": r.end.isoformat() if r.end else None,
            "batch_id": bid,
            "certno": mc,
            "name": mn,
            "source": source,
            "person_created": new_people.get(r.psn_no) is r,
        }
        audit_rows.append(
            (
                now_v,
                actor,
                "import_add",
                "person_identity",
                f"{r.psn_no}:{r.code}:{r.beg.isoformat()}",
                None,
                after,
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
                before,
                after,
            )
        )
        detail_rows.append(("changed", r.line, r.psn_no, mc, mn, r.code, r.beg, r.end, ex[4], ""))
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
                before,
                after,
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
    for line, (r, ub, ue, reason) in merges:
        mc, mn = _masked(r.certno, r.name)
        detail_rows.append(("merged", line, r.psn_no, mc, mn, r.code, ub, ue, None, reason))
    for e in errors:
        detail_rows.append(
            ("rejected", e.line, "", "", "", "", None, None, None, f"{e.column}: {e.message}")
        )
    return AuditedChanges(details, detail_rows, per_row, with_macs(audit_rows))


def fill_details(
    details: dict[str, list[dict[str, Any]]], detail_rows: Sequence[tuple[Any, ...]]
) -> None:
    """The first ``DETAIL_CAP`` rows of each kind, as the batch row and the API show them."""
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


def batch_file(s: Session, batch_id: int) -> tuple[str, bytes]:
    """The file of a batch as the department sent it (name, bytes): every source row."""
    f = s.scalar(select(ImportBatchFile).where(ImportBatchFile.batch_id == batch_id))
    if f is None:
        raise NotFound(f"batch {batch_id} has no stored file", field="batch_id")
    data = zlib.decompress(base64.b64decode(get_cipher().decrypt(f.content_enc)))
    return f.file_name or "", data


_KIND_ZH = {
    "added": "新增",
    "changed": "变更",
    "ended": "终止",
    "merged": "合并",
    "rejected": "拒绝",
}


def write_detail_csv(path: Path, header: Sequence[str], rows: Sequence[tuple[Any, ...]]) -> None:
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
    with atomic_file(path, encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(
            (kind_zh[k], line, psn, mc, mn, code, iso(beg), iso(end), iso(old), reason)
            for k, line, psn, mc, mn, code, beg, end, old, reason in rows
        )
