"""Statuses of a manual reimbursement application (零星报销) and of its payment batch, each
an enum with one transition table (宁医保发〔2023〕102号 第二十条 受理、审核、审批、发放;
第七–八条 分级审批).
"""

from __future__ import annotations

from enum import StrEnum

from jiuzhu.domain.errors import WorkflowError
from jiuzhu.domain.workflow import step


class ApplicationStatus(StrEnum):
    RETURNED = "returned"
    """not accepted: the one-time notice (一次性告知) lists every reason; a new application follows"""
    IN_REVIEW = "in_review"
    """accepted; waiting for its next review level (初审 → 复审 → 审批 as the region sets)"""
    APPROVED = "approved"
    """the last level approved a positive amount: settled, waiting for payment"""
    COMPLETED = "completed"
    """approved at zero: nothing to pay"""
    REJECTED = "rejected"
    PAID = "paid"


APPLICATION_ZH = {
    ApplicationStatus.RETURNED: "已退回（一次性告知）",
    ApplicationStatus.IN_REVIEW: "审核中",
    ApplicationStatus.APPROVED: "已审批待拨付",
    ApplicationStatus.COMPLETED: "已办结（核准金额为零）",
    ApplicationStatus.REJECTED: "不予核准",
    ApplicationStatus.PAID: "已拨付",
}

APPLICATION_TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    ApplicationStatus.RETURNED: frozenset(),
    ApplicationStatus.IN_REVIEW: frozenset(
        {ApplicationStatus.APPROVED, ApplicationStatus.COMPLETED, ApplicationStatus.REJECTED}
    ),
    ApplicationStatus.APPROVED: frozenset({ApplicationStatus.PAID}),
    ApplicationStatus.COMPLETED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
    ApplicationStatus.PAID: frozenset(),
}

SETTLED = frozenset(
    {ApplicationStatus.APPROVED, ApplicationStatus.PAID, ApplicationStatus.COMPLETED}
)
"""The application's claims are settled (they count in the person's year)."""
COUNTED = SETTLED | {ApplicationStatus.IN_REVIEW}
"""Claims already claimed by an application (a second application may not claim them)."""


class BatchStatus(StrEnum):
    EXPORTED = "exported"
    """the bank file is written; waiting for the bank's confirmation"""
    PAID = "paid"


BATCH_ZH = {BatchStatus.EXPORTED: "待银行确认", BatchStatus.PAID: "已拨付"}
BATCH_TRANSITIONS: dict[BatchStatus, frozenset[BatchStatus]] = {
    BatchStatus.EXPORTED: frozenset({BatchStatus.PAID}),
    BatchStatus.PAID: frozenset(),
}


def advance_application(current: str, target: ApplicationStatus, app_no: str) -> ApplicationStatus:
    """``target`` if the table allows it from ``current``; else a workflow error naming both."""
    return step(
        APPLICATION_TRANSITIONS,
        APPLICATION_ZH,
        ApplicationStatus(current),
        target,
        what=f"申请 {app_no} 的",
        error=WorkflowError,
        field="app_no",
    )


def advance_batch(current: str, target: BatchStatus, batch_no: str) -> BatchStatus:
    return step(
        BATCH_TRANSITIONS,
        BATCH_ZH,
        BatchStatus(current),
        target,
        what=f"批次 {batch_no} 的",
        error=WorkflowError,
        field="batch_no",
    )


def application_zh(status: str) -> str:
    """The Chinese name of a stored status (the code itself if unknown)."""
    try:
        return APPLICATION_ZH[ApplicationStatus(status)]
    except ValueError:
        return status
