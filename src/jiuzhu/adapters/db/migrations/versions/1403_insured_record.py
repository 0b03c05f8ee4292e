"""checks: enrolment records from outside the registry (insured_record), for 重复参保

Revision ID: 1403
Revises: 1402
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1403"
down_revision: str | Sequence[str] | None = "1402"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "insured_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("certno_hash", sa.String(64), nullable=False),
        sa.Column("psn_no", sa.String(40), nullable=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(40), nullable=False),
        sa.Column("scheme", sa.String(20), nullable=False),
        sa.Column("source", sa.String(20), nullable=False),
        sa.Column("batch_file", sa.String(200), nullable=False),
        sa.Column("line", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_insured_record"),
    )
    op.create_index("ix_insured_record_certno_hash", "insured_record", ["certno_hash"])


def downgrade() -> None:
    op.drop_index("ix_insured_record_certno_hash", table_name="insured_record")
    op.drop_table("insured_record")
