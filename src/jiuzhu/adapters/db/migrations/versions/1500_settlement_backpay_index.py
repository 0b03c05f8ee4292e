"""columnar: a partial index on settlement.backpay_of (政策测算 reads a year at once)

The simulation of a stored year adds each settlement's back-pay (宁夏 第十九条) to what
it paid. Back-pay rows are few; with this index the question "is there any back-pay?"
and the sums are answered without reading the whole table, so a year without back-pay
is read without a join.

Revision ID: 1500
Revises: 1100
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1500"
down_revision: str | Sequence[str] | None = "1100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WHERE = sa.text("backpay_of IS NOT NULL")


def upgrade() -> None:
    op.create_index(
        "ix_settlement_backpay_of", "settlement", ["backpay_of"],
        postgresql_where=WHERE, sqlite_where=WHERE,
    )  # fmt: skip


def downgrade() -> None:
    op.drop_index("ix_settlement_backpay_of", table_name="settlement")
