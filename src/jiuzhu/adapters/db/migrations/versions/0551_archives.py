"""archives: case files per person and per application (宁医保发〔2023〕102号 第三十四条)

Revision ID: 0551
Revises: 0550
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0551"
down_revision: str | Sequence[str] | None = "0550"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "archive_case",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_no", sa.String(length=30), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("subject", sa.String(length=40), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("retention_years", sa.Integer(), nullable=True),
        sa.Column("filed_at", sa.DateTime(), nullable=True),
        sa.Column("retain_until", sa.Date(), nullable=True),
        sa.Column("created_by", sa.String(length=80), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_case")),
        sa.UniqueConstraint("case_no", name=op.f("uq_archive_case_case_no")),
        sa.UniqueConstraint("kind", "subject", name="uq_archive_case_subject"),
    )
    op.create_table(
        "archive_file",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("doc_type", sa.String(length=40), nullable=False),
        sa.Column("file_name", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=60), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("pages", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("content_enc", sa.LargeBinary(), nullable=False),
        sa.Column("added_by", sa.String(length=80), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["archive_case.id"], name=op.f("fk_archive_file_case_id_archive_case")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_archive_file")),
        sa.UniqueConstraint("case_id", "seq", name="uq_archive_file_case_seq"),
    )
    op.create_index("ix_archive_file_case_id", "archive_file", ["case_id"])


def downgrade() -> None:
    op.drop_index("ix_archive_file_case_id", table_name="archive_file")
    op.drop_table("archive_file")
    op.drop_table("archive_case")
