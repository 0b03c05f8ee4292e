"""registry: person_enrolment (资助参保 per person and year) and identity lookup indexes

Revision ID: 0101
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0101"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = ("registry",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "person_enrolment",
        sa.Column("psn_no", sa.String(length=40), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("self_paid_on", sa.Date(), nullable=True),
        sa.Column("self_paid_fen", sa.BigInteger(), nullable=True),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("updated_by", sa.String(length=80), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("psn_no", "year", name=op.f("pk_person_enrolment")),
    )
    # the full-list comparison reads every identity of one source (xinjiang 第六条)
    op.create_index("ix_person_identity_source_code", "person_identity", ["source", "code"])


def downgrade() -> None:
    op.drop_index("ix_person_identity_source_code", table_name="person_identity")
    op.drop_table("person_enrolment")
