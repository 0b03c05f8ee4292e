"""The settlement hot path in plain SQL on the session's own DBAPI connection.

A one-stop settlement is a handful of statements (lock the person-year totals, check the
``setl_id``, read the identities, insert the settlement, update the totals, insert the
audit record). Through the ORM each of them cost about as much CPU as the whole HTTP
request; here they run as prepared SQL on the connection of the same transaction
(the session's), so locking and atomicity are exactly those of
:meth:`jiuzhu.adapters.db.uow.UnitOfWork.begin`. Both PostgreSQL (psycopg 3) and SQLite
(sqlite3) are served; the values are adapted the way SQLAlchemy stores them.
"""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import orjson
import psycopg
from sqlalchemy.orm import Session

from jiuzhu.adapters.audit_chain import record_mac
from jiuzhu.adapters.db.summary_tables import SLOTS
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.domain.journal import Entry

DBAPI_INTEGRITY_ERRORS: tuple[type[Exception], ...] = (
    psycopg.IntegrityError,
    sqlite3.IntegrityError,
)
DBAPI_OPERATIONAL_ERRORS: tuple[type[Exception], ...] = (psycopg.OperationalError,)
"""A lost connection (psycopg); SQLite's own OperationalError (locked, busy) is not one."""

SETTLEMENT_COLUMNS = (
    "setl_id", "psn_no", "year", "region", "source", "institution", "body_hash", "body",
    "setl_time", "begndate", "enddate", "med_type", "identity", "class_id", "reason", "base",
    "deductible", "maf_pay", "tilt_pay", "d_s", "d_p", "d_r", "d_tp", "trace", "answer",
    "status", "created_at", "reversed_at", "backpay_of", "county",
    "inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay",
    "out_of_area", "referral", "emergency", "in_province",
)  # fmt: skip
CLAIM_AMOUNTS = ("inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay")
CLAIM_FLAGS = {"out_of_area": 0, "referral": 0, "emergency": 0, "in_province": 1}


def claim_columns(body: dict[str, Any] | str | None) -> dict[str, int]:
    """The claim's amounts (fen) and flags (0/1) from its stored body (migration 0800;
    every insert): the columns simulation reads in one query."""
    from jiuzhu.policy.money import parse_fen

    b: dict[str, Any] = (json.loads(body) if isinstance(body, str) else body) or {}
    out = {k: parse_fen(str(b.get(k) or "0")) for k in CLAIM_AMOUNTS}
    for k, default in CLAIM_FLAGS.items():
        v = b.get(k)
        out[k] = default if v in (None, "") else int(bool(int(v)))
    return out


_JSON = {"body", "trace", "answer"}
AUDIT_COLUMNS = ("at", "actor", "action", "entity", "entity_id", "before", "after", "mac")
_AUDIT_JSON = {"before", "after"}


def _now() -> dt.datetime:
    return utcnow()


def dumps(v: Any) -> str:
    """JSON text as ``json.dumps(v, ensure_ascii=False)`` reads back (orjson: compact, faster)."""
    try:
        return orjson.dumps(v).decode()
    except TypeError:  # a type orjson does not know: the standard encoder decides
        return json.dumps(v, ensure_ascii=False)


# PostgreSQL: the row lock, the setl_id check and the identities in one round trip. The
# EXISTS and the identities are read from the statement's snapshot; a twin ``setl_id``
# committed while this waited for the lock is caught by the primary key on insert (the
# caller retries once and then sees it). The locked row itself is the latest version
# (READ COMMITTED re-reads a row it waited for), so the totals are never stale.
_PG_CHECKS = (
    "EXISTS (SELECT 1 FROM settlement WHERE setl_id = %s), "
    "(SELECT json_agg(json_build_array(i.code, i.begndate, i.enddate) ORDER BY i.begndate, i.id) "
    "FROM person_identity i WHERE i.psn_no = %s), "
    "(SELECT p.county FROM person p WHERE p.psn_no = %s) "
)
_PG_BEGIN = (
    f"SELECT t.s, t.p, t.r, t.tp, {_PG_CHECKS}"
    "FROM person_year_totals t WHERE t.psn_no = %s AND t.year = %s FOR UPDATE OF t"
)
# the person-year's first settlement: the row created, or (a concurrent first one won)
# locked by the no-op update of ON CONFLICT, which waits for that one and returns its totals
_PG_CREATE = (
    "WITH t AS (INSERT INTO person_year_totals "
    "(psn_no, year, s, p, r, tp, settlements, updated_at) VALUES (%s, %s, 0, 0, 0, 0, 0, %s) "
    "ON CONFLICT (psn_no, year) DO UPDATE SET s = person_year_totals.s "
    "RETURNING s, p, r, tp) "
    f"SELECT t.s, t.p, t.r, t.tp, {_PG_CHECKS}FROM t"
)


def day_upsert(pg: bool) -> str:
    """The daily summary's upsert (summary_tables.py): one settlement in (sign 1) or out (-1).

    The slot is the database session's (PostgreSQL: its backend pid modulo ``SLOTS``), so
    concurrent settlements of one day and class write different rows and never wait for
    each other's row lock; SQLite has one writer at a time (slot 0)."""
    slot = f"mod(pg_backend_pid(), {SLOTS})" if pg else "0"
    return (
        "INSERT INTO settlement_day (day, region, county, class_id, med_type, slot, n, base, "
        f"maf_pay, tilt_pay) VALUES (%s, %s, %s, %s, %s, {slot}, %s, %s, %s, %s) "
        "ON CONFLICT (day, region, county, class_id, med_type, slot) DO UPDATE SET "
        "n = settlement_day.n + excluded.n, base = settlement_day.base + excluded.base, "
        "maf_pay = settlement_day.maf_pay + excluded.maf_pay, "
        "tilt_pay = settlement_day.tilt_pay + excluded.tilt_pay"
    )


KEEP_DAY_SUMMARY = True
"""False only in bench/service_bench.py's side by side (the settlement without its row)."""


def day_row(values: dict[str, Any], sign: int = 1) -> tuple[Any, ...]:
    """The daily summary's values for a settlement's ``values`` (its columns): its day,
    region, county, class, visit type, and ``sign`` times one and its amounts (fen)."""
    t = values["setl_time"]
    day = t.date() if isinstance(t, dt.datetime) else dt.date.fromisoformat(str(t)[:10])
    return (
        day,
        values["region"],
        values.get("county") or "",
        values.get("class_id") or "",
        values["med_type"],
        sign,
        sign * int(values["base"]),
        sign * int(values["maf_pay"]),
        sign * int(values["tilt_pay"]),
    )


_ENTRY_COLUMNS = "region, entry_date, kind, source_id, memo, reverses, actor, created_at"
_LINE_COLUMNS = "entry_id, entry_date, region, account, debit, credit, party, county"


def _pg_entry_sql(i: int, n_lines: int) -> str:
    """CTE ``je{i}`` inserting an entry (booked today if its month is closed) and ``jl{i}``
    its ``n_lines`` lines, for the settlement statement (values: :func:`_pg_entry_params`)."""
    sql = (
        f"je{i} AS (INSERT INTO journal_entry ({_ENTRY_COLUMNS}) VALUES (%s, "
        "CASE WHEN EXISTS (SELECT 1 FROM fund_period f WHERE f.region = %s AND f.month = %s) "
        "THEN CAST(%s AS DATE) ELSE CAST(%s AS DATE) END, %s, %s, %s, %s, %s, %s) "
        "RETURNING id, entry_date)"
    )
    if n_lines:
        values = ", ".join(
            "(%s, CAST(%s AS BIGINT), CAST(%s AS BIGINT), %s, %s)" for _ in range(n_lines)
        )
        sql += (
            f", jl{i} AS (INSERT INTO journal_line ({_LINE_COLUMNS}) "
            f"SELECT je{i}.id, je{i}.entry_date, %s, v.a, v.d, v.c, v.p, v.k "
            f"FROM je{i}, (VALUES {values}) AS v(a, d, c, p, k))"
        )
    return sql


def _pg_entry_params(entry: Entry, actor: str | None, now: dt.datetime) -> list[Any]:
    params: list[Any] = [
        entry.region,
        entry.region,
        entry.day.strftime("%Y-%m"),
        now.date(),
        entry.day,
        entry.kind,
        entry.source_id,
        entry.memo[:300],
        entry.reverses,
        actor,
        now,
    ]
    if entry.lines:
        params.append(entry.region)
        for ln in entry.lines:
            params.extend((ln.account, ln.debit, ln.credit, ln.party, ln.county))
    return params


_AUDIT_SQL = (
    f"INSERT INTO audit_log ({', '.join(AUDIT_COLUMNS)}) "
    "VALUES (%s, %s, 'settle', 'settlement', %s, NULL, CAST(%s AS JSON), %s)"
)


@lru_cache(maxsize=64)
def _pg_settlement_sql(day: bool, lines: tuple[int, ...], then: str | None) -> str:
    """The settlement statement (``$n`` placeholders) for its shape: with the daily summary
    or not, the line counts of its entries, the ``then`` statement (``%s`` marks)."""
    cols = SETTLEMENT_COLUMNS
    marks = ", ".join(("CAST(%s AS JSON)" if c in _JSON else "%s") for c in cols)
    ctes = [
        f"ins AS (INSERT INTO settlement ({', '.join(cols)}) VALUES ({marks}))",
        "upd AS (UPDATE person_year_totals SET s = %s, p = %s, r = %s, tp = %s, "
        "settlements = settlements + 1, updated_at = %s WHERE psn_no = %s AND year = %s)",
    ]
    if day:
        ctes.append(f"sday AS ({day_upsert(True)})")
    ctes.extend(_pg_entry_sql(i, n) for i, n in enumerate(lines))
    if then is None:
        sql = "WITH " + ", ".join(ctes) + " " + _AUDIT_SQL
    else:
        ctes.append(f"aud AS ({_AUDIT_SQL})")
        ctes.append(f"w AS ({then})")
        sql = "WITH " + ", ".join(ctes) + " SELECT * FROM w"
    return _numbered(sql)


@lru_cache(maxsize=64)
def _numbered(sql: str) -> str:
    """``%s`` placeholders as ``$1, $2, …`` (PostgreSQL's own; no other ``%`` in our SQL)."""
    parts = sql.split("%s")
    return "".join(p + (f"${i}" if i < len(parts) else "") for i, p in enumerate(parts, 1))


class Raw:
    """A DBAPI cursor on the session's connection, with the dialect's SQL and values."""

    def __init__(self, session: Session) -> None:
        conn = session.connection()  # begins the transaction (BEGIN IMMEDIATE on SQLite)
        self.pg = conn.dialect.name == "postgresql"
        self.cur = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        self._raw_cur: psycopg.RawCursor[Any] | None = None
        self.written: list[int] = []
        """ids of the journal entries written here (SQLite: balance checked at commit)"""

    # -- values ----------------------------------------------------------------------------
    def _v(self, v: Any, is_json: bool = False) -> Any:
        if is_json:
            return None if v is None else dumps(v)
        if self.pg:
            return v
        # SQLite: the text forms SQLAlchemy writes (and reads back)
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S.%f")
        if isinstance(v, dt.date):
            return v.isoformat()
        return v

    def _sql(self, sql: str) -> str:
        return sql.replace("?", "%s") if self.pg else sql

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        if self.pg:
            return self.cur.execute(self._sql(sql), params, prepare=True)
        return self.cur.execute(sql, params)

    # -- statements -----------------------------------------------------------------------
    def lock_totals(self, psn_no: str, year: int) -> tuple[int, int, int, int]:
        """The person-year totals (S, P, R, TP), created if missing, locked
        (PostgreSQL ``FOR UPDATE``; SQLite already holds the write lock)."""
        q = "SELECT s, p, r, tp FROM person_year_totals WHERE psn_no = ? AND year = ?"
        if self.pg:
            q += " FOR UPDATE"
        row = self.execute(q, (psn_no, year)).fetchone()
        if row is not None:
            return tuple(int(x) for x in row)  # type: ignore[return-value]
        now = self._v(_now())
        self.execute(
            "INSERT INTO person_year_totals (psn_no, year, s, p, r, tp, settlements, updated_at) "
            "VALUES (?, ?, 0, 0, 0, 0, 0, ?) ON CONFLICT (psn_no, year) DO NOTHING",
            (psn_no, year, now),
        )
        row = self.execute(q, (psn_no, year)).fetchone()
        return tuple(int(x) for x in row)  # type: ignore[return-value]

    def begin_settlement(
        self, setl_id: str, psn_no: str, year: int
    ) -> tuple[tuple[int, int, int, int], bool, list[IdentitySpan], str | None]:
        """Lock the person-year totals (created if missing), then tell whether ``setl_id``
        is stored and read the person's identities and county: (S, P, R, TP), exists,
        spans, county.

        PostgreSQL does it in one statement when the totals row exists (``_PG_BEGIN``), in
        two for the person-year's first settlement (``_PG_CREATE``).
        """
        if self.pg:
            row = self.execute(_PG_BEGIN, (setl_id, psn_no, psn_no, psn_no, year)).fetchone()
            if row is None:
                row = self.execute(
                    _PG_CREATE, (psn_no, year, _now(), setl_id, psn_no, psn_no)
                ).fetchone()
            if row is not None:
                spans = [
                    IdentitySpan(
                        code,
                        dt.date.fromisoformat(b),
                        dt.date.fromisoformat(e) if e is not None else None,
                    )
                    for code, b, e in (row[5] or ())
                ]
                totals = (int(row[0]), int(row[1]), int(row[2]), int(row[3]))
                return totals, bool(row[4]), spans, row[6]
        totals = self.lock_totals(psn_no, year)
        return (
            totals,
            self.settlement_exists(setl_id),
            self.identity_spans(psn_no),
            self.person_county(psn_no),
        )

    def person_county(self, psn_no: str) -> str | None:
        row = self.execute("SELECT county FROM person WHERE psn_no = ?", (psn_no,)).fetchone()
        return None if row is None else row[0]

    def settlement_exists(self, setl_id: str) -> bool:
        row = self.execute("SELECT 1 FROM settlement WHERE setl_id = ?", (setl_id,)).fetchone()
        return row is not None

    def identity_spans(self, psn_no: str) -> list[IdentitySpan]:
        rows = self.execute(
            "SELECT code, begndate, enddate FROM person_identity WHERE psn_no = ? "
            "ORDER BY begndate, id",
            (psn_no,),
        ).fetchall()
        out = []
        for code, b, e in rows:
            if isinstance(b, str):
                b = dt.date.fromisoformat(b[:10])
            if isinstance(e, str):
                e = dt.date.fromisoformat(e[:10])
            out.append(IdentitySpan(code, b, e))
        return out

    def record_settlement(
        self,
        values: dict[str, Any],
        totals: tuple[int, int, int, int],
        actor: str,
        audit_after: dict[str, Any],
        entries: Sequence[tuple[Entry, str | None]] = (),
        then: tuple[str, tuple[Any, ...]] | None = None,
    ) -> Any:
        """Insert the settlement, set the person-year totals to ``totals`` (S, P, R, TP), write
        the audit record and post ``entries`` (the journal entries its handlers posted): one
        statement on PostgreSQL (data-modifying CTEs, all or nothing), several on SQLite.

        An entry is booked on its own day unless that month is closed, then on today
        (:func:`jiuzhu.adapters.db.journal.booking_day`; here inside the statement).

        ``then``: one more data-modifying statement with ``RETURNING`` (``?`` marks; the
        early-warning sums' upsert, calc-contract §11), in the same round trip on
        PostgreSQL; its row is returned."""
        if not self.pg:
            self.insert_settlement(values)
            if KEEP_DAY_SUMMARY:
                self.add_day(day_row(values))
            self.update_totals(values["psn_no"], values["year"], *totals)
            self.audit(actor, "settle", "settlement", values["setl_id"], None, audit_after)
            for entry, who in entries:
                self.insert_entry(entry, who)
            return self.execute(then[0], then[1]).fetchone() if then else None
        now = _now()
        values.setdefault("created_at", now)
        setl_id = str(values["setl_id"])
        mac = record_mac(now, actor, "settle", "settlement", setl_id, None, audit_after)
        values.update(claim_columns(values.get("body")))
        params: list[Any] = [
            *(self._v(values.get(c), c in _JSON) for c in SETTLEMENT_COLUMNS),
            *totals,
            now,
            values["psn_no"],
            values["year"],
        ]
        if KEEP_DAY_SUMMARY:
            params.extend(day_row(values))
        for entry, who in entries:
            params.extend(_pg_entry_params(entry, who, now))
        params.extend((now, actor, setl_id, dumps(audit_after), mac))
        if then is not None:
            params.extend(then[1])
        sql = _pg_settlement_sql(
            KEEP_DAY_SUMMARY,
            tuple(len(e.lines) for e, _ in entries),
            None if then is None else self._sql(then[0]),
        )
        # over 50 parameters psycopg parses a %s query anew on every call (its cache limit):
        # the statement goes with $n placeholders through a raw cursor instead
        if self._raw_cur is None:
            self._raw_cur = psycopg.RawCursor(self.cur.connection)
        self._raw_cur.execute(sql, params, prepare=True)
        return None if then is None else self._raw_cur.fetchone()

    def insert_entry(self, entry: Entry, actor: str | None) -> int:
        """One journal entry and its lines (SQLite path; the balance is checked at commit)."""
        day = entry.day
        closed = "SELECT 1 FROM fund_period WHERE region = ? AND month = ?"
        if self.execute(closed, (entry.region, day.strftime("%Y-%m"))).fetchone() is not None:
            day = _now().date()
        cur = self.execute(
            "INSERT INTO journal_entry (region, entry_date, kind, source_id, memo, reverses, "
            "actor, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                entry.region,
                self._v(day),
                entry.kind,
                entry.source_id,
                entry.memo[:300],
                entry.reverses,
                actor,
                self._v(_now()),
            ),
        )
        entry_id = int(cur.lastrowid)
        self.cur.executemany(
            "INSERT INTO journal_line (entry_id, entry_date, region, account, debit, credit, "
            "party, county) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (entry_id, self._v(day), entry.region, ln.account, ln.debit, ln.credit, ln.party,
                 ln.county)
                for ln in entry.lines
            ],
        )  # fmt: skip
        self.written.append(entry_id)
        return entry_id

    def insert_settlement(self, values: dict[str, Any]) -> None:
        values.setdefault("created_at", _now())
        values.update(claim_columns(values.get("body")))
        cols = SETTLEMENT_COLUMNS
        marks = ", ".join(("CAST(? AS JSON)" if self.pg and c in _JSON else "?") for c in cols)
        self.execute(
            f"INSERT INTO settlement ({', '.join(cols)}) VALUES ({marks})",
            tuple(self._v(values.get(c), c in _JSON) for c in cols),
        )

    def add_day(self, row: tuple[Any, ...]) -> None:
        """One settlement into (or out of) the daily summary (:func:`day_row`)."""
        sql = day_upsert(self.pg)
        self.execute(sql if self.pg else sql.replace("%s", "?"), tuple(self._v(v) for v in row))

    def update_totals(self, psn_no: str, year: int, s: int, p: int, r: int, tp: int) -> None:
        self.execute(
            "UPDATE person_year_totals SET s = ?, p = ?, r = ?, tp = ?, "
            "settlements = settlements + 1, updated_at = ? WHERE psn_no = ? AND year = ?",
            (s, p, r, tp, self._v(_now()), psn_no, year),
        )

    def audit(
        self,
        actor: str,
        action: str,
        entity: str,
        entity_id: str,
        before: dict[str, Any] | None,
        after: dict[str, Any] | None,
    ) -> None:
        """The audit record, in the same transaction (see :func:`jiuzhu.adapters.db.uow.audit`)."""
        at = _now()
        mac = record_mac(at, actor, action, entity, str(entity_id), before, after)
        values = (at, actor, action, entity, str(entity_id), before, after, mac)
        marks = ", ".join(
            ("CAST(? AS JSON)" if self.pg and c in _AUDIT_JSON else "?") for c in AUDIT_COLUMNS
        )
        self.execute(
            f"INSERT INTO audit_log ({', '.join(AUDIT_COLUMNS)}) VALUES ({marks})",
            tuple(self._v(v, c in _AUDIT_JSON) for c, v in zip(AUDIT_COLUMNS, values, strict=True)),
        )


@dataclass(frozen=True)
class Ride:
    """One more statement for the settlement's own (``Raw.record_settlement``'s ``then``:
    the same round trip on PostgreSQL), queued by a handler of ``Settled`` while the
    settlement statement is being prepared; ``finish`` gets its returned row and gives
    the events that follow from it (published in the same transaction)."""

    statement: tuple[str, tuple[Any, ...]]
    finish: Callable[[Raw, Any], Sequence[Any]]


_RIDE = "settlement_ride"


def ride_along(s: Session, ride: Ride) -> None:
    """Queue ``ride`` on the settlement statement being prepared in ``s`` (one at most)."""
    if _RIDE in s.info:
        raise AssertionError("only one statement rides along on a settlement")
    s.info[_RIDE] = ride


def take_ride(s: Session) -> Ride | None:
    """The statement queued to ride along, taken off the session."""
    ride: Ride | None = s.info.pop(_RIDE, None)
    return ride
