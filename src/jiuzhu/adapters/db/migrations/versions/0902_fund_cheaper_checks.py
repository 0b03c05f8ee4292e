"""the fund: an entry's balance checked per statement; two indexes the hot path paid for

Revision ID: 0902
Revises: 0901
Branch: fund

PostgreSQL: the deferred per-line trigger of 0901 ran one query per journal line at commit
(three per settlement). Entries are written whole, in one statement, and never updated or
deleted; so the check becomes one statement-level trigger over the statement's new lines
(a transition table): every statement's lines balance per entry — which keeps every entry
balanced at all times, not only at commit (stronger, and one query per settlement).
The indexes on (account, entry_date) and on journal_entry.entry_date cost four index
writes per settlement and serve no query (reports scan journal_line by date).
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0902"
down_revision: str | Sequence[str] | None = "0901"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PG_UP = [
    "DROP TRIGGER journal_line_balanced ON journal_line",
    "DROP FUNCTION jiuzhu_journal_balanced()",
    """CREATE FUNCTION jiuzhu_journal_lines_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE bad RECORD;
    BEGIN
      SELECT n.entry_id, SUM(n.debit) AS d, SUM(n.credit) AS c INTO bad FROM new_lines n
        GROUP BY n.entry_id HAVING SUM(n.debit) <> SUM(n.credit) LIMIT 1;
      IF FOUND THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits % <> credits % (fen)',
          bad.entry_id, bad.d, bad.c USING ERRCODE = '23514';
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE TRIGGER journal_line_balanced AFTER INSERT ON journal_line
    REFERENCING NEW TABLE AS new_lines FOR EACH STATEMENT
    EXECUTE FUNCTION jiuzhu_journal_lines_balanced()""",
]
_PG_DOWN = [
    "DROP TRIGGER journal_line_balanced ON journal_line",
    "DROP FUNCTION jiuzhu_journal_lines_balanced()",
    """CREATE FUNCTION jiuzhu_journal_balanced() RETURNS trigger LANGUAGE plpgsql AS $$
    DECLARE d BIGINT; c BIGINT;
    BEGIN
      SELECT COALESCE(SUM(debit), 0), COALESCE(SUM(credit), 0) INTO d, c
        FROM journal_line WHERE entry_id = NEW.entry_id;
      IF d <> c THEN
        RAISE EXCEPTION 'journal entry % does not balance: debits % <> credits % (fen)',
          NEW.entry_id, d, c USING ERRCODE = '23514';
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER journal_line_balanced AFTER INSERT ON journal_line
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION jiuzhu_journal_balanced()""",
]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for stmt in _PG_UP:
            op.execute(stmt)
    op.drop_index("ix_journal_line_account_date", table_name="journal_line")
    op.drop_index(op.f("ix_journal_entry_entry_date"), table_name="journal_entry")


def downgrade() -> None:
    op.create_index(op.f("ix_journal_entry_entry_date"), "journal_entry", ["entry_date"])
    op.create_index("ix_journal_line_account_date", "journal_line", ["account", "entry_date"])
    if op.get_bind().dialect.name == "postgresql":
        for stmt in _PG_DOWN:
            op.execute(stmt)
