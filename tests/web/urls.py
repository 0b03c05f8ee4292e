"""Every page URL of the web application with the permissions that may open it (the
specification the role × URL test checks). ``()``: any signed-in user. A new page adds
its line here; the test fails on a GET route that is missing from this list."""

from __future__ import annotations

from seed import Seeded

PERSON_READERS = (
    "registry",
    "enrolment",
    "settlement",
    "intake",
    "first_review",
    "second_review",
    "approval",
    "finance",
    "auditor",
)
SETTLEMENT_READERS = (
    "settlement",
    "registry",
    "finance",
    "auditor",
    "first_review",
    "second_review",
    "approval",
)
REIMB_READERS = ("intake", "first_review", "second_review", "approval", "finance", "auditor")
POLICY_READERS = (
    "registry",
    "settlement",
    "intake",
    "first_review",
    "second_review",
    "approval",
    "finance",
    "auditor",
    "enrolment",
)

FUND_READERS = ("finance", "auditor")


def urls(d: Seeded) -> dict[str, tuple[str, tuple[str, ...]]]:
    """route path → (a concrete URL, permissions)."""
    return {
        "/": ("/", ()),
        "/account/password": ("/account/password", ()),
        "/persons": ("/persons", PERSON_READERS),
        "/persons/{psn_no}": ("/persons/P1", PERSON_READERS),
        "/identities/import": ("/identities/import", ("registry",)),
        "/identities/batches": ("/identities/batches", ("registry", "auditor")),
        "/identities/batches/{batch_id}": (
            f"/identities/batches/{d.batch_id}",
            ("registry", "auditor"),
        ),
        "/enrolment": ("/enrolment?year=2025", ("enrolment", "registry", "auditor", "finance")),
        "/enrolment/totals": (
            "/enrolment/totals?year=2025",
            ("enrolment", "registry", "auditor", "finance"),
        ),
        "/settlements": ("/settlements", SETTLEMENT_READERS),
        "/settlements/{setl_id}": ("/settlements/S1", SETTLEMENT_READERS),
        "/settlements/backpay": ("/settlements/backpay", ("settlement",)),
        "/reimbursements": ("/reimbursements", REIMB_READERS),
        "/reimbursements/new": ("/reimbursements/new", ("intake",)),
        "/reimbursements/{app_no}": (f"/reimbursements/{d.in_review}", REIMB_READERS),
        "/reimbursements/{app_no}/documents/{kind}.pdf": (
            f"/reimbursements/{d.in_review}/documents/receipt.pdf",
            REIMB_READERS,
        ),
        "/reimbursements/queue/{level}": (
            "/reimbursements/queue/second_review",
            ("second_review",),
        ),
        "/reimbursement-batches": ("/reimbursement-batches", ("finance", "auditor")),
        "/reimbursement-batches/{batch_no}": (
            f"/reimbursement-batches/{d.paid_batch}",
            ("finance", "auditor"),
        ),
        "/reimbursement-batches/{batch_no}/export.{fmt}": (
            f"/reimbursement-batches/{d.paid_batch}/export.xlsx",
            ("finance",),
        ),
        "/policy": ("/policy", POLICY_READERS),
        "/system/users": ("/system/users", ("admin",)),
        "/system/users/{username}": ("/system/users/auditor", ("admin",)),
        "/system/roles": ("/system/roles", ("admin",)),
        "/system/keys": ("/system/keys", ("admin",)),
        "/audit": ("/audit", ("auditor",)),
        "/warning": ("/warning", ("warning", "registry", "auditor", "checks")),
        "/checks": ("/checks", ("checks", "auditor")),
        "/fund/statements": ("/fund/statements", ("finance", "auditor")),
        "/fund/statements/{stmt_no}": (f"/fund/statements/{d.stmt_no}", ("finance", "auditor")),
        "/fund/hospital-batches": ("/fund/hospital-batches", ("finance", "auditor")),
        "/fund/hospital-batches/{batch_no}": (
            f"/fund/hospital-batches/{d.hospital_batch}",
            ("finance", "auditor"),
        ),
        "/fund/hospital-batches/{batch_no}/bank-file.csv": (
            f"/fund/hospital-batches/{d.hospital_batch}/bank-file.csv",
            ("finance",),
        ),
        "/fund/trial-balance": ("/fund/trial-balance?as_of=2025-12-31", ("finance", "auditor")),
        "/fund/payables": ("/fund/payables?as_of=2025-12-31", ("finance", "auditor")),
        "/fund/reconcile": ("/fund/reconcile?status=open", ("finance", "auditor")),
        "/fund/funding": ("/fund/funding?year=2025", FUND_READERS),
        "/fund/budget": ("/fund/budget?year=2026&month=3", FUND_READERS),
        "/fund/insurer": ("/fund/insurer", FUND_READERS),
        "/fund/reports": ("/fund/reports?kind=spending&period=2025-01", FUND_READERS),
        "/fund/reports/{kind}/{period}.{fmt}": (
            "/fund/reports/balance_sheet/2025-12.xlsx",
            FUND_READERS,
        ),
        "/fund/reports/drill": (
            "/fund/reports/drill?key=src%3Dsettlements%26region%3Dningxia%26start%3D2025-01-01%26end%3D2025-12-31",
            FUND_READERS,
        ),
    }


EXTRA = [
    ("/reimbursements/queue/first_review", ("first_review",)),
    ("/reimbursements/queue/approval", ("approval",)),
    ("/reimbursements/{returned}/documents/notice.pdf", REIMB_READERS),
]
"""More concrete URLs of a route listed above."""

EXTRA += [
    ("/fund/reports?kind=analysis&period=2025", FUND_READERS),
    ("/fund/reports?kind=balance_sheet&period=2025Q4", FUND_READERS),
    ("/fund/reports/analysis/2025.pdf", FUND_READERS),
    (
        "/fund/reports/drill?key=src%3Djournal%26region%3Dningxia%26account%3D210101%26end%3D2025-12-31",
        FUND_READERS,
    ),
]

PUBLIC = {"/login", "/docs"}
