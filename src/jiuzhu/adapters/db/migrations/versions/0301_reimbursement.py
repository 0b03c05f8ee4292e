"""manual reimbursement (零星报销): applications, claims, decisions, payment batches

Revision ID: 0301
Revises: 0001
Branch: reimbursement
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0301"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("reimbursement",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "reimb_payment_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_no", sa.String(length=30), nullable=False),
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
        sa.Column("bank_reference", sa.String(length=100), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimb_payment_batch")),
        sa.UniqueConstraint("batch_no", name=op.f("uq_reimb_payment_batch_batch_no")),
    )
    op.create_table(
        "reimb_sequence",
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("region", "kind", "year", name=op.f("pk_reimb_sequence")),
    )
    op.create_table(
        "reimb_application",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("app_no", sa.String(length=30), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("psn_no", sa.String(length=40), nullable=False),
        sa.Column("applicant_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("applicant_certno_enc", sa.LargeBinary(), nullable=True),
        sa.Column("agent_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("agent_certno_enc", sa.LargeBinary(), nullable=True),
        sa.Column("agent_certno_hash", sa.String(length=64), nullable=True),
        sa.Column("agent_relation", sa.String(length=40), nullable=True),
        sa.Column("phone_enc", sa.LargeBinary(), nullable=True),
        sa.Column("bank_name", sa.String(length=100), nullable=True),
        sa.Column("account_name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("account_no_enc", sa.LargeBinary(), nullable=True),
        sa.Column("materials", sa.JSON(), nullable=False),
        sa.Column("problems", sa.JSON(), nullable=False),
        sa.Column("retro", sa.Boolean(), nullable=False),
        sa.Column("retro_anchor", sa.Date(), nullable=True),
        sa.Column("retro_window_start", sa.Date(), nullable=True),
        sa.Column("account_year", sa.Integer(), nullable=True),
        sa.Column("terms_day", sa.Date(), nullable=True),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("deadline_days", sa.Integer(), nullable=True),
        sa.Column("deadline", sa.Date(), nullable=True),
        sa.Column("levels", sa.JSON(), nullable=False),
        sa.Column("current_step", sa.Integer(), nullable=False),
        sa.Column("flow_ref", sa.String(length=300), nullable=True),
        sa.Column("claimed_total", sa.BigInteger(), nullable=False),
        sa.Column("approved_maf", sa.BigInteger(), nullable=True),
        sa.Column("approved_tilt", sa.BigInteger(), nullable=True),
        sa.Column("approved_total", sa.BigInteger(), nullable=True),
        sa.Column("decided_at", sa.DateTime(), nullable=True),
        sa.Column("decision_reason", sa.Text(), nullable=True),
        sa.Column("payment_batch_id", sa.Integer(), nullable=True),
        sa.Column("paid_at", sa.DateTime(), nullable=True),
        sa.Column("intake_by", sa.String(length=80), nullable=False),
        sa.Column("remarks", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["payment_batch_id"],
            ["reimb_payment_batch.id"],
            name=op.f("fk_reimb_application_payment_batch_id_reimb_payment_batch"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimb_application")),
        sa.UniqueConstraint("app_no", name=op.f("uq_reimb_application_app_no")),
    )
    with op.batch_alter_table("reimb_application", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reimb_application_deadline"), ["deadline"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reimb_application_psn_no"), ["psn_no"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reimb_application_received_on"), ["received_on"], unique=False
        )
        batch_op.create_index(
            "ix_reimb_application_region_status", ["region", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reimb_application_status"), ["status"], unique=False)

    op.create_table(
        "reimb_claim",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("setl_id", sa.String(length=60), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("maf_pay", sa.BigInteger(), nullable=True),
        sa.Column("tilt_pay", sa.BigInteger(), nullable=True),
        sa.Column("answer", sa.JSON(), nullable=True),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["reimb_application.id"],
            name=op.f("fk_reimb_claim_application_id_reimb_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimb_claim")),
    )
    with op.batch_alter_table("reimb_claim", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reimb_claim_application_id"), ["application_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_reimb_claim_setl_id"), ["setl_id"], unique=False)

    op.create_table(
        "reimb_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("application_id", sa.Integer(), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("level", sa.String(length=20), nullable=False),
        sa.Column("decision", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("actor_name", sa.String(length=100), nullable=True),
        sa.Column("amount_shown", sa.BigInteger(), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["application_id"],
            ["reimb_application.id"],
            name=op.f("fk_reimb_decision_application_id_reimb_application"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reimb_decision")),
        sa.UniqueConstraint("application_id", "step", name="uq_reimb_decision_step"),
    )
    with op.batch_alter_table("reimb_decision", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reimb_decision_actor"), ["actor"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_reimb_decision_application_id"), ["application_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("reimb_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reimb_decision_application_id"))
        batch_op.drop_index(batch_op.f("ix_reimb_decision_actor"))

    op.drop_table("reimb_decision")
    with op.batch_alter_table("reimb_claim", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reimb_claim_setl_id"))
        batch_op.drop_index(batch_op.f("ix_reimb_claim_application_id"))

    op.drop_table("reimb_claim")
    with op.batch_alter_table("reimb_application", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reimb_application_status"))
        batch_op.drop_index("ix_reimb_application_region_status")
        batch_op.drop_index(batch_op.f("ix_reimb_application_received_on"))
        batch_op.drop_index(batch_op.f("ix_reimb_application_psn_no"))
        batch_op.drop_index(batch_op.f("ix_reimb_application_deadline"))

    op.drop_table("reimb_application")
    op.drop_table("reimb_sequence")
    op.drop_table("reimb_payment_batch")
