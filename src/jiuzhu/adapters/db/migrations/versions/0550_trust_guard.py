"""trust: signed, hash-chained audit records; login attempts (issue 8 items 5, 7)

Revision ID: 0550
Revises: 0400
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0550"
down_revision: str | Sequence[str] | None = "0400"
branch_labels: str | Sequence[str] | None = ("trust_guard",)
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit_log") as b:
        b.add_column(sa.Column("mac", sa.String(length=64), nullable=True))
        b.add_column(sa.Column("seq", sa.BigInteger(), nullable=True))
        b.add_column(sa.Column("chain", sa.String(length=64), nullable=True))
        b.create_unique_constraint("uq_audit_log_seq", ["seq"])
    op.create_index(
        "ix_audit_log_unsealed",
        "audit_log",
        ["id"],
        postgresql_where=sa.text("seq IS NULL"),
        sqlite_where=sa.text("seq IS NULL"),
    )
    op.create_table(
        "audit_seal",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("seq", sa.BigInteger(), nullable=False),
        sa.Column("chain", sa.String(length=64), nullable=False),
        sa.Column("legacy_max_id", sa.BigInteger(), nullable=False),
        sa.Column("sealed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_seal")),
    )
    # records written before this revision carry no signature: the first seal signs them
    # (trust on first seal); every later record is signed when it is written
    op.execute(
        "INSERT INTO audit_seal (id, seq, chain, legacy_max_id) "
        "SELECT 1, 0, '', COALESCE(MAX(id), 0) FROM audit_log"
    )
    op.create_table(
        "login_attempt",
        sa.Column("username", sa.String(length=60), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_failure", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("username", name=op.f("pk_login_attempt")),
    )


def downgrade() -> None:
    op.drop_table("login_attempt")
    op.drop_table("audit_seal")
    op.drop_index("ix_audit_log_unsealed", table_name="audit_log")
    with op.batch_alter_table("audit_log") as b:
        b.drop_constraint("uq_audit_log_seq", type_="unique")
        b.drop_column("chain")
        b.drop_column("seq")
        b.drop_column("mac")
