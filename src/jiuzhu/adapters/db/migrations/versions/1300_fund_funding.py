"""the fund's funding, insurer schedule and budget (issue 13 items 4, 5, 7)

Revision ID: 1300
Revises: 1100
Branch: s3-funding

Funding steps with their journal entries (fund_move), monthly 用款计划 and requests to
finance (双鸭山实施办法 第十六条), the insurer-run model's schedule (梅州规程 第十六–十九条),
budgets per county and item (宁医保发〔2023〕102号 第二十六条).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1300"
down_revision: str | Sequence[str] | None = "1100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "fund_budget",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("document", sa.String(length=80), nullable=False),
        sa.Column("recorded_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("audited_by", sa.String(length=80), nullable=True),
        sa.Column("audited_on", sa.Date(), nullable=True),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("status IN ('recorded', 'audited')", name=op.f("ck_fund_budget_status")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_budget")),
        sa.UniqueConstraint("region", "year", name="uq_fund_budget_year"),
    )
    op.create_table(
        "fund_request",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("document", sa.String(length=80), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_request")),
        sa.UniqueConstraint("region", "month", name="uq_fund_request_month"),
    )
    op.create_table(
        "fund_budget_line",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "budget_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fund_budget_line_nonneg")),
        sa.ForeignKeyConstraint(
            ["budget_id"],
            ["fund_budget.id"],
            name=op.f("fk_fund_budget_line_budget_id_fund_budget"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_budget_line")),
        sa.UniqueConstraint("budget_id", "county", "item", name="uq_fund_budget_line"),
    )
    with op.batch_alter_table("fund_budget_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_fund_budget_line_budget_id"), ["budget_id"], unique=False
        )

    op.create_table(
        "fund_move",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("document", sa.String(length=80), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=True),
        sa.Column("source", sa.String(length=30), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("memo", sa.String(length=300), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('income', 'transfer', 'remit', 'close', 'insurer')",
            name=op.f("ck_fund_move_kind"),
        ),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fund_move_nonneg")),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_fund_move_entry_id_journal_entry")
        ),
        sa.ForeignKeyConstraint(
            ["request_id"], ["fund_request.id"], name=op.f("fk_fund_move_request_id_fund_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_move")),
        sa.UniqueConstraint("region", "kind", "document", name="uq_fund_move_document"),
    )
    op.create_table(
        "fund_plan",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("memo", sa.String(length=300), nullable=False),
        sa.Column(
            "request_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_fund_plan_nonneg")),
        sa.ForeignKeyConstraint(
            ["request_id"], ["fund_request.id"], name=op.f("fk_fund_plan_request_id_fund_request")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_fund_plan")),
        sa.UniqueConstraint("region", "month", "county", name="uq_fund_plan_month_county"),
    )
    op.create_table(
        "insurer_event",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("stream", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=30), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("done_on", sa.Date(), nullable=True),
        sa.Column("document", sa.String(length=80), nullable=True),
        sa.Column("entry_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("basis", sa.JSON(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.CheckConstraint(
            "status IN ('planned', 'done', 'cancelled')", name=op.f("ck_insurer_event_status")
        ),
        sa.ForeignKeyConstraint(
            ["entry_id"], ["journal_entry.id"], name=op.f("fk_insurer_event_entry_id_journal_entry")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_insurer_event")),
        sa.UniqueConstraint(
            "region", "year", "stream", "step", "seq", name="uq_insurer_event_step"
        ),
    )


def downgrade() -> None:
    op.drop_table("insurer_event")
    op.drop_table("fund_plan")
    op.drop_table("fund_move")
    with op.batch_alter_table("fund_budget_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_fund_budget_line_budget_id"))

    op.drop_table("fund_budget_line")
    op.drop_table("fund_request")
    op.drop_table("fund_budget")
