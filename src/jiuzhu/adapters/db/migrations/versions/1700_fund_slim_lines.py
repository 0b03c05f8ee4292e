"""fund: fewer index entries and one query per posting statement (issue 13: postings' cost)

Revision ID: 1700
Revises: 1600

PostgreSQL. A settlement's two journal lines wrote four index entries (the surrogate key
and ``entry_id``) and ran the foreign key's check once per line (a query and a row lock on
the entry each). Now:

- journal_line is keyed on (entry_id, id): one index entry per line, and it serves every
  look-up by entry (``journal.entry_of``, the reversal) that ``ix_journal_line_entry_id``
  served; no query reads a line by ``id`` alone;
- the foreign key line → entry is checked by the statement-level trigger of 1201 in the
  same single query as the balance and the open month (a line of no entry is refused,
  SQLSTATE 23503 as the foreign key's); entries are never deleted (0901's trigger), so no
  line can lose its entry afterwards.

SQLite keeps its schema (its checks run before commit, ``adapters/db/journal.py``).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1700"
down_revision: str | Sequence[str] | None = "1600"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_FK = "fk_journal_line_entry_id_journal_entry"

LINES_CHECKED = """CREATE OR REPLACE FUNCTION jiuzhu_journal_lines_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE bad RECORD; ok BOOLEAN;
BEGIN
  -- the usual statement, one entry's lines: one aggregate, no grouping
  SELECT min(n.entry_id) = max(n.entry_id) AND SUM(n.debit) = SUM(n.credit)
     AND bool_and(EXISTS (SELECT 1 FROM journal_entry e WHERE e.id = n.entry_id))
     AND NOT bool_or(EXISTS (SELECT 1 FROM fund_period f WHERE f.region = n.region
                             AND f.month = to_char(n.entry_date, 'YYYY-MM')))
    INTO ok FROM new_lines n;
  IF ok THEN
    RETURN NULL;
  END IF;
  -- several entries, or a bad line: per entry, to name it
  SELECT n.entry_id, SUM(n.debit) AS d, SUM(n.credit) AS c, bool_or(e.id IS NULL) AS orphan,
         max(f.month) AS closed INTO bad
    FROM new_lines n
    LEFT JOIN journal_entry e ON e.id = n.entry_id
    LEFT JOIN fund_period f ON f.region = n.region AND f.month = to_char(n.entry_date, 'YYYY-MM')
   GROUP BY n.entry_id
  HAVING SUM(n.debit) <> SUM(n.credit) OR bool_or(e.id IS NULL) OR max(f.month) IS NOT NULL
   LIMIT 1;
  IF FOUND THEN
    IF bad.orphan THEN
      RAISE EXCEPTION 'journal line of no journal entry: % does not exist', bad.entry_id
        USING ERRCODE = '23503';
    ELSIF bad.d <> bad.c THEN
      RAISE EXCEPTION 'journal entry % does not balance: debits % <> credits % (fen)',
        bad.entry_id, bad.d, bad.c USING ERRCODE = '23514';
    END IF;
    RAISE EXCEPTION 'month % is closed: nothing posts into it (journal entry %)',
      bad.closed, bad.entry_id USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$"""
"""balance, open month and the entry's existence of a statement's new lines: one aggregate
for one entry's lines (every posting path writes an entry's lines in one statement)"""

_LINES_CHECKED_1201 = """CREATE OR REPLACE FUNCTION jiuzhu_journal_lines_checked() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE bad RECORD;
BEGIN
  SELECT n.entry_id, SUM(n.debit) AS d, SUM(n.credit) AS c INTO bad FROM new_lines n
    GROUP BY n.entry_id HAVING SUM(n.debit) <> SUM(n.credit) LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'journal entry % does not balance: debits % <> credits % (fen)',
      bad.entry_id, bad.d, bad.c USING ERRCODE = '23514';
  END IF;
  SELECT f.month, n.entry_id INTO bad FROM fund_period f
    JOIN new_lines n ON n.region = f.region AND f.month = to_char(n.entry_date, 'YYYY-MM') LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'month % is closed: nothing posts into it (journal entry %)',
      bad.month, bad.entry_id USING ERRCODE = '23514';
  END IF;
  RETURN NULL;
END $$"""

PG_UP = [
    LINES_CHECKED,
    f"ALTER TABLE journal_line DROP CONSTRAINT {_FK}",
    "DROP INDEX ix_journal_line_entry_id",
    "ALTER TABLE journal_line DROP CONSTRAINT pk_journal_line",
    "ALTER TABLE journal_line ADD CONSTRAINT pk_journal_line PRIMARY KEY (entry_id, id)",
]
PG_DOWN = [
    "ALTER TABLE journal_line DROP CONSTRAINT pk_journal_line",
    "ALTER TABLE journal_line ADD CONSTRAINT pk_journal_line PRIMARY KEY (id)",
    "CREATE INDEX ix_journal_line_entry_id ON journal_line (entry_id)",
    f"ALTER TABLE journal_line ADD CONSTRAINT {_FK} FOREIGN KEY (entry_id) "
    "REFERENCES journal_entry (id)",
    _LINES_CHECKED_1201,
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in PG_UP:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in PG_DOWN:
            op.execute(stmt)
