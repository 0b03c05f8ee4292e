"""fund: one check per posting statement — balance and open month of the lines together

Revision ID: 1201
Revises: 1200

PostgreSQL ran three trigger functions per settlement: a BEFORE INSERT row trigger on
journal_entry (its month not closed), the statement-level trigger of 0902 on the lines
(each entry's new lines balance) and the deferred row trigger on settlement (it has its
entry). The month check moves into the statement-level trigger on journal_line: one
query over the statement's new lines refuses a line of an entry that does not balance and
a line dated into a closed month (the books are the lines: a report reads their dates).
Two functions per settlement instead of three; every posting statement, by any path
(raw SQL too), is still checked. An entry header without lines moves no money and is no
longer checked for its month on PostgreSQL (SQLite keeps its header trigger).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1201"
down_revision: str | Sequence[str] | None = "1200"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_LINES_CHECKED = """CREATE OR REPLACE FUNCTION jiuzhu_journal_lines_checked() RETURNS trigger
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
    _LINES_CHECKED,
    "DROP TRIGGER journal_entry_open_period ON journal_entry",
    "DROP TRIGGER journal_line_balanced ON journal_line",
    """CREATE TRIGGER journal_line_checked AFTER INSERT ON journal_line
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT
    EXECUTE FUNCTION jiuzhu_journal_lines_checked()""",
]
"""from 0902's triggers to these (also used by bench/fund_bench.py to compare them)"""
PG_DOWN = [
    "DROP TRIGGER journal_line_checked ON journal_line",
    """CREATE TRIGGER journal_line_balanced AFTER INSERT ON journal_line
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT
    EXECUTE FUNCTION jiuzhu_journal_lines_balanced()""",
    """CREATE TRIGGER journal_entry_open_period BEFORE INSERT ON journal_entry
    FOR EACH ROW EXECUTE FUNCTION jiuzhu_journal_open_period()""",
]
"""back to 0902's triggers (the functions of 0901/0902 are kept)"""
PG_NONE = [
    "DROP TRIGGER journal_line_checked ON journal_line",
    "DROP TRIGGER settlement_posted ON settlement",
]
"""bench only: no guarantee at all (the floor)"""
PG_NONE_BACK = [
    PG_UP[-1],
    """CREATE CONSTRAINT TRIGGER settlement_posted AFTER INSERT ON settlement
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION jiuzhu_settlement_posted()""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in PG_UP:
            op.execute(stmt)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in PG_DOWN:
            op.execute(stmt)
        op.execute("DROP FUNCTION jiuzhu_journal_lines_checked()")
