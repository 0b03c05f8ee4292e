"""Bulk writes and reads for big batches (department lists of a million rows), inside the
caller's transaction: PostgreSQL ``COPY`` of pre-formatted text, SQLite ``executemany``
in chunks, ``IN`` lists in chunks with driver placeholders."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import Connection

CHUNK = 20_000


def chunks(items: Sequence[Any], size: int = 5000) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def select_in(
    conn: Connection, sql: str, column: str, values: Sequence[Any], extra: str = ""
) -> list[Any]:
    """``sql WHERE column IN (…)`` in chunks, with driver placeholders (no per-value
    statement compilation: this runs for tens of thousands of values)."""
    mark = "%s" if conn.dialect.name == "postgresql" else "?"
    out: list[Any] = []
    for ch in chunks(values, 900):
        marks = ", ".join(mark for _ in ch)
        out.extend(conn.exec_driver_sql(f"{sql} WHERE {column} IN ({marks}){extra}", tuple(ch)))
    return out


def bulk_insert(
    conn: Connection, table: str, cols: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """Insert many rows: PostgreSQL ``COPY``, SQLite ``executemany`` (same transaction)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        raw: Any = conn.connection.dbapi_connection
        with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
            for r in rows:
                cp.write_row(r)
        return
    marks = ", ".join("?" for _ in cols)
    sql = f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({marks})"
    for ch in chunks(rows, CHUNK):
        conn.exec_driver_sql(sql, list(ch))


COPY_ESC = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_esc(text: str) -> str:
    """A text value for PostgreSQL ``COPY … FROM STDIN`` (text format)."""
    return text.translate(COPY_ESC)


def copy_opt(text: str | None) -> str:
    return "\\N" if text is None else text.translate(COPY_ESC)


def copy_text(conn: Connection, table: str, cols: Sequence[str], lines: Iterable[str]) -> None:
    """PostgreSQL ``COPY`` of ready text lines, sent in blocks (one ``write`` per 10,000
    lines instead of one ``write_row`` per row)."""
    raw: Any = conn.connection.dbapi_connection
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as cp:
        block: list[str] = []
        for line in lines:
            block.append(line)
            if len(block) >= 10_000:
                cp.write("".join(block))
                block.clear()
        if block:
            cp.write("".join(block))


def bulk_update(conn: Connection, sql_sqlite: str, rows: Sequence[tuple[Any, ...]]) -> None:
    if not rows:
        return
    sql = sql_sqlite if conn.dialect.name != "postgresql" else sql_sqlite.replace("?", "%s")
    for ch in chunks(rows, CHUNK):
        conn.exec_driver_sql(sql, list(ch))
