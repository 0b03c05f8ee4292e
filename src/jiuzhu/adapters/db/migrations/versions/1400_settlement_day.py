"""web: the daily summary of settlements (settlement_day), backfilled from the settlements

The 工作台's month by class summed ~400,000 settlements per request on a 5-million year
(p95 516 ms); it now reads at most a month of daily rows. Kept in the settlement's own
statement and by the reversal's handler (adapters/db/summary_tables.py).

Revision ID: 1400
Revises: 1100
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1400"
down_revision: str | Sequence[str] | None = "1100"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "settlement_day",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("region", sa.String(20), nullable=False),
        sa.Column("county", sa.String(6), nullable=False),
        sa.Column("class_id", sa.String(20), nullable=False),
        sa.Column("med_type", sa.String(10), nullable=False),
        sa.Column("slot", sa.SmallInteger(), nullable=False),
        sa.Column("n", sa.BigInteger(), nullable=False),
        sa.Column("base", sa.BigInteger(), nullable=False),
        sa.Column("maf_pay", sa.BigInteger(), nullable=False),
        sa.Column("tilt_pay", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint(
            "day", "region", "county", "class_id", "med_type", "slot", name="pk_settlement_day"
        ),
    )
    pg = op.get_bind().dialect.name == "postgresql"
    day = "CAST(setl_time AS DATE)" if pg else "date(setl_time)"
    op.execute(
        "INSERT INTO settlement_day (day, region, county, class_id, med_type, slot, n, base, "
        f"maf_pay, tilt_pay) SELECT {day}, region, COALESCE(county, ''), "
        "COALESCE(class_id, ''), med_type, 0, COUNT(*), SUM(base), SUM(maf_pay), SUM(tilt_pay) "
        f"FROM settlement WHERE status = 'settled' GROUP BY {day}, region, COALESCE(county, ''), "
        "COALESCE(class_id, ''), med_type"
    )


def downgrade() -> None:
    op.drop_table("settlement_day")
