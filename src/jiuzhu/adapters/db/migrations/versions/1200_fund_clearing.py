"""fund: hospital clearing and payment, reconciliation with bank and finance

Revision ID: 1200
Revises: 1100

Hospital statements (3201/3202 shapes) with their differences, payment batches and the
hospitals' bank accounts (宁医保发〔2023〕102号 第三十条); imported bank lines and finance's
balances with the differences from the journal (第二十八条; 新疆规程 第二十条).
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1200"
down_revision: str | Sequence[str] | None = "1100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "hospital_account",
        sa.Column("fixmedins_code", sa.String(length=40), nullable=False),
        sa.Column("fixmedins_name", sa.String(length=200), nullable=False),
        sa.Column("account_name", sa.String(length=200), nullable=False),
        sa.Column("bank_name", sa.String(length=200), nullable=False),
        sa.Column("account_no", sa.String(length=40), nullable=False),
        sa.Column("registered_by", sa.String(length=80), nullable=False),
        sa.Column("registered_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("fixmedins_code", name=op.f("pk_hospital_account")),
    )
    op.create_table(
        "hospital_payment_batch",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("batch_no", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("total", sa.BigInteger(), nullable=False),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("exported_at", sa.DateTime(), nullable=True),
        sa.Column("export_sha256", sa.String(length=64), nullable=True),
        sa.Column("confirmed_by", sa.String(length=80), nullable=True),
        sa.Column("confirmed_at", sa.DateTime(), nullable=True),
        sa.Column("paid_on", sa.Date(), nullable=True),
        sa.Column("bank_reference", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hospital_payment_batch")),
        sa.UniqueConstraint("batch_no", name=op.f("uq_hospital_payment_batch_batch_no")),
    )
    op.create_table(
        "recon_difference",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("ref", sa.String(length=120), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("books", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("found_at", sa.DateTime(), nullable=False),
        sa.Column("resolved_by", sa.String(length=80), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("reason", sa.String(length=500), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_difference")),
        sa.UniqueConstraint("kind", "ref", name="uq_recon_difference_kind_ref"),
    )
    op.create_table(
        "recon_import",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=True),
        sa.Column("county", sa.String(length=6), nullable=True),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=80), nullable=False),
        sa.Column("imported_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_import")),
    )
    op.create_table(
        "clearing_statement",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("stmt_no", sa.String(length=40), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("fixmedins_code", sa.String(length=40), nullable=False),
        sa.Column("stmt_begndate", sa.Date(), nullable=False),
        sa.Column("stmt_enddate", sa.Date(), nullable=False),
        sa.Column("has_totals", sa.Integer(), nullable=False),
        sa.Column("has_detail", sa.Integer(), nullable=False),
        sa.Column("detail_lines", sa.Integer(), nullable=False),
        sa.Column("theirs_setl_cnt", sa.Integer(), nullable=True),
        sa.Column("theirs_medfee_sumamt", sa.BigInteger(), nullable=True),
        sa.Column("theirs_fund_pay_sumamt", sa.BigInteger(), nullable=True),
        sa.Column("ours_setl_cnt", sa.Integer(), nullable=False),
        sa.Column("ours_medfee_sumamt", sa.BigInteger(), nullable=False),
        sa.Column("ours_fund_pay_sumamt", sa.BigInteger(), nullable=False),
        sa.Column("by_county", sa.JSON(), nullable=False),
        sa.Column("stmt_rslt", sa.String(length=1), nullable=False),
        sa.Column("stmt_rslt_dscr", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("submitted_by", sa.String(length=80), nullable=False),
        sa.Column("submitted_at", sa.DateTime(), nullable=False),
        sa.Column("decided_by", sa.String(length=80), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=True),
        sa.Column(
            "payment_batch_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.ForeignKeyConstraint(
            ["payment_batch_id"],
            ["hospital_payment_batch.id"],
            name=op.f("fk_clearing_statement_payment_batch_id_hospital_payment_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearing_statement")),
        sa.UniqueConstraint("stmt_no", name=op.f("uq_clearing_statement_stmt_no")),
    )
    with op.batch_alter_table("clearing_statement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_clearing_statement_hospital", ["fixmedins_code", "stmt_begndate"], unique=False
        )

    op.create_table(
        "recon_bank_line",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("txn_date", sa.Date(), nullable=False),
        sa.Column("txn_id", sa.String(length=80), nullable=False),
        sa.Column("doc_no", sa.String(length=80), nullable=True),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=True),
        sa.Column("matched_entry_id", sa.BigInteger(), nullable=True),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["recon_import.id"],
            name=op.f("fk_recon_bank_line_import_id_recon_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_bank_line")),
        sa.UniqueConstraint("region", "account", "county", "txn_id", name="uq_recon_bank_line_txn"),
    )
    with op.batch_alter_table("recon_bank_line", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recon_bank_line_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "recon_finance_balance",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "import_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("account", sa.String(length=20), nullable=False),
        sa.Column("county", sa.String(length=6), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("balance", sa.BigInteger(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["import_id"],
            ["recon_import.id"],
            name=op.f("fk_recon_finance_balance_import_id_recon_import"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_recon_finance_balance")),
    )
    with op.batch_alter_table("recon_finance_balance", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_recon_finance_balance_import_id"), ["import_id"], unique=False
        )

    op.create_table(
        "clearing_difference",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "statement_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("setl_id", sa.String(length=60), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.Column("theirs_fund_pay", sa.BigInteger(), nullable=True),
        sa.Column("ours_fund_pay", sa.BigInteger(), nullable=True),
        sa.Column("detail", sa.String(length=300), nullable=False),
        sa.ForeignKeyConstraint(
            ["statement_id"],
            ["clearing_statement.id"],
            name=op.f("fk_clearing_difference_statement_id_clearing_statement"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clearing_difference")),
    )
    with op.batch_alter_table("clearing_difference", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_clearing_difference_statement_id"), ["statement_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("clearing_difference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_clearing_difference_statement_id"))

    op.drop_table("clearing_difference")
    with op.batch_alter_table("recon_finance_balance", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recon_finance_balance_import_id"))

    op.drop_table("recon_finance_balance")
    with op.batch_alter_table("recon_bank_line", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_recon_bank_line_import_id"))

    op.drop_table("recon_bank_line")
    with op.batch_alter_table("clearing_statement", schema=None) as batch_op:
        batch_op.drop_index("ix_clearing_statement_hospital")

    op.drop_table("clearing_statement")
    op.drop_table("recon_import")
    op.drop_table("recon_difference")
    op.drop_table("hospital_payment_batch")
    op.drop_table("hospital_account")
