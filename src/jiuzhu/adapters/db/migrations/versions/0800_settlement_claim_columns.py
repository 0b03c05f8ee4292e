"""settlement: the claim's amounts and flags as columns (not only inside the JSON body)

Simulation (政策测算) re-runs a year of stored settlements through the engine; it reads
them in one query, so what the engine needs is stored as columns: the four amounts of
calc-contract §2 (fen) and the four flags of §3. Existing rows are filled from their
stored body.

Revision ID: 0800
Revises: 0400
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0800"
down_revision: str | Sequence[str] | None = "0400"
branch_labels: str | Sequence[str] | None = ("columnar",)
depends_on: str | Sequence[str] | None = None

AMOUNTS = ("inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay")
FLAGS = (("out_of_area", 0), ("referral", 0), ("emergency", 0), ("in_province", 1))
BATCH = 5000


def upgrade() -> None:
    from jiuzhu.adapters.db.settlement_sql import claim_columns

    with op.batch_alter_table("settlement") as b:
        for name in AMOUNTS:
            b.add_column(sa.Column(name, sa.BigInteger(), nullable=False, server_default="0"))
        for name, default in FLAGS:
            b.add_column(
                sa.Column(name, sa.SmallInteger(), nullable=False, server_default=str(default))
            )
    bind = op.get_bind()
    t = sa.table(
        "settlement",
        sa.column("setl_id", sa.String),
        sa.column("body", sa.JSON),
        *(sa.column(n, sa.BigInteger) for n in AMOUNTS),
        *(sa.column(n, sa.SmallInteger) for n, _ in FLAGS),
    )
    rows = bind.execute(sa.select(t.c.setl_id, t.c.body)).all()
    update = (
        sa.update(t)
        .where(t.c.setl_id == sa.bindparam("k"))
        .values({n: sa.bindparam(n) for n in (*AMOUNTS, *(f for f, _ in FLAGS))})
    )
    for i in range(0, len(rows), BATCH):
        params = [{"k": k, **claim_columns(body)} for k, body in rows[i : i + BATCH]]
        if params:
            bind.execute(update, params)


def downgrade() -> None:
    with op.batch_alter_table("settlement") as b:
        for name in (*AMOUNTS, *(n for n, _ in FLAGS)):
            b.drop_column(name)
