"""checks: drop the findings' index on rule alone (the unique (rule, subject) serves it)

A full check run writes hundreds of thousands of findings; each index costs every insert.

Revision ID: 1404
Revises: 1403
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1404"
down_revision: str | Sequence[str] | None = "1403"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_check_finding_rule", table_name="check_finding")


def downgrade() -> None:
    op.create_index("ix_check_finding_rule", "check_finding", ["rule"])
