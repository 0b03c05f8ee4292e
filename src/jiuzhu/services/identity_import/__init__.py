"""Department identity lists (CSV or XLSX) into the registry, as one atomic batch.

- 新疆规程 第六条: 每月对救助对象人员名单全面比对 … 实行动态调整 → ``full_list``: every
  identity of the source's types that the registry holds open on ``as_of`` and the list
  no longer carries is ended the day before ``as_of``.
- 宁医保发〔2023〕102号 第十一条: departments push recognitions; the agency maintains the
  identities it recognises itself (source ``yibao``).
- 柳州任务清单 一: civil affairs, rural revitalisation and the disabled persons' federation
  send their lists.

Rows as departments send them (calc-contract §10): several rows of one person and one
identity may overlap or touch (renewal, re-recognition), in one file or across files and
sources; the identity is valid on their union, exactly as ``jiuzhu calc`` reads the same
rows. Each department's recognition (person, identity, begndate, source) is kept as its own
span with its batch; rows of the same recognition in one file merge into the later end;
the report lists every row that merged and the interval it is valid on. Only real
contradictions are refused (another person's ID number, an end before the start, …).

Change-list mode: a recognition the registry holds with an earlier end is extended
(changed); with the same end it is unchanged; with a later end the row is covered (the
union does not shrink, whatever order files arrive in). Re-importing the same file
changes nothing. Any invalid row refuses the whole file (nothing written) unless
``accept_valid``.

The package runs parse → compare → apply → report: ``rows`` (read and validate), ``load``
(the registry's persons and spans), ``compare`` (pure: the plan and the merges), ``write``
(bulk writes through ``adapters.db.bulk``) and ``report`` (audit entries, detail rows,
files); this module holds the one transaction that strings them together.

Large lists: rows are validated in memory, the registry's persons and identities are read
once into dicts, and the changes are written in chunks (SQLite ``executemany``,
PostgreSQL ``COPY``) inside ONE transaction, so a million-row list stays atomic.
"""

from __future__ import annotations

import base64
import datetime as dt
import gc
import hashlib
import zlib
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.audit_chain import append_sealed
from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.tables import ImportBatch, ImportBatchFile
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.pii import mask_certno
from jiuzhu.reports import reports_dir, write_json
from jiuzhu.services.identity_import.columnar import Plan
from jiuzhu.services.identity_import.columnar import plan as columnar_plan
from jiuzhu.services.identity_import.compare import compare, merges_of
from jiuzhu.services.identity_import.load import everything, load_identities, load_persons
from jiuzhu.services.identity_import.report import (
    Changes,
    ImportResult,
    audit_records,
    batch_file,
    fill_details,
    write_detail_csv,
)
from jiuzhu.services.identity_import.rows import (
    DETAIL_CAP,
    FIELDS,
    HEADER_ALIASES,
    Progress,
    Row,
    RowError,
    parse_date,
    parse_rows,
    read_table,
)
from jiuzhu.services.identity_import.write import new_persons, stamp, write_changes
from jiuzhu.services.registry import SOURCE_ZH, SOURCES


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


def _archive_later(cipher: Any, data: bytes) -> Future[bytes]:
    """``data`` compressed, base64-coded and encrypted, as ``ImportBatchFile.content_enc``."""
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="archive")
    try:
        return pool.submit(
            lambda: cipher.encrypt(base64.b64encode(zlib.compress(data, 1)).decode("ascii"))
        )
    finally:
        pool.shutdown(wait=False)


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
    columnar: bool = True,
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
    cipher = get_cipher()
    as_of_day = as_of or dt.date.today()
    # the file as received, compressed and encrypted on a thread of its own while the
    # list is compared (zlib lets go of the GIL): a million rows take half a second
    archived = _archive_later(cipher, data)
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
        plan = None
        if columnar:
            plan = columnar_plan(
                conn, name, data, source, full_list, as_of_day, operator_map, cipher,
            )  # fmt: skip
        errors: list[RowError] = []
        if plan is not None:
            res.timings["validate"] = plan.timings["validate"]
            res.timings["load"] = plan.timings["load"]
        else:
            plan, errors = _reference_plan(
                s, name, data, source, full_list, as_of_day, operator_map, progress, res, t0
            )
        res.rows = plan.lines
        file_label = name
        added, changed, ends, kept = (
            plan.added, plan.changed, plan.ends, plan.kept,
        )  # fmt: skip
        existing, merges, by_psn, hash_of = plan.existing, plan.merges, plan.by_psn, plan.hash_of
        unchanged = plan.unchanged
        errors.sort(key=lambda e: (e.line, e.column))
        res.errors = errors
        res.counts = {
            "rows": res.rows,
            "added": len(added),
            "changed": len(changed),
            "ended": len(ends),
            "unchanged": unchanged,
            "merged": len(merges),
            "rejected": len({e.line for e in errors}),
            "kept_rejected": len(kept),
            "persons_created": 0,
        }
        if full_list and not plan.valid:
            errors.append(
                RowError(
                    name,
                    1,
                    "",
                    "a full list without one valid row would end every identity of "
                    f"{source}; refused",
                )
            )
        if (errors and not accept_valid) or (full_list and not plan.valid):
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
        # every source row kept, as received (rejected ones too), encrypted
        s.add(
            ImportBatchFile(
                batch_id=bid,
                file_name=file_label[-300:],
                sha256=res.sha256,
                size=len(data),
                content_enc=archived.result(),
            )
        )
        # the audit records are pure work: built and signed on a thread while this one
        # waits for the database to write the changes
        now = utcnow()
        new_people = new_persons(added, by_psn)
        changes = Changes(added, changed, ends, existing, new_people, merges, errors)
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="audit") as pool:
            audited = pool.submit(
                audit_records, actor, bid, source, stamp(conn, now), changes, as_of_day
            )
            write_changes(
                conn, cipher, bid, source, added, changed, ends, by_psn, hash_of,
                plan.counties, res, t0, progress, now,
            )  # fmt: skip
            a = audited.result()
        append_sealed(s, a.records, signed=True)
        details, detail_rows, per_row = a.details, a.detail_rows, a.per_row
        res.timings["audit"] = time.perf_counter() - t0 - sum(res.timings.values())
        fill_details(details, detail_rows)
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
        write_detail_csv(
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


def _reference_plan(
    s: Any,
    name: str,
    data: bytes,
    source: str,
    full_list: bool,
    as_of_day: dt.date,
    operator_map: Mapping[str, str] | None,
    progress: Progress | None,
    res: ImportResult,
    t0: float,  # float ok: perf_counter seconds
) -> tuple[Plan, list[RowError]]:
    """The reference path: rows as objects, validated one by one, compared in dicts."""
    import time

    conn = s.connection()
    parsed = parse_rows(name, data, source, operator_map, progress)
    rows, errors, bad_pairs = parsed.rows, parsed.errors, parsed.bad_pairs
    label_cert = parsed.label["certno"]
    label_name = parsed.label["psn_name"]
    cipher = get_cipher()
    psn_list = list({r.psn_no for r in rows})
    # one hash per distinct ID number (the HMAC is the per-row cost that matters)
    certs = list(dict.fromkeys(r.certno for r in rows))
    hash_of: dict[str, str] = dict(zip(certs, cipher.lookup_hashes(certs), strict=True))
    del certs
    res.timings["validate"] = time.perf_counter() - t0
    if progress:
        progress("读取登记库 loading registry", 0, 0)
    by_psn, by_hash = load_persons(
        s, psn_list, list(hash_of.values()), everything(conn, "person", len(psn_list))
    )
    existing = load_identities(
        s, psn_list, source, full_list, everything(conn, "person_identity", len(psn_list))
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

    # the diff (calc-contract §10: an identity is valid on the union of its rows)
    added, changed, covered, unchanged, ends, kept = compare(
        valid, existing, source, full_list, as_of_day, bad_pairs
    )
    merges = merges_of(valid, parsed.merged, added, changed, covered, existing, ends)
    plan = Plan(
        lines=parsed.lines, label=parsed.label, valid=len(valid), added=added, changed=changed,
        covered=covered, unchanged=unchanged, ends=ends, kept=kept, merges=merges,
        existing=existing, by_psn=by_psn, hash_of=hash_of,
        counties={r.psn_no: r.county for r in parsed.rows if r.county is not None},
    )  # fmt: skip
    return plan, errors


__all__ = [
    "FIELDS",
    "HEADER_ALIASES",
    "ImportResult",
    "Row",
    "RowError",
    "batch_file",
    "import_identities",
    "parse_date",
    "parse_rows",
    "read_table",
]
