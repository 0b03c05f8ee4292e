"""base tables

Revision ID: 0001
Revises:
Create Date: 2026-11-22 19:42:28.164065
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "api_key",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("institution", sa.String(length=40), nullable=False),
        sa.Column("prefix", sa.String(length=16), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("revoked_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_key")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_api_key_key_hash")),
    )
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_key_institution"), ["institution"], unique=False)

    op.create_table(
        "audit_log",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("action", sa.String(length=60), nullable=False),
        sa.Column("entity", sa.String(length=40), nullable=False),
        sa.Column("entity_id", sa.String(length=80), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entity", ["entity", "entity_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_audit_log_at"), ["at"], unique=False)

    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=True),
        sa.Column("mode", sa.String(length=20), nullable=True),
        sa.Column("as_of", sa.Date(), nullable=True),
        sa.Column("file_name", sa.String(length=300), nullable=True),
        sa.Column("file_sha256", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=80), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_import_batch")),
    )
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_import_batch_file_sha256"), ["file_sha256"], unique=False
        )

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("psn_no", sa.String(length=40), nullable=False),
        sa.Column("certno_enc", sa.LargeBinary(), nullable=True),
        sa.Column("certno_hash", sa.String(length=64), nullable=True),
        sa.Column("name_enc", sa.LargeBinary(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("household_no", sa.String(length=40), nullable=True),
        sa.Column("insured_region", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
        sa.UniqueConstraint("certno_hash", name=op.f("uq_person_certno_hash")),
        sa.UniqueConstraint("psn_no", name=op.f("uq_person_psn_no")),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_household_no"), ["household_no"], unique=False)

    op.create_table(
        "person_year_totals",
        sa.Column("psn_no", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("s", sa.BigInteger(), nullable=False),
        sa.Column("p", sa.BigInteger(), nullable=False),
        sa.Column("r", sa.BigInteger(), nullable=False),
        sa.Column("tp", sa.BigInteger(), nullable=False),
        sa.Column("settlements", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("psn_no", "year", name=op.f("pk_person_year_totals")),
    )
    op.create_table(
        "settlement",
        sa.Column("setl_id", sa.String(length=60), nullable=False),
        sa.Column("psn_no", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("institution", sa.String(length=40), nullable=True),
        sa.Column("body_hash", sa.String(length=64), nullable=False),
        sa.Column("body", sa.JSON(), nullable=False),
        sa.Column("setl_time", sa.DateTime(), nullable=False),
        sa.Column("begndate", sa.Date(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=False),
        sa.Column("med_type", sa.String(length=10), nullable=False),
        sa.Column("identity", sa.String(length=20), nullable=False),
        sa.Column("class_id", sa.String(length=20), nullable=True),
        sa.Column("reason", sa.String(length=40), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("deductible", sa.BigInteger(), nullable=False),
        sa.Column("maf_pay", sa.BigInteger(), nullable=False),
        sa.Column("tilt_pay", sa.BigInteger(), nullable=False),
        sa.Column("d_s", sa.BigInteger(), nullable=False),
        sa.Column("d_p", sa.BigInteger(), nullable=False),
        sa.Column("d_r", sa.BigInteger(), nullable=False),
        sa.Column("d_tp", sa.BigInteger(), nullable=False),
        sa.Column("trace", sa.JSON(), nullable=False),
        sa.Column("answer", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("reversed_at", sa.DateTime(), nullable=True),
        sa.Column("backpay_of", sa.String(length=60), nullable=True),
        sa.PrimaryKeyConstraint("setl_id", name=op.f("pk_settlement")),
    )
    with op.batch_alter_table("settlement", schema=None) as batch_op:
        batch_op.create_index("ix_settlement_person_year", ["psn_no", "year"], unique=False)

    op.create_table(
        "staff_user",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("password_hash", sa.String(length=200), nullable=False),
        sa.Column("roles", sa.JSON(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_user")),
        sa.UniqueConstraint("username", name=op.f("uq_staff_user_username")),
    )
    op.create_table(
        "person_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("psn_no", sa.String(length=40), nullable=False),
        sa.Column("code", sa.String(length=20), nullable=False),
        sa.Column("begndate", sa.Date(), nullable=False),
        sa.Column("enddate", sa.Date(), nullable=True),
        sa.Column("source", sa.String(length=20), nullable=False),
        sa.Column("source_doc", sa.String(length=200), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.Column("ended_by_batch_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["import_batch.id"], name=op.f("fk_person_identity_batch_id_import_batch")
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_batch_id"],
            ["import_batch.id"],
            name=op.f("fk_person_identity_ended_by_batch_id_import_batch"),
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_identity_person_id_person")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identity")),
    )
    with op.batch_alter_table("person_identity", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_identity_psn_no"), ["psn_no"], unique=False)

    op.create_table(
        "staff_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_staff_token_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_staff_token_token_hash")),
    )


def downgrade() -> None:

    op.drop_table("staff_token")
    with op.batch_alter_table("person_identity", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_identity_psn_no"))

    op.drop_table("person_identity")
    op.drop_table("staff_user")
    with op.batch_alter_table("settlement", schema=None) as batch_op:
        batch_op.drop_index("ix_settlement_person_year")

    op.drop_table("settlement")
    op.drop_table("person_year_totals")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_household_no"))

    op.drop_table("person")
    with op.batch_alter_table("import_batch", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_import_batch_file_sha256"))

    op.drop_table("import_batch")
    with op.batch_alter_table("audit_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_log_at"))
        batch_op.drop_index("ix_audit_entity")

    op.drop_table("audit_log")
    with op.batch_alter_table("api_key", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_key_institution"))

    op.drop_table("api_key")
