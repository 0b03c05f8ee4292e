"""merge the session-3 branches (hospital clearing, funding, web and check speed, columnar)

Revision ID: 1600
Revises: 1201, 1300, 1404, 1500
Create Date: 2026-12-01 18:10:00
"""

from __future__ import annotations

from collections.abc import Sequence

revision: str = "1600"
down_revision: str | Sequence[str] | None = ("1201", "1300", "1404", "1500")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
