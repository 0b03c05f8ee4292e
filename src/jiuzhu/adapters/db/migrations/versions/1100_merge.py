"""merge the trust, warning, columnar, fund and web branches into one head

Revision ID: 1100
Revises: 0500, 0551, 0700, 0800, 0902, 1002
Create Date: 2026-12-01 16:45:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "1100"
down_revision: str | Sequence[str] | None = ("0500", "0551", "0700", "0800", "0902", "1002")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
