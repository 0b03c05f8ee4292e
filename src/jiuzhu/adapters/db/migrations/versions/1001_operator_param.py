"""web: operator parameters set from the staff pages (dated, cited, audited)

Revision ID: 1001
Revises: 1000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1001"
down_revision: str | Sequence[str] | None = "1000"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "operator_param",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("region", sa.String(length=20), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("value", sa.String(length=2000), nullable=False),
        sa.Column("ref", sa.String(length=300), nullable=False),
        sa.Column("set_by", sa.String(length=80), nullable=False),
        sa.Column("set_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_operator_param")),
        sa.UniqueConstraint("region", "name", "valid_from", name="uq_operator_param_region"),
    )


def downgrade() -> None:
    op.drop_table("operator_param")
