"""Reading the registry for a list: the persons and identities it names, in one scan or
in chunks of ``IN`` lists."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.bulk import (
    chunks,
    select_in,
)
from jiuzhu.adapters.db.tables import PersonIdentity
from jiuzhu.services.registry import (
    SOURCES,
)


def everything(conn: Connection, table: str, wanted: int) -> bool:
    """Read the whole table when the list names a good part of it (one scan is cheaper
    than many IN queries)."""
    total = conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar() or 0
    return wanted * 4 >= total


def load_persons(
    s: Session, psn_nos: Sequence[str], hashes: Sequence[str], everything: bool
) -> tuple[dict[str, tuple[int, str | None]], dict[str, str]]:
    """psn_no → (id, certno_hash) and certno_hash → psn_no of the persons concerned."""
    conn = s.connection()
    sql = "SELECT id, psn_no, certno_hash FROM person"
    found: list[Any] = []
    if everything:
        found = list(conn.exec_driver_sql(sql))
    else:
        found = select_in(conn, sql, "psn_no", psn_nos)
        found += select_in(conn, sql, "certno_hash", hashes)
    by_psn: dict[str, tuple[int, str | None]] = {}
    by_hash: dict[str, str] = {}
    for pid, psn, h in found:
        by_psn[psn] = (pid, h)
        if h:
            by_hash[h] = psn
    return by_psn, by_hash


Existing = tuple[int, str, str, dt.date, dt.date | None, str]
"""(id, psn_no, code, begndate, enddate, source)"""


ExistingKey = tuple[str, str, dt.date, str]
"""(psn_no, code, begndate, source): one recognition of one department"""


def load_identities(
    s: Session, psn_nos: Sequence[str], source: str, full: bool, everything: bool
) -> dict[ExistingKey, Existing]:
    t = PersonIdentity.__table__
    cols = (t.c.id, t.c.psn_no, t.c.code, t.c.begndate, t.c.enddate, t.c.source)
    out: dict[ExistingKey, Existing] = {}

    def take(rows: Iterable[Any]) -> None:
        for r in rows:
            out[(r[1], r[2], r[3], r[5])] = (r[0], r[1], r[2], r[3], r[4], r[5])

    if everything:
        take(s.execute(select(*cols)))
        return out
    for ch in chunks(psn_nos, 900):
        take(s.execute(select(*cols).where(t.c.psn_no.in_(ch))))
    if full:
        take(
            s.execute(
                select(*cols).where(t.c.source == source, t.c.code.in_(sorted(SOURCES[source])))
            )
        )
    return out
