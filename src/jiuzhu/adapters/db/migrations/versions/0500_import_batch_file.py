"""identity lists: every batch keeps its file as received (encrypted)

Revision ID: 0500
Revises: 0400
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0500"
down_revision: str | Sequence[str] | None = "0400"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batch_file",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("batch_id", sa.Integer(), sa.ForeignKey("import_batch.id"), nullable=False),
        sa.Column("file_name", sa.String(300)),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.UniqueConstraint("batch_id", name="uq_import_batch_file_batch_id"),
    )


def downgrade() -> None:
    op.drop_table("import_batch_file")
