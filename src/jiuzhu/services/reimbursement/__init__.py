"""Manual reimbursement (零星/手工报销): intake → review → payment, with printable documents.

宁医保发〔2023〕102号 第十九至二十三条; 新疆规程 第十七条; 梅州规程 第十条、第十二条（三）;
双鸭山实施办法 第十二条; 柳州任务清单 七（四）.

Reads and use cases return typed views (``views``: amounts in fen, days as dates); the
front ends format them (``jiuzhu.wire.reimbursement``, ``reports.pdf``, ``reports.bank_file``).
"""

from __future__ import annotations

from jiuzhu.services.reimbursement.common import Staff, staff_from_db
from jiuzhu.services.reimbursement.deadline import (
    CalendarUnavailable,
    add_working_days,
    working_days_between,
)
from jiuzhu.services.reimbursement.intake import intake
from jiuzhu.services.reimbursement.payment import (
    confirm_batch,
    create_batch,
    export_batch,
    get_batch,
    list_batches,
)
from jiuzhu.services.reimbursement.queries import (
    DOC_KINDS,
    document_data,
    get_application,
    list_applications,
)
from jiuzhu.services.reimbursement.review import preview, review
from jiuzhu.services.reimbursement.rules import NotConfigured, Rules, rules_for

__all__ = [
    "DOC_KINDS",
    "CalendarUnavailable",
    "NotConfigured",
    "Rules",
    "Staff",
    "add_working_days",
    "confirm_batch",
    "create_batch",
    "document_data",
    "export_batch",
    "get_application",
    "get_batch",
    "intake",
    "list_applications",
    "list_batches",
    "preview",
    "review",
    "rules_for",
    "staff_from_db",
    "working_days_between",
]
