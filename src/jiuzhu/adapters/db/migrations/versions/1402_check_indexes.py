"""checks: indexes the set-based check rules need

- settlements that are a back-pay of another (``backpay_of``, partial: few rows), for
  "应补报未补报" (宁医保发〔2023〕102号 第十九条): the same index the simulation needs,
  made once, by revision 1500 (which every database reaches before 1600);
- PostgreSQL: the settlements whose body carries a deposit (partial, on the expression),
  for "先诊疗后付费对象被收取押金" (双鸭山实施办法 第二十二条): the rule reads those few
  instead of parsing five million bodies.

Revision ID: 1402
Revises: 1401
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1402"
down_revision: str | Sequence[str] | None = "1401"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_settlement_deposit ON settlement ((body->>'deposit')) "
            "WHERE (body->>'deposit') IS NOT NULL"
        )
        # the expression's statistics: without them the planner takes every body for one
        op.execute("ANALYZE settlement")


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_settlement_deposit", table_name="settlement")
