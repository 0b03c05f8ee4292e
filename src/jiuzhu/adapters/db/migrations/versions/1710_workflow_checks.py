"""workflows and amounts checked by the database too (issue 12 item 1)

Revision ID: 1710
Revises: 1700

Each workflow's statuses are an enum with one transition table in ``domain/`` (the
service refuses a step the table does not allow), but the ORM, raw SQL and COPY all
write these tables: the database keeps a status inside its set and an amount at or above
zero, whoever writes. The sets are written out here as they stand at this revision (a
migration never imports the code it describes); ``tests/integration/test_workflow_checks.py``
holds them equal to the enums.
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "1710"
down_revision: str | Sequence[str] | None = "1700"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STATUSES: dict[str, tuple[str, ...]] = {
    # domain/reimbursement_status.py ApplicationStatus, BatchStatus
    "reimb_application": ("returned", "in_review", "approved", "completed", "rejected", "paid"),
    "reimb_payment_batch": ("exported", "paid"),
    # domain/clearing.py StatementStatus, BatchStatus
    "clearing_statement": ("compared", "approved", "rejected", "batched", "paid"),
    "hospital_payment_batch": ("created", "exported", "paid"),
    # domain/warning_status.py WatchStatus, FindingStatus
    "warning_entry": (
        "new", "pushed", "feedback_received", "recognised", "not_recognised", "closed",
    ),  # fmt: skip
    "check_finding": (
        "open", "assigned", "investigating", "corrected", "clawed_back", "transferred",
        "dismissed",
    ),  # fmt: skip
    # services/fund/reconcile: a difference is open until someone resolves it
    "recon_difference": ("open", "resolved"),
}
AMOUNTS: dict[str, str] = {
    "reimb_claim": "maf_pay >= 0 AND tilt_pay >= 0",
    "claw_back": "amount >= 0",
    "person_enrolment": "self_paid_fen IS NULL OR self_paid_fen >= 0",
}


def _in(values: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def upgrade() -> None:
    for table, values in STATUSES.items():
        with op.batch_alter_table(table) as b:
            b.create_check_constraint("status", _in(values))
    for table, cond in AMOUNTS.items():
        with op.batch_alter_table(table) as b:
            b.create_check_constraint("nonneg", cond)


def downgrade() -> None:
    for table in AMOUNTS:
        with op.batch_alter_table(table) as b:
            b.drop_constraint("nonneg", type_="check")
    for table in STATUSES:
        with op.batch_alter_table(table) as b:
            b.drop_constraint("status", type_="check")
