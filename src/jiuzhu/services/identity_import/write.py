"""Writing a compared list: persons, identities, changes and ends in bulk, inside the
import's one transaction (a million-row list stays atomic)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Connection

from jiuzhu.adapters.db.bulk import (
    bulk_insert,
    bulk_update,
    copy_esc,
    copy_opt,
    copy_text,
)
from jiuzhu.services.identity_import.load import Existing
from jiuzhu.services.identity_import.report import ImportResult
from jiuzhu.services.identity_import.rows import Progress, Row, parse_date


def new_persons(added: Sequence[Row], by_psn: Mapping[str, Any]) -> dict[str, Row]:
    """The persons the registry does not know yet, each by the first row that names them."""
    out: dict[str, Row] = {}
    for r in added:
        if r.psn_no not in by_psn and r.psn_no not in out:
            out[r.psn_no] = r
    return out


def stamp(conn: Connection, now: dt.datetime) -> Any:
    """``now`` as this database stores a timestamp (SQLite: ISO text, as SQLAlchemy does)."""
    return now.isoformat(" ") if conn.dialect.name == "sqlite" else now


def write_changes(
    conn: Connection,
    cipher: Any,
    bid: int,
    source: str,
    added: Sequence[Row],
    changed: Sequence[tuple[Row, Existing]],
    ends: Mapping[int, dt.date],
    by_psn: dict[str, tuple[int, str | None]],
    hash_of: Mapping[str, str],
    counties: Mapping[str, str],
    res: ImportResult,
    t0: float,  # float ok: perf_counter seconds
    progress: Progress | None,
    now: dt.datetime,
) -> dict[str, Row]:
    """New persons (encrypted), added identities, changed and ended spans, in the
    caller's transaction (PostgreSQL ``COPY``, SQLite ``executemany``), stamped ``now``;
    returns the new persons."""
    new_people = new_persons(added, by_psn)
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
        "county",
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

    now_v = stamp(conn, now)
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
                    r.county,
                    now_v,
                    now_v,
                )
            )
            by_psn[r.psn_no] = (pid, None)
        bulk_insert(conn, "person", ("id", *pcols), prow)
        del prow
    else:
        # COPY text lines built here: psycopg's write_row adapts value by value
        copy_text(
            conn,
            "person",
            pcols,
            (
                f"{copy_esc(r.psn_no)}\t\\\\x{ce.hex()}\t{hash_of[r.certno]}\t\\\\x{ne.hex()}\t"
                f"{'1' if int(r.certno[16]) % 2 else '2'}\t{iso(parse_date(r.certno[6:14]))}\t"
                f"{copy_opt(r.household_no)}\t{copy_opt(r.insured_region)}\t"
                f"{copy_opt(r.county)}\t{now_t}\t{now_t}\n"
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
    # a county given for a person already registered: the list's is the current one
    bulk_update(
        conn,
        "UPDATE person SET county = ? WHERE psn_no = ?",
        [(c, psn) for psn, c in counties.items() if psn not in new_people],
    )
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
        bulk_insert(
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
        src = copy_esc(source)
        batch_doc = f"batch {bid}"
        copy_text(
            conn,
            "person_identity",
            icols,
            (
                f"{by_psn[r.psn_no][0]}\t{copy_esc(r.psn_no)}\t{r.code}\t{iso(r.beg)}\t"
                f"{iso(r.end)}\t{src}\t{copy_esc(r.source_doc or batch_doc)}\t{bid}\t"
                f"{now_t}\t{now_t}\n"
                for r in added
            ),
        )
    bulk_update(
        conn,
        "UPDATE person_identity SET enddate = ?, updated_at = ? WHERE id = ?",
        [(dv(r.end), now_v, ex[0]) for r, ex in changed],
    )
    by_day: dict[dt.date, list[int]] = {}
    for i, d in ends.items():
        by_day.setdefault(d, []).append(i)
    if not sqlite and len(by_day) == 1:
        # a full list ends every missing span on one day: one statement per 100,000 ids
        [(day, ids)] = by_day.items()
        for k in range(0, len(ids), 100_000):
            conn.exec_driver_sql(
                "UPDATE person_identity SET enddate = %s, ended_by_batch_id = %s, "
                "updated_at = %s WHERE id = ANY(%s)",
                (day, bid, now_v, ids[k : k + 100_000]),
            )
    else:
        bulk_update(
            conn,
            "UPDATE person_identity SET enddate = ?, ended_by_batch_id = ?, updated_at = ? "
            "WHERE id = ?",
            [(dv(d), bid, now_v, i) for i, d in ends.items()],
        )

    res.timings["identities"] = time.perf_counter() - t0 - sum(res.timings.values())
    return new_people
