"""A tamper-evident audit trail: every record signed, then chained (issue 8 item 5;
宁医保发〔2023〕102号 第九条 全程痕迹管理).

Two keyed HMAC-SHA256 layers under the audit key, which lives in a file the settings
name (:meth:`jiuzhu.config.Settings.audit_key_path`) and never in the database:

* **signed when written** — ``mac`` = HMAC(key, the record's content), in the same
  transaction as the change. Editing any field of a record breaks its ``mac``.
* **chained when sealed** — the sealer gives each signed record the next position
  ``seq`` and ``chain`` = HMAC(key, previous chain, seq, id, mac), and moves the head
  (table ``audit_seal``). Deleting a record leaves a hole in ``seq``; moving records
  (another ``id``, another ``seq``) breaks ``chain``.

Sealing is separate from writing so that concurrent writers (the settlement hot path on
PostgreSQL) never wait for one another on a global lock: commands seal right after they
commit, the service seals every second. A record not yet sealed is still signed; what
cannot be detected is the removal of the newest records *and* of the head together
(truncation): ``jiuzhu audit verify`` prints the head to compare with one noted before.
"""

from __future__ import annotations

import datetime as dt
import hmac
import json
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import DataKeyError, read_key, write_new_key
from jiuzhu.adapters.db.tables import AuditLog, AuditSeal
from jiuzhu.config import get_settings
from jiuzhu.domain.clock import utcnow

log = logging.getLogger("jiuzhu.audit")
_OPTS = orjson.OPT_SORT_KEYS | orjson.OPT_NON_STR_KEYS
BATCH = 5000


@lru_cache
def audit_key() -> bytes:
    """The audit signing key (``JIUZHU_AUDIT_KEY`` or the key file), created on first use."""
    s = get_settings()
    if s.audit_key:
        try:
            key = bytes.fromhex(s.audit_key)
        except ValueError:
            key = b""
        if len(key) != 32:
            raise DataKeyError("JIUZHU_AUDIT_KEY must be 64 hex characters")
        return key
    path = s.audit_key_path()
    if path.exists():
        return read_key(path, "audit key")
    return write_new_key(path)


def _at(v: Any) -> str:
    if isinstance(v, str):
        v = dt.datetime.fromisoformat(v)
    return v.isoformat(sep=" ", timespec="microseconds")  # type: ignore[no-any-return]


def _js(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str | bytes) else v


def record_mac(
    at: Any,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: Any,
    after: Any,
    key: bytes | None = None,
) -> str:
    """The signature of one record's content (``before``/``after`` as dicts or JSON text)."""
    content = orjson.dumps(
        [_at(at), actor, action, entity, str(entity_id), _js(before), _js(after)], option=_OPTS
    )
    return hmac.digest(key or audit_key(), content, "sha256").hex()


def with_macs(rows: Iterable[Sequence[Any]]) -> list[tuple[Any, ...]]:
    """Rows ``(at, actor, action, entity, entity_id, before, after)`` with their ``mac``
    appended, for bulk inserts."""
    key = audit_key()
    return [(*r, record_mac(r[0], r[1], r[2], r[3], r[4], r[5], r[6], key)) for r in rows]


def _link(key: bytes, prev: str, seq: int, rid: int, mac: str) -> str:
    return hmac.digest(key, f"{prev}|{seq}|{rid}|{mac}".encode(), "sha256").hex()


def _mac_of(row: AuditLog, key: bytes) -> str:
    return record_mac(
        row.at, row.actor, row.action, row.entity, row.entity_id, row.before, row.after, key
    )


def seal(session: Session, *, wait: bool = True) -> int:
    """Chain every unsealed record onto the head, in ``id`` order; returns how many.

    The head row is locked (``FOR UPDATE``; SQLite's write lock), so sealers take turns;
    with ``wait=False`` a sealer that finds another at work leaves at once.
    """
    key = audit_key()
    q = select(AuditSeal).where(AuditSeal.id == 1).with_for_update(skip_locked=not wait)
    head = session.scalars(q.execution_options(populate_existing=True)).one_or_none()
    if head is None:
        return 0
    n = 0
    while True:
        rows = session.execute(
            select(AuditLog.id, AuditLog.mac)
            .where(AuditLog.seq.is_(None))
            .order_by(AuditLog.id)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        seq, prev, updates = head.seq, head.chain, []
        for rid, mac in rows:
            if mac is None:
                if rid > head.legacy_max_id:
                    mac = ""  # written without a signature after signing began: verify says so
                else:  # a record from before signing began: signed now (trust on first seal)
                    row = session.get(AuditLog, rid)
                    assert row is not None
                    mac = _mac_of(row, key)
            seq += 1
            prev = _link(key, prev, seq, rid, mac)
            updates.append({"i": rid, "s": seq, "c": prev, "m": mac or None})
        session.execute(
            text("UPDATE audit_log SET seq = :s, chain = :c, mac = :m WHERE id = :i"), updates
        )
        head.seq, head.chain = seq, prev
        head.sealed_at = utcnow()
        session.flush()
        n += len(rows)
    return n


def _new_ids(session: Session, n: int) -> list[int]:
    """``n`` fresh record ids: PostgreSQL's sequence (one round trip); SQLite's writer
    holds the database lock (``BEGIN IMMEDIATE``), so the ids after the largest are free."""
    conn = session.connection()
    if conn.dialect.name == "postgresql":
        got = conn.exec_driver_sql(
            "SELECT nextval(pg_get_serial_sequence('audit_log', 'id')) "
            "FROM generate_series(1, %s)",
            (n,),
        )
        return sorted(int(r[0]) for r in got)
    top = int(conn.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit_log").scalar() or 0)
    return list(range(top + 1, top + 1 + n))


def _json_text(v: Any) -> str | None:
    """A record's ``before``/``after`` as stored: JSON text as given, a dict as orjson
    writes it (the signature is over the parsed value, so either reads back alike)."""
    if v is None or isinstance(v, str):
        return v
    return orjson.dumps(v, option=_OPTS).decode("utf-8")


def append_sealed(
    session: Session, rows: Sequence[Sequence[Any]], *, signed: bool = False
) -> None:
    """Write many records ``(at, actor, action, entity, entity_id, before, after)`` signed
    *and* chained, in the caller's transaction (an import's thousands of changes).
    ``before``/``after`` are dicts or JSON text; with ``signed``, each record's ``mac``
    comes eighth, as :func:`with_macs` gives it.

    The head is locked until the caller commits and the records already waiting are
    chained first (:func:`seal`); each new record then takes the next position as it is
    written. Sealing them after the commit instead would rewrite every one of them (and
    all six of ``audit_log``'s indexes) a second time. A rollback takes the records and
    the head's move back together.
    """
    from jiuzhu.adapters.db.bulk import bulk_insert

    if not rows:
        return
    seal(session)
    head = session.get(AuditSeal, 1)
    cols = ["at", "actor", "action", "entity", "entity_id", "before", "after", "mac"]
    if head is None:  # no chain in this database (never migrated to one): signed only
        bulk_insert(
            session.connection(),
            "audit_log",
            cols,
            [
                (*r[:5], _json_text(r[5]), _json_text(r[6]), r[7])
                for r in (rows if signed else with_macs(rows))
            ],
        )
        return
    key = audit_key()
    seq, prev = head.seq, head.chain
    out: list[tuple[Any, ...]] = []
    for rid, r in zip(_new_ids(session, len(rows)), rows, strict=True):
        at, actor, action, entity, entity_id, before, after = r[:7]
        mac = (
            r[7] if signed else record_mac(at, actor, action, entity, entity_id, before, after, key)
        )
        seq += 1
        prev = _link(key, prev, seq, rid, mac)
        out.append(
            (rid, at, actor, action, entity, entity_id, _json_text(before), _json_text(after),
             mac, seq, prev)
        )  # fmt: skip
    bulk_insert(session.connection(), "audit_log", ["id", *cols, "seq", "chain"], out)
    head.seq, head.chain = seq, prev
    head.sealed_at = utcnow()
    session.flush()


@dataclass
class Verification:
    records: int = 0
    sealed: int = 0
    head_seq: int = 0
    head_chain: str = ""
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(session: Session) -> Verification:
    """Check every record's signature and the chain from the first position to the head."""
    key = audit_key()
    out = Verification()
    head = session.get(AuditSeal, 1)
    if head is None:
        out.problems.append("the chain head (audit_seal) is missing")
        return out
    out.head_seq, out.head_chain = head.seq, head.chain
    prev, expect = "", 1
    last_id = 0
    q = select(AuditLog).order_by(AuditLog.seq.is_(None), AuditLog.seq, AuditLog.id)
    for row in session.scalars(q.execution_options(yield_per=2000)):
        out.records += 1
        mac = _mac_of(row, key)
        if row.mac is None or not hmac.compare_digest(mac, row.mac):
            out.problems.append(
                f"record id {row.id} (seq {row.seq}): edited — its content does not match its "
                "signature"
            )
        if row.seq is None:
            if row.id < last_id:
                out.problems.append(
                    f"record id {row.id}: not in the chain although later records are"
                )
            continue
        out.sealed += 1
        last_id = max(last_id, row.id)
        if row.seq != expect:
            out.problems.append(
                f"positions {expect}–{row.seq - 1} missing before record id {row.id}: "
                "deleted records"
                if row.seq > expect
                else f"record id {row.id}: position {row.seq} repeated"
            )
            expect = row.seq
        link = _link(key, prev, row.seq, row.id, row.mac or "")
        if row.chain is None or not hmac.compare_digest(link, row.chain):
            out.problems.append(
                f"record id {row.id} (seq {row.seq}): chain broken — records reordered, "
                "moved or replaced"
            )
        prev = row.chain or link
        expect += 1
    if expect - 1 != head.seq:
        out.problems.append(
            f"the head says {head.seq} records were sealed, the chain holds {expect - 1}: "
            "records deleted at the end"
        )
    elif head.seq and not hmac.compare_digest(prev, head.chain):
        out.problems.append("the head does not match the last record of the chain")
    return out


def seal_quietly(session_factory: Any) -> None:
    """Seal in a transaction of its own; a failure is logged, never raised (the records
    stay signed and are sealed next time)."""
    try:
        with session_factory() as s, s.begin():
            seal(s, wait=False)
    except Exception as exc:  # pragma: no cover - logged, retried by the next seal
        log.warning("audit sealing postponed: %s: %s", type(exc).__name__, exc)
