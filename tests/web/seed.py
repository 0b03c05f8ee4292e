"""A small registry for the web tests (ningxia): a department list imported, settlements,
reimbursements at several stages, a payment batch, a hospital key."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.schemas import SettlementIn
from jiuzhu.domain.pii import certno_check_digit
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.access.api_keys import create_api_key
from jiuzhu.services.identity_import import import_identities
from jiuzhu.services.settlement import settle
from jiuzhu.wire import reimbursement as rb

HEADER = "psn_no,certno,psn_name,identity,begndate,enddate"
MATERIALS = [
    "hukou",
    "sbk_or_id_bank",
    "settlement_statement",
    "invoice",
    "fee_list",
    "discharge_record",
]


def certno(n: int, birth: dt.date = dt.date(1960, 1, 1), area: str = "640104") -> str:
    """A valid GB 11643 number, different for each ``n`` (< 1000)."""
    first17 = f"{area}{birth:%Y%m%d}{n % 1000:03d}"
    return first17 + certno_check_digit(first17)


PEOPLE = [
    ("P1", certno(1), "张三丰", "dibao", "2024-01-01", ""),
    ("P2", certno(2), "欧阳小明", "tekun", "2024-03-01", ""),
    ("P3", certno(3), "李四", "bianyuan", "2024-01-01", "2025-06-30"),
]


def list_csv(rows: list[tuple[str, ...]]) -> bytes:
    return ("\n".join([HEADER, *(",".join(r) for r in rows)]) + "\n").encode()


def claim(setl_id: str, psn_no: str, day: str, inscp: str, hifp: str = "0") -> dict[str, Any]:
    return {
        "setl_id": setl_id,
        "psn_no": psn_no,
        "setl_time": f"{day} 10:00:00",
        "med_type": "21",
        "begndate": day,
        "enddate": day,
        "inscp_scp_amt": inscp,
        "hifp_pay": hifp,
        "hifmi_pay": "0",
    }


def application(psn_no: str, claims: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "psn_no": psn_no,
        "received_on": "2025-09-01",  # deadlines inside the bundled working-day calendar
        "materials": list(MATERIALS),
        "bank_name": "中国农业银行银川分行",
        "account_name": "张三丰",
        "account_no": "6228480012345678901",
        "claims": claims,
    }
    d.update(kw)
    return d


@dataclass
class Seeded:
    batch_id: int
    in_review: str
    returned: str
    paid_batch: str
    approved: str
    stmt_no: str = ""
    hospital_batch: str = ""


STAFF = {
    "intake": rb.Staff("caseworker", frozenset({"intake"}), "经办员甲"),
    "first_review": rb.Staff("first_review", frozenset({"first_review"}), "初审甲"),
    "second_review": rb.Staff("second_review", frozenset({"second_review"}), "复审甲"),
    "approval": rb.Staff("approval", frozenset({"approval"}), "审批甲"),
    "finance": rb.Staff("finance", frozenset({"finance"}), "财务甲"),
}


def approve_all(uow: UnitOfWork, policy: RegionPolicy, app_no: str) -> None:
    for lv in ("first_review", "second_review", "approval"):
        rb.review(uow, policy, app_no, staff=STAFF[lv], decision="approve", reason="材料齐全")


def seed(uow: UnitOfWork, policy: RegionPolicy) -> Seeded:
    res = import_identities(
        uow, "minzheng.csv", list_csv(PEOPLE), "yibao", actor="staff:caseworker", save_report=False
    )
    assert res.batch_id and not res.refused
    for c, inst in (
        (claim("S1", "P1", "2025-02-01", "30000.00", "10000.00"), "H64010000001"),
        (claim("S2", "P2", "2025-03-05", "12000.00"), "H64010000002"),
        (claim("S3", "P1", "2025-05-01", "500.00"), "H64010000001"),
    ):
        body = SettlementIn.model_validate(c)
        settle(
            uow,
            policy,
            body.to_claim(),
            source="one_stop",
            actor=f"institution:{inst}",
            institution=inst,
            extra=body.extra(),
        )
    with uow.begin() as s:
        create_api_key(s, "H64010000001", "test", "测试医院")
    a1 = rb.intake(
        uow,
        policy,
        application("P1", [claim("R1-1", "P1", "2025-04-01", "8000.00")]),
        staff=STAFF["intake"],
    )
    a2 = rb.intake(
        uow,
        policy,
        application("P2", [claim("R2-1", "P2", "2025-04-02", "900.00")], materials=["hukou"]),
        staff=STAFF["intake"],
    )
    a3 = rb.intake(
        uow,
        policy,
        application("P2", [claim("R3-1", "P2", "2025-04-03", "5000.00")]),
        staff=STAFF["intake"],
    )
    a4 = rb.intake(
        uow,
        policy,
        application("P1", [claim("R4-1", "P1", "2025-04-04", "700.00")]),
        staff=STAFF["intake"],
    )
    approve_all(uow, policy, a3["app_no"])
    approve_all(uow, policy, a4["app_no"])
    b = rb.create_batch(uow, policy.region, staff=STAFF["finance"], app_nos=[a3["app_no"]])
    assert a1["status"] == "in_review" and a2["status"] == "returned"
    stmt_no, hb = _clearing(uow, policy.region)
    return Seeded(
        res.batch_id, a1["app_no"], a2["app_no"], b["batch_no"], a4["app_no"], stmt_no, hb
    )


def _clearing(uow: UnitOfWork, region: str) -> tuple[str, str]:
    """H64010000001 states February 2025 (S1, at a wrong amount): approved and batched."""
    import datetime as dt

    from jiuzhu.domain.clearing import TheirLine
    from jiuzhu.services.fund.clearing import apply as clearing
    from jiuzhu.services.fund.clearing.parse import StatementIn

    st = StatementIn("H64010000001", dt.date(2025, 2, 1), dt.date(2025, 2, 28), None,
                     (TheirLine(2, "S1", 3_000_000, 100), TheirLine(3, "X9", 100, 100)))  # fmt: skip
    v = clearing.submit(uow, region, st, actor="institution:H64010000001")
    clearing.approve(uow, v.stmt_no, actor="staff:finance", note="以我方结算为准")
    clearing.set_account(uow, "H64010000001", name="测试医院", account_name="测试医院",
                         bank_name="工商银行", account_no="6222020200112233445", actor="staff:finance")  # fmt: skip
    b = clearing.create_batch(uow, region, actor="staff:finance")
    return v.stmt_no, b.batch_no
