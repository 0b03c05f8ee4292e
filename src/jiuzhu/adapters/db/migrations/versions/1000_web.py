"""web: staff roles as data (岗位) and browser sessions

Revision ID: 1000
Revises: 0400
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1000"
down_revision: str | Sequence[str] | None = "0400"
branch_labels: str | Sequence[str] | None = ("web",)
depends_on: str | Sequence[str] | None = None

ROLES = [
    (
        "caseworker",
        "经办员",
        ["registry", "enrolment", "settlement", "intake"],
        "受理、救助对象登记与名单导入、资助参保、结算撤销与补报",
        1,
    ),
    ("first_review", "初审", ["first_review"], "零星报销初审", 2),
    ("second_review", "复审", ["second_review"], "零星报销复审", 3),
    ("approval", "审批", ["approval"], "零星报销审批", 4),
    ("finance", "财务", ["finance"], "支付批次、基金财务", 5),
    ("auditor", "稽核", ["auditor"], "只读查询与审计日志", 6),
    ("admin", "管理员", ["admin"], "用户、角色、接口密钥、政策参数", 7),
]


def upgrade() -> None:
    role = op.create_table(
        "staff_role",
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("grants", sa.JSON(), nullable=False),
        sa.Column("description", sa.String(length=300), nullable=True),
        sa.Column("sort", sa.Integer(), nullable=False),
        sa.Column("builtin", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_staff_role")),
    )
    op.bulk_insert(
        role,
        [
            {"code": c, "name": n, "grants": g, "description": d, "sort": s, "builtin": True}
            for c, n, g, d, s in ROLES
        ],
    )
    op.create_table(
        "web_session",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sid_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(), nullable=False),
        sa.Column("ended_at", sa.DateTime(), nullable=True),
        sa.Column("ended_why", sa.String(length=20), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["staff_user.id"], name=op.f("fk_web_session_user_id_staff_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_web_session")),
        sa.UniqueConstraint("sid_hash", name=op.f("uq_web_session_sid_hash")),
    )
    op.create_index(op.f("ix_web_session_user_id"), "web_session", ["user_id"])
    # list pages: settlements newest first, by hospital; audit by actor
    op.create_index("ix_settlement_setl_time", "settlement", ["setl_time"])
    op.create_index("ix_settlement_institution_time", "settlement", ["institution", "setl_time"])
    op.create_index("ix_audit_actor", "audit_log", ["actor", "id"])


def downgrade() -> None:
    op.drop_index("ix_audit_actor", table_name="audit_log")
    op.drop_index("ix_settlement_institution_time", table_name="settlement")
    op.drop_index("ix_settlement_setl_time", table_name="settlement")
    op.drop_index(op.f("ix_web_session_user_id"), table_name="web_session")
    op.drop_table("web_session")
    op.drop_table("staff_role")
