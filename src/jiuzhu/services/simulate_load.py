"""A region-year of stored settlements read in columns, for 政策测算 (issue 11).

The database builds the text: one line per settlement (:data:`LINE`: integers for days,
fen and flags, so nothing is formatted as money or parsed as yuan), gathered by
``string_agg`` into one value per ``enddate`` — a few hundred values instead of a
million rows, so no Python work per settlement. The compiled reader
(``batch.stored_kernel``) turns them into the claim columns the engine reads.

On PostgreSQL the year is read in :data:`PARTS` ranges of ``enddate`` and the
registry's identities alongside, each on its own connection at once, all in one
snapshot (``pg_export_snapshot``; REPEATABLE READ), so the parts are one consistent
read. The stamp (counts and last changes of the year's settlements and of the
registry's identities) is read in the same snapshot: a cache keyed by it is never
older than what it holds.

"Paid now" of a settlement: ``maf_pay + tilt_pay`` plus its back-pay (宁夏 第十九条).
Back-pay rows and reversed settlements are not claims of their own.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from jiuzhu.domain.errors import InputError
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch import stored_kernel as sk
from jiuzhu.services.batch.tables import CODES

PARTS = max(1, min(4, int(os.environ.get("JIUZHU_SIMULATE_PARTS", "0") or 0) or 2))
"""Ranges of enddate read at once on PostgreSQL (``JIUZHU_SIMULATE_PARTS``, default 2)."""

FIELDS = ("setl_id", "psn_no", "setl_time", "med_type", "_begndate_day", "_enddate_day",
          "_base_fen", "_flags", "_stored_paid_fen", "_county")  # fmt: skip
WHERE = "s.region = :region AND s.year = :year AND s.status = 'settled' AND s.source <> 'backpay'"
BACKPAY = (
    "LEFT JOIN (SELECT backpay_of, SUM(maf_pay + tilt_pay) AS bp FROM settlement "
    "WHERE backpay_of IS NOT NULL AND source = 'backpay' AND status = 'settled' "
    "GROUP BY backpay_of) b ON b.backpay_of = s.setl_id"
)
_PG_LINE = (
    "concat_ws(',', s.setl_id, s.psn_no, s.setl_time, s.med_type, "
    "s.begndate - DATE '0001-01-01', s.enddate - DATE '0001-01-01', "
    "GREATEST(s.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.hifob_pay, 0), "
    "s.out_of_area | (s.referral << 1) | (s.emergency << 2) | (s.in_province << 3), "
    "s.maf_pay + s.tilt_pay + COALESCE(b.bp, 0), COALESCE(s.county, ''))"
)
_PG_IDS = (
    "SELECT convert_to(string_agg(concat_ws(',', i.psn_no, i.code, i.begndate, "
    "COALESCE(i.enddate::text, '')), E'\\n'), 'UTF8') FROM person_identity i "
    f"WHERE i.psn_no IN (SELECT s.psn_no FROM settlement s WHERE {WHERE}) GROUP BY i.code"
)
STAMP = (
    "SELECT a.n, a.created, a.reversed, i.n, i.last_id, i.updated FROM "
    "(SELECT count(*) AS n, max(created_at) AS created, max(reversed_at) AS reversed "
    "FROM settlement s WHERE s.region = :region AND s.year = :year) a, "
    "(SELECT count(*) AS n, max(id) AS last_id, max(updated_at) AS updated "
    "FROM person_identity) i"
)
"""What changes when a settlement of the year is stored or reversed (back-pay included),
or an identity of the registry is added, ended or changed."""

Stamp = tuple[str, ...]


def _pg(sql: str) -> str:
    """``:name`` parameters in psycopg's form."""
    return re.sub(r":(region|year)\b", r"%(\1)s", sql)


ANY_BACKPAY = (
    "SELECT EXISTS (SELECT 1 FROM settlement WHERE backpay_of IS NOT NULL "
    "AND source = 'backpay' AND status = 'settled')"
)
"""Answered from the partial index of migration 1500."""


def _claims_sql(part: int, parts: int, year: int, backpay: bool = True) -> str:
    """Part ``part`` of ``parts``: settlements whose enddate is in its range of months."""
    cuts = [dt.date(year, 1 + 12 * k // parts, 1) for k in range(1, parts)]
    cond = []
    if part > 0:
        cond.append(f"s.enddate >= DATE '{cuts[part - 1].isoformat()}'")
    if part < parts - 1:
        cond.append(f"s.enddate < DATE '{cuts[part].isoformat()}'")
    extra = "".join(f" AND {c}" for c in cond)
    line = _PG_LINE if backpay else _PG_LINE.replace("COALESCE(b.bp, 0)", "0")
    return (
        f"SELECT convert_to(string_agg({line}, E'\\n'), 'UTF8') FROM settlement s "
        f"{BACKPAY if backpay else ''} WHERE {WHERE}{extra} GROUP BY s.enddate"
    )


def _begin(cur: Any, snapshot: str | None) -> None:
    cur.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
    if snapshot is not None:
        if not re.fullmatch(r"[0-9A-Fa-f-]+", snapshot):
            raise InputError(f"not a snapshot id: {snapshot!r}")
        cur.execute(f"SET TRANSACTION SNAPSHOT '{snapshot}'")
    cur.execute("SET LOCAL jit = off")  # one pass over simple rows: compiling costs more
    cur.execute("SET LOCAL datestyle = 'ISO, YMD'")


def _fetch(engine: Engine, snapshot: str, sql: str, params: dict[str, object]) -> list[bytes]:
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        with conn.cursor(binary=True) as cur:
            _begin(cur, snapshot)
            cur.execute(_pg(sql), params)
            return [bytes(r[0]) for r in cur.fetchall() if r[0] is not None]
    finally:
        raw.rollback()
        raw.close()


def _read_pg(
    engine: Engine, region: str, year: int, parts: int
) -> tuple[list[bytes], list[bytes], Stamp]:
    params: dict[str, object] = {"region": region, "year": year}
    raw = engine.raw_connection()
    try:
        conn = raw.driver_connection
        assert conn is not None
        with conn.cursor(binary=True) as cur:
            _begin(cur, None)
            cur.execute("SELECT pg_export_snapshot()")
            row = cur.fetchone()
            assert row is not None
            snapshot = str(row[0])
            cur.execute(_pg(STAMP), params)
            stamp = tuple(str(v) for v in (cur.fetchone() or ()))
            cur.execute(ANY_BACKPAY)
            backpay = bool((cur.fetchone() or (False,))[0])
            parts_sql = [_claims_sql(k, parts, year, backpay) for k in range(parts)]
            with ThreadPoolExecutor(max_workers=parts) as pool:
                ids = pool.submit(_fetch, engine, snapshot, _PG_IDS, params)
                rest = [pool.submit(_fetch, engine, snapshot, sql, params) for sql in parts_sql[1:]]
                cur.execute(_pg(parts_sql[0]), params)
                claims = [bytes(r[0]) for r in cur.fetchall() if r[0] is not None]
                for f in rest:
                    claims += f.result()
                id_texts = ids.result()
    finally:
        raw.rollback()
        raw.close()
    return claims, id_texts, stamp


def _cell(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, dt.datetime):
        return v.isoformat(sep=" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)


def _day(v: object) -> int:
    d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v)[:10])
    return d.toordinal() - 1


def _read_other(session: Session, region: str, year: int) -> tuple[bytes, bytes, Stamp]:
    """The same texts from any other database (SQLite: the tests, a small office)."""
    params: dict[str, object] = {"region": region, "year": year}
    stamp = tuple(str(v) for v in session.execute(text(STAMP), params).one())
    rows = session.execute(
        text(
            "SELECT s.setl_id, s.psn_no, s.setl_time, s.med_type, s.begndate, s.enddate, "
            "s.inscp_scp_amt - s.hifp_pay - s.hifmi_pay - s.hifob_pay, s.out_of_area, "
            "s.referral, s.emergency, s.in_province, s.maf_pay + s.tilt_pay + COALESCE(b.bp, 0), "
            f"s.county FROM settlement s {BACKPAY} WHERE {WHERE}"
        ),
        params,
    ).all()
    lines = [
        ",".join((
            str(r[0]), str(r[1]), _cell(r[2]), str(r[3]), str(_day(r[4])), str(_day(r[5])),
            str(max(0, int(r[6]))),
            str(int(r[7]) | int(r[8]) << 1 | int(r[9]) << 2 | int(r[10]) << 3),
            str(int(r[11])), r[12] or "",
        ))
        for r in rows
    ]  # fmt: skip
    ids = session.execute(
        text(
            "SELECT i.psn_no, i.code, i.begndate, i.enddate FROM person_identity i "
            f"WHERE i.psn_no IN (SELECT s.psn_no FROM settlement s WHERE {WHERE})"
        ),
        params,
    ).all()
    id_text = "\n".join(",".join(_cell(v) for v in r) for r in ids)
    return "\n".join(lines).encode("utf-8"), id_text.encode("utf-8"), stamp


def read_year(
    session: Session, region: str, year: int, *, parts: int = PARTS
) -> tuple[cc.ClaimColumns, cc.PersonSpans, Stamp]:
    """The region-year's settlements in claim columns, the registry's identities of
    their persons, and the stamp they were read at."""
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        engine = bind if isinstance(bind, Engine) else bind.engine
        claim_texts, id_texts, stamp = _read_pg(engine, region, year, max(1, parts))
        raw = b"\n".join(claim_texts)
        ids = b"\n".join(id_texts)
    else:
        raw, ids, stamp = _read_other(session, region, year)
    claims = claim_columns(raw, f"settlements {region} {year}")
    persons = cc.identity_columns_of(b"psn_no,identity,begndate,enddate\n" + ids, CODES, {})
    if persons is None:
        raise InputError(
            f"the registry's identities of the persons settled in {region} {year} could not be "
            "read (a psn_no with a comma, or an identity code not of calc-contract §1?)"
        )
    return claims, persons, stamp


def claim_columns(raw: bytes, name: str) -> cc.ClaimColumns:
    """The lines of :data:`FIELDS` in claim columns, grouped by person."""
    buf = np.frombuffer(raw, np.uint8)
    cols = np.empty((rk.N_ROWS, raw.count(b"\n") + 1), np.int64)
    n, status, bad = sk.read_stored(buf, cols)
    if status != sk.OK:
        line = raw.split(b"\n")[bad] if raw else b""
        setl_id = line.split(b",", 1)[0].decode("utf-8", "replace")
        raise InputError(
            f"{name}: stored settlement {setl_id[:60]!r} could not be read in columns (a "
            "setl_id or psn_no with a comma, or a county that is not a number)"
        )
    index = {f: k for k, f in enumerate(FIELDS)}
    claims = cc.grouped(name, raw, index, buf, cols[:, :n])
    if claims is None:
        raise InputError(f"{name}: two psn_no with one hash; run `jiuzhu calc` on an export")
    return claims
