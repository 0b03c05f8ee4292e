"""Helpers shared by the reimbursement tests (persons, identities, staff, an application)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.tables import Person, PersonIdentity
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.services.reimbursement import Staff

CERTNO = "11010519491231002X"
AGENT_CERTNO = "110101199003070070"

NINGXIA_MATERIALS = [
    "hukou",
    "sbk_or_id_bank",
    "settlement_statement",
    "invoice",
    "fee_list",
    "discharge_record",
]

INTAKE = Staff("clerk", frozenset({"intake"}), "受理员甲")
FIRST = Staff("alice", frozenset({"first_review"}), "初审员")
SECOND = Staff("bob", frozenset({"second_review"}), "复审员")
APPROVER = Staff("carol", frozenset({"approval"}), "审批人")
FINANCE = Staff("dave", frozenset({"finance"}), "财务")


def add_person(
    uow: UnitOfWork,
    psn_no: str,
    identities: list[tuple[str, dt.date, dt.date | None]],
    name: str = "张三丰",
    certno: str = CERTNO,
) -> None:
    c = get_cipher()
    with uow.begin() as s:
        p = Person(
            psn_no=psn_no,
            certno_enc=c.encrypt(certno),
            certno_hash=c.lookup_hash(psn_no + certno),
            name_enc=c.encrypt(name),
        )
        s.add(p)
        s.flush()
        for code, b, e in identities:
            s.add(
                PersonIdentity(
                    person_id=p.id,
                    psn_no=psn_no,
                    code=code,
                    begndate=b,
                    enddate=e,
                    source="minzheng",
                )
            )


def claim(
    setl_id: str,
    psn_no: str,
    begndate: str,
    enddate: str,
    base: str,
    med_type: str = "21",
    **extra: Any,
) -> dict[str, Any]:
    """A settlement whose base (after the three insurances) is ``base`` yuan."""
    return {
        "setl_id": setl_id,
        "psn_no": psn_no,
        "setl_time": f"{enddate} 10:00:00",
        "med_type": med_type,
        "begndate": begndate,
        "enddate": enddate,
        "inscp_scp_amt": base,
        "hifp_pay": "0",
        "hifmi_pay": "0",
        **extra,
    }


def application(psn_no: str, claims: list[dict[str, Any]], **kw: Any) -> dict[str, Any]:
    d: dict[str, Any] = {
        "psn_no": psn_no,
        "received_on": "2024-09-20",
        "materials": list(NINGXIA_MATERIALS),
        "bank_name": "中国农业银行银川分行",
        "account_name": "张三丰",
        "account_no": "6228480012345678901",
        "claims": claims,
    }
    d.update(kw)
    return d
