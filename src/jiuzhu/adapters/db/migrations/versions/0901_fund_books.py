"""the fund's books: journal entries and lines, closed months, county codes, invariants

Revision ID: 0901
Revises: 0400
Branch: fund

The database holds the invariants that several write paths (ORM, raw SQL) must keep:
CHECK constraints on settlements, totals and journal lines; entries immutable and no
posting into a closed month (triggers on both dialects); each entry balances and each
settlement has its entry (PostgreSQL: deferred constraint triggers, checked at commit;
SQLite: checked before commit by ``jiuzhu.adapters.db.journal``). Settlements stored
before this revision get their entries here (and their reversals' entries).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0901"
down_revision: str | Sequence[str] | None = "0400"
branch_labels: str | Sequence[str] | None = ("fund",)
depends_on: str | Sequence[str] | None = None

_PG_FUNCTIONS = [
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
    """CREATE FUNCTION jiuzhu_settlement_posted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NOT EXISTS (SELECT 1 FROM journal_entry
                     WHERE kind = 'settle' AND source_id = NEW.setl_id) THEN
        RAISE EXCEPTION 'settlement % has no journal entry', NEW.setl_id
          USING ERRCODE = '23514';
      END IF;
      RETURN NULL;
    END $$""",
    """CREATE CONSTRAINT TRIGGER settlement_posted AFTER INSERT ON settlement
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION jiuzhu_settlement_posted()""",
    """CREATE FUNCTION jiuzhu_journal_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is immutable: post a reversing entry instead', TG_TABLE_NAME
        USING ERRCODE = '23514';
    END $$""",
    """CREATE TRIGGER journal_entry_immutable BEFORE UPDATE OR DELETE ON journal_entry
    FOR EACH ROW EXECUTE FUNCTION jiuzhu_journal_immutable()""",
    """CREATE TRIGGER journal_line_immutable BEFORE UPDATE OR DELETE ON journal_line
    FOR EACH ROW EXECUTE FUNCTION jiuzhu_journal_immutable()""",
    """CREATE FUNCTION jiuzhu_journal_open_period() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM fund_period WHERE region = NEW.region
                 AND month = to_char(NEW.entry_date, 'YYYY-MM')) THEN
        RAISE EXCEPTION 'month % is closed: nothing posts into it',
          to_char(NEW.entry_date, 'YYYY-MM') USING ERRCODE = '23514';
      END IF;
      RETURN NEW;
    END $$""",
    """CREATE TRIGGER journal_entry_open_period BEFORE INSERT ON journal_entry
    FOR EACH ROW EXECUTE FUNCTION jiuzhu_journal_open_period()""",
]
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER journal_entry_no_update BEFORE UPDATE ON journal_entry
    BEGIN SELECT RAISE(ABORT, 'journal_entry is immutable: post a reversing entry instead'); END""",
    """CREATE TRIGGER journal_entry_no_delete BEFORE DELETE ON journal_entry
    BEGIN SELECT RAISE(ABORT, 'journal_entry is immutable: post a reversing entry instead'); END""",
    """CREATE TRIGGER journal_line_no_update BEFORE UPDATE ON journal_line
    BEGIN SELECT RAISE(ABORT, 'journal_line is immutable: post a reversing entry instead'); END""",
    """CREATE TRIGGER journal_line_no_delete BEFORE DELETE ON journal_line
    BEGIN SELECT RAISE(ABORT, 'journal_line is immutable: post a reversing entry instead'); END""",
    """CREATE TRIGGER journal_entry_open_period BEFORE INSERT ON journal_entry
    WHEN EXISTS (SELECT 1 FROM fund_period WHERE region = NEW.region
                 AND month = substr(NEW.entry_date, 1, 7))
    BEGIN SELECT RAISE(ABORT, 'month is closed: nothing posts into it'); END""",
]
_SETTLEMENT_CHECKS = {
    "amounts_nonneg": "base >= 0 AND deductible >= 0",
    # a back-pay of a higher class stores differences (more regular assistance, less tilt)
    "paid_nonneg": "source = 'backpay' OR (maf_pay >= 0 AND tilt_pay >= 0)",
    "paid_total_nonneg": "maf_pay + tilt_pay >= 0",
    "deltas_nonneg": "source = 'backpay' OR (d_s >= 0 AND d_p >= 0 AND d_r >= 0 AND d_tp >= 0)",
    "status": "status IN ('settled', 'reversed')",
    "source": "source IN ('one_stop', 'import', 'manual', 'backpay')",
}
_TOTALS_CHECKS = {"nonneg": "s >= 0 AND p >= 0 AND r >= 0 AND tp >= 0 AND settlements >= 0"}


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    ident = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "journal_entry",
        sa.Column("id", ident, nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("source_id", sa.String(length=80), nullable=False),
        sa.Column("memo", sa.String(length=300), nullable=False),
        sa.Column("reverses", ident, nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('settle', 'reverse', 'clawback', 'pay', 'subsidy', 'manual', 'opening')",
            name=op.f("ck_journal_entry_kind"),
        ),
        sa.ForeignKeyConstraint(
            ["reverses"], ["journal_entry.id"], name=op.f("fk_journal_entry_reverses_journal_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_entry")),
        sa.UniqueConstraint("kind", "source_id", name="uq_journal_entry_kind_source"),
    )
    op.create_index(op.f("ix_journal_entry_entry_date"), "journal_entry", ["entry_date"])
    op.create_table(
        "journal_line",
        sa.Column("id", ident, nullable=False),
        sa.Column("entry_id", ident, nullable=False),
        sa.Column("entry_date", sa.Date(), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("debit", sa.BigInteger(), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("party", sa.String(length=40), nullable=True),
        sa.Column("county", sa.String(length=6), nullable=True),
        sa.CheckConstraint("debit >= 0 AND credit >= 0", name=op.f("ck_journal_line_nonneg")),
        sa.CheckConstraint(
            "(debit > 0 AND credit = 0) OR (credit > 0 AND debit = 0)",
            name=op.f("ck_journal_line_oneside"),
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_journal_line_entry_id_journal_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_journal_line")),
    )
    op.create_index(op.f("ix_journal_line_entry_id"), "journal_line", ["entry_id"])
    op.create_index("ix_journal_line_account_date", "journal_line", ["account", "entry_date"])
    op.create_table(
        "fund_period",
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("closed_by", sa.String(length=80), nullable=False),
        sa.Column("closed_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("region", "month", name=op.f("pk_fund_period")),
    )
    with op.batch_alter_table("person") as b:
        b.add_column(sa.Column("county", sa.String(length=6), nullable=True))
    with op.batch_alter_table("settlement") as b:
        b.add_column(sa.Column("county", sa.String(length=6), nullable=True))
        for name, cond in _SETTLEMENT_CHECKS.items():
            b.create_check_constraint(name, cond)
    with op.batch_alter_table("person_year_totals") as b:
        for name, cond in _TOTALS_CHECKS.items():
            b.create_check_constraint(name, cond)
    _backfill(bind)
    for stmt in _PG_FUNCTIONS if pg else _SQLITE_TRIGGERS:
        op.execute(stmt)


def _backfill(bind: sa.engine.Connection) -> None:
    """Entries for the settlements stored before the books existed (and their reversals)."""
    import datetime as dt

    from jiuzhu.domain.events import Settled
    from jiuzhu.domain.journal import reversal, settled_lines
    from jiuzhu.policy.accounts import chart

    rows = bind.execute(
        sa.text(
            "SELECT setl_id, psn_no, region, source, institution, setl_time, med_type, body, "
            "maf_pay, tilt_pay, backpay_of, status, reversed_at FROM settlement "
            "ORDER BY setl_time, setl_id"
        )
    ).mappings()
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    entry_sql = sa.text(
        "INSERT INTO journal_entry (region, entry_date, kind, source_id, memo, reverses, "
        "actor, created_at) VALUES (:region, :day, :kind, :source_id, :memo, :reverses, "
        "'migration 0901', :now)"
    )
    line_sql = sa.text(
        "INSERT INTO journal_line (entry_id, entry_date, region, account, debit, credit, party, "
        "county) VALUES (:entry_id, :day, :region, :account, :debit, :credit, :party, NULL)"
    )
    last_id = sa.text("SELECT id FROM journal_entry WHERE kind = :kind AND source_id = :source_id")
    for r in list(rows):
        body = r["body"] if isinstance(r["body"], dict) else __import__("json").loads(r["body"])
        setl_time = r["setl_time"]
        if isinstance(setl_time, str):
            setl_time = dt.datetime.fromisoformat(setl_time)
        ev = Settled(
            r["setl_id"], r["psn_no"], r["region"], r["source"], r["institution"], None,
            setl_time.date(), r["med_type"], bool(body.get("out_of_area", 0)),
            int(r["maf_pay"]), int(r["tilt_pay"]), r["backpay_of"],
        )  # fmt: skip
        lines = settled_lines(ev, chart(ev.region))
        for kind, memo, ls, rev in (
            ("settle", f"结算 {ev.setl_id}（期初补记 migration 0901）", lines, None),
            ("reverse", f"撤销结算 {ev.setl_id}（期初补记）", reversal(lines), True),
        ):
            if rev and r["status"] != "reversed":
                continue
            reverses = None
            if rev:
                reverses = bind.execute(
                    last_id, {"kind": "settle", "source_id": ev.setl_id}
                ).scalar()
            bind.execute(
                entry_sql,
                {"region": ev.region, "day": ev.day, "kind": kind, "source_id": ev.setl_id,
                 "memo": memo, "reverses": reverses, "now": now},
            )  # fmt: skip
            entry_id = bind.execute(last_id, {"kind": kind, "source_id": ev.setl_id}).scalar()
            for ln in ls:
                bind.execute(
                    line_sql,
                    {"entry_id": entry_id, "day": ev.day, "region": ev.region,
                     "account": ln.account, "debit": ln.debit, "credit": ln.credit,
                     "party": ln.party},
                )  # fmt: skip


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS settlement_posted ON settlement")
        for fn in (
            "jiuzhu_settlement_posted",
            "jiuzhu_journal_balanced",
            "jiuzhu_journal_immutable",
            "jiuzhu_journal_open_period",
        ):
            op.execute(f"DROP FUNCTION IF EXISTS {fn}() CASCADE")
    with op.batch_alter_table("person_year_totals") as b:
        for name in _TOTALS_CHECKS:
            b.drop_constraint(name, type_="check")
    with op.batch_alter_table("settlement") as b:
        for name in _SETTLEMENT_CHECKS:
            b.drop_constraint(name, type_="check")
        b.drop_column("county")
    with op.batch_alter_table("person") as b:
        b.drop_column("county")
    op.drop_table("fund_period")
    op.drop_table("journal_line")
    op.drop_table("journal_entry")
