"""Demonstration data for the staff web application: one login per role (岗位) and
manual reimbursements at every stage (受理, 初审, 复审, 审批, 已拨付, 一次性告知)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

ROLE_LOGINS = (
    ("jingban", "caseworker", "经办员"),
    ("chushen", "first_review", "初审"),
    ("fushen", "second_review", "复审"),
    ("shenpi", "approval", "审批"),
    ("caiwu", "finance", "财务"),
    ("jihe", "auditor", "稽核"),
)
"""username, role code, role name (管理员 is the demo's ``admin``)."""
MATERIALS = ["hukou", "sbk_or_id_bank", "settlement_statement", "invoice", "fee_list",
             "discharge_record"]  # fmt: skip


def ensure_role_users(uow: Any, creds: dict[str, Any]) -> dict[str, str]:
    """A staff account per role; passwords kept in the demo's credentials file."""
    from jiuzhu.services.demo_seed import ensure_login

    logins: dict[str, str] = dict(creds.get("roles") or {})
    for username, role, name in ROLE_LOGINS:
        pw = logins.get(username) or "Jz" + secrets.token_urlsafe(8)
        ensure_login(uow, username, pw, [role], f"演示{name}")
        logins[username] = pw
    return logins


def _claim(n: int, psn_no: str, day: dt.date, inscp: int, hifp: int) -> dict[str, Any]:
    return {
        "setl_id": f"DEMO-R{day.year}{n:04d}",
        "psn_no": psn_no,
        "setl_time": f"{day.isoformat()} 15:00:00",
        "med_type": "21",
        "begndate": (day - dt.timedelta(days=6)).isoformat(),
        "enddate": day.isoformat(),
        "inscp_scp_amt": f"{inscp // 100}.{inscp % 100:02d}",
        "hifp_pay": f"{hifp // 100}.{hifp % 100:02d}",
        "hifmi_pay": "0",
    }


def demo_reimbursements(uow: Any, policy: Any, people: list[dict[str, Any]], year: int) -> int:
    """Six applications in December of the demo year, one at each stage."""
    from jiuzhu.services import reimbursement as rb

    staff = {
        lv: rb.Staff(u, frozenset({lv}), f"演示{n}")
        for u, lv, n in ROLE_LOGINS
        if lv in ("first_review", "second_review", "approval", "finance")
    }
    clerk = rb.Staff("jingban", frozenset({"intake"}), "演示经办员")
    who = [p for p in people if p["spans"] and p["spans"][-1][0] in ("dibao", "tekun", "jiance")]
    stages = ("first", "first", "second", "approval", "paid", "returned")
    made = 0
    paid: list[str] = []
    for i, stage in enumerate(stages):
        p = who[(i * 7) % len(who)]
        day = dt.date(year, 11, 3 + i * 3)
        inscp = 1_200_000 + i * 350_000
        raw = {
            "psn_no": p["psn_no"],
            "received_on": dt.date(year, 12, 1 + i).isoformat(),
            "materials": MATERIALS[:3] if stage == "returned" else MATERIALS,
            "bank_name": "中国农业银行银川分行",
            "account_name": p["name"],
            "account_no": f"62284800{i + 1:011d}",
            "claims": [_claim(i + 1, p["psn_no"], day, inscp, inscp * 55 // 100)],
        }
        app = rb.intake(uow, policy, raw, staff=clerk)
        made += 1
        todo = {"first": 0, "second": 1, "approval": 2, "paid": 3, "returned": 0}[stage]
        for lv in ("first_review", "second_review", "approval")[:todo]:
            rb.review(
                uow,
                policy,
                app.app_no,
                staff=staff[lv],
                decision="approve",
                reason="材料齐全，符合规定",
            )
        if stage == "paid":
            paid.append(app.app_no)
    if paid:
        b = rb.create_batch(uow, policy.region, staff=staff["finance"], app_nos=paid)
        rb.export_batch(uow, b.batch_no, "xlsx", staff=staff["finance"])
        rb.confirm_batch(uow, b.batch_no, staff=staff["finance"], bank_reference="DEMO-BANK-1")
    return made
