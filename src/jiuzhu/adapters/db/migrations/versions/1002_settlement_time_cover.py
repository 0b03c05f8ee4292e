"""web: the settlements-by-time index covers the dashboard's sums (PostgreSQL INCLUDE)

The 工作台 sums a month's maf_pay and tilt_pay by class; with the columns in the index
PostgreSQL answers from the index alone. Other databases get the plain index.

Revision ID: 1002
Revises: 1001
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1002"
down_revision: str | Sequence[str] | None = "1001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COVER = ["status", "class_id", "maf_pay", "tilt_pay"]


def upgrade() -> None:
    op.drop_index("ix_settlement_setl_time", table_name="settlement")
    op.create_index(
        "ix_settlement_setl_time", "settlement", ["setl_time"], postgresql_include=COVER
    )


def downgrade() -> None:
    op.drop_index("ix_settlement_setl_time", table_name="settlement")
    op.create_index("ix_settlement_setl_time", "settlement", ["setl_time"])
