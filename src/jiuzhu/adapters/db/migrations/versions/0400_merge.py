"""merge registry and reimbursement branches

Revision ID: 0400
Revises: 0101, 0301
Create Date: 2026-11-22 21:34:03.847605
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "0400"
down_revision: str | Sequence[str] | None = ("0101", "0301")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
