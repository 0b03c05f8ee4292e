"""Manual reimbursement end to end on the database (SQLite and PostgreSQL).

宁医保发〔2023〕102号 第二十条 (三级审核), 第二十一条 (受理/一次性告知), 第二十二条 (材料),
第二十三条 (30 个工作日).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from reimb_helpers import (
    AGENT_CERTNO,
    APPROVER,
    FINANCE,
    FIRST,
    INTAKE,
    SECOND,
    add_person,
    application,
    claim,
)
from sqlalchemy import select

from jiuzhu.adapters.db.tables import AuditLog, PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import PermissionDenied, WorkflowError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.fund.queries import findings, trial_balance
from jiuzhu.services.reimbursement.common import claim_from_body
from jiuzhu.services.settlement import settle
from jiuzhu.wire import reimbursement as rb

NX = RegionPolicy.load("ningxia")
D = dt.date


@pytest.fixture
def nx(uow: UnitOfWork) -> UnitOfWork:
    add_person(uow, "P1", [("dibao", D(2024, 1, 1), None)])
    return uow


def test_full_path_three_users_counts_in_running_totals_and_pays(nx: UnitOfWork) -> None:
    # calc-contract §9 settlement 1: dibao (class 二, 80%), base 30,000 →
    # maf 24,000.00; remaining 6,000, over the 3,000 tilt threshold by 3,000 → tilt 2,100.00
    app = rb.intake(
        nx,
        NX,
        application("P1", [claim("S1", "P1", "2024-09-01", "2024-09-10", "30000")]),
        staff=INTAKE,
        today=D(2024, 9, 20),
    )
    assert app["status"] == "in_review"
    assert app["app_no"] == "NX-2024-000001"
    # receipt 2024-09-20 + 30 working days across National Day → 2024-11-06 (see unit test)
    assert app["deadline"] == "2024-11-06"
    assert app["current_level"] == "first_review"
    assert app["account_no"] == "6228***********8901"
    assert app["applicant_name"] == "张*丰"
    no = app["app_no"]
    assert rb.preview(nx, NX, no)["total"] == "26100.00"

    a1 = rb.review(nx, NX, no, staff=FIRST, decision="approve", reason="材料齐全")
    assert a1["current_level"] == "second_review"
    a2 = rb.review(nx, NX, no, staff=SECOND, decision="approve", reason="金额无误")
    assert a2["current_level"] == "approval"
    with nx.read() as s:  # nothing settled before approval
        assert s.get(Settlement, "S1") is None
    a3 = rb.review(nx, NX, no, staff=APPROVER, decision="approve", reason="同意拨付")
    assert a3["status"] == "approved"
    assert (a3["approved_maf"], a3["approved_tilt"], a3["approved_total"]) == (
        "24000.00",
        "2100.00",
        "26100.00",
    )
    assert [d["actor"] for d in a3["decisions"]] == ["alice", "bob", "carol"]
    assert [d["amount_shown"] for d in a3["decisions"]] == ["26100.00"] * 3
    assert all(d["reason"] and d["at"] for d in a3["decisions"])
    with nx.read() as s:
        st = s.get(Settlement, "S1")
        assert st is not None and st.source == "manual" and st.maf_pay == 2_400_000
        t = s.get(PersonYearTotals, ("P1", 2024))
        assert t is not None and (t.s, t.p) == (3_000_000, 2_400_000)

    # payment: batch → bank file (full account) → confirmed paid
    b = rb.create_batch(nx, "ningxia", staff=FINANCE, today=D(2024, 10, 8))
    assert b["batch_no"] == "NX-ZF-2024-0001" and b["total"] == "26100.00"
    assert b["items"][0]["account_no"] == "6228***********8901"
    data = rb.export_batch(nx, b["batch_no"], "csv", staff=FINANCE)
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "序号",
        "受理编号",
        "人员编号",
        "收款人户名",
        "开户银行",
        "银行账号",
        "金额（元）",
    ]
    assert rows[1][5] == "6228480012345678901" and rows[1][6] == "26100.00"
    assert rows[1][3] == "张三丰"
    xlsx = rb.export_batch(nx, b["batch_no"], "xlsx", staff=FINANCE)
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(xlsx)).active
    assert ws is not None
    assert ws.cell(2, 6).value == "6228480012345678901"
    paid = rb.confirm_batch(nx, b["batch_no"], staff=FINANCE, bank_reference="BANK-001")
    assert paid["status"] == "paid"
    assert rb.get_application(nx, no)["status"] == "paid"
    with pytest.raises(WorkflowError):
        rb.confirm_batch(nx, b["batch_no"], staff=FINANCE)
    # the fund: approval owed the person 26,100.00 (Dr 零星报销 24,000.00, Dr 倾斜 2,100.00,
    # Cr 应付救助对象 26,100.00); the confirmed batch paid it (Dr 应付, Cr 支出户存款)
    tb = {r.account_code: (r.debit, r.credit) for r in trial_balance(nx, D(2099, 1, 1))}
    assert tb["500105"] == (2_400_000, 0) and tb["500104"] == (210_000, 0)
    assert tb["210102"] == (2_610_000, 2_610_000) and tb["1004"] == (0, 2_610_000)
    assert findings(nx) == []
    # the audit trail holds every step, with masked personal data only
    with nx.read() as s:
        acts = [
            a.action
            for a in s.scalars(
                select(AuditLog).where(AuditLog.entity == "reimb_application").order_by(AuditLog.id)
            )
        ]
        assert acts == [
            "intake",
            "review_first_review_approve",
            "review_second_review_approve",
            "review_approval_approve",
            "paid",
        ]
        blob = str([(a.before, a.after) for a in s.scalars(select(AuditLog))])
        assert "6228480012345678901" not in blob and "张三丰" not in blob


def _accepted(uow: UnitOfWork, setl: str = "S1") -> str:
    app = rb.intake(
        uow,
        NX,
        application("P1", [claim(setl, "P1", "2024-09-01", "2024-09-10", "1000")]),
        staff=INTAKE,
        today=D(2024, 9, 20),
    )
    assert app["status"] == "in_review", app["problems"]
    return str(app["app_no"])


def test_same_person_cannot_decide_two_levels(nx: UnitOfWork) -> None:
    no = _accepted(nx)
    both = rb.Staff("eve", frozenset({"first_review", "second_review"}))
    rb.review(nx, NX, no, staff=both, decision="approve", reason="ok")
    with pytest.raises(WorkflowError, match="同一人不能办理两级审核"):
        rb.review(nx, NX, no, staff=both, decision="approve", reason="ok")
    assert rb.get_application(nx, no)["current_level"] == "second_review"


def test_skipping_or_repeating_a_level_is_refused(nx: UnitOfWork) -> None:
    no = _accepted(nx)
    with pytest.raises(WorkflowError, match="不能越级"):
        rb.review(nx, NX, no, staff=APPROVER, decision="approve", level="approval")
    with pytest.raises(PermissionDenied):  # the approver cannot take the first review either
        rb.review(nx, NX, no, staff=APPROVER, decision="approve")
    rb.review(nx, NX, no, staff=FIRST, decision="approve", level="first_review")
    other_first = rb.Staff("frank", frozenset({"first_review"}))
    with pytest.raises(WorkflowError, match="不能重复"):
        rb.review(nx, NX, no, staff=other_first, decision="approve", level="first_review")
    # admin does not stand in for a level's role (separation of duties)
    with pytest.raises(PermissionDenied):
        rb.review(nx, NX, no, staff=rb.Staff("root", frozenset({"admin"})), decision="approve")


def test_rejection_ends_it_with_reasons_and_settles_nothing(nx: UnitOfWork) -> None:
    no = _accepted(nx)
    rb.review(nx, NX, no, staff=FIRST, decision="approve")
    with pytest.raises(Exception, match="理由"):
        rb.review(nx, NX, no, staff=SECOND, decision="reject", reason=" ")
    out = rb.review(nx, NX, no, staff=SECOND, decision="reject", reason="发票与费用清单金额不符")
    assert out["status"] == "rejected"
    assert out["decision_reason"] == "发票与费用清单金额不符"
    with pytest.raises(WorkflowError):
        rb.review(nx, NX, no, staff=APPROVER, decision="approve")
    with nx.read() as s:
        assert s.get(Settlement, "S1") is None


def test_incomplete_application_gets_one_notice_listing_everything(nx: UnitOfWork) -> None:
    # one-stop already settled S0; med_type 11 (普通门诊) is outside ningxia 第十三条;
    # S3 lies before the dibao identity; agent with a wrong check digit; no bank account;
    # materials: only the hukou copy
    settle(
        nx,
        NX,
        claim_from_body(claim("S0", "P1", "2024-05-01", "2024-05-03", "500")),
        source="one_stop",
        actor="test",
    )
    raw = application(
        "P1",
        [
            claim("S0", "P1", "2024-05-01", "2024-05-03", "500"),
            claim("S2", "P1", "2024-06-01", "2024-06-01", "300", med_type="11"),
            claim("S3", "P1", "2023-11-01", "2023-11-05", "800"),
        ],
        materials=["hukou"],
        agent={"name": "李四", "certno": AGENT_CERTNO[:-1] + "1", "relation": "子女"},
        account_no="",
    )
    out = rb.intake(nx, NX, raw, staff=INTAKE, today=D(2024, 9, 20))
    assert out["status"] == "returned"
    assert out["deadline"] is None
    msgs = [p["message"] for p in out["problems"]]
    codes = [p["code"] for p in out["problems"]]
    for name in (
        "本人社保卡（已开通金融功能）或本人身份证+银行卡",
        "代办的提供代办人身份证",
        "基本医保、大病保险报销后的结算单",
        "医院发票",
        "费用清单",
        "出院记录（出院证）",
    ):
        assert f"缺少材料：{name}" in msgs
    assert "缺少材料：户口簿复印件" not in msgs
    assert codes.count("missing_material") == 6
    assert "agent_certno" in codes
    assert "account_no" in codes
    assert "already_settled" in codes
    assert "visit_type_not_covered" in codes
    assert "no_identity" in codes
    assert all(p["ref"] for p in out["problems"] if p["code"] == "missing_material")
    assert out["agent"]["certno"].startswith("1*****") and "*" in out["agent"]["certno"]


def test_unknown_person_and_missing_configuration(nx: UnitOfWork) -> None:
    out = rb.intake(
        nx,
        NX,
        application("NOBODY", [claim("S9", "NOBODY", "2024-09-01", "2024-09-02", "10")]),
        staff=INTAKE,
        today=D(2024, 9, 20),
    )
    assert out["status"] == "returned"
    assert [p["code"] for p in out["problems"]] == ["unknown_person"]
    xj = RegionPolicy.load("xinjiang")
    with pytest.raises(rb.NotConfigured, match="reimb_review_levels") as exc:
        rb.intake(nx, xj, application("P1", []), staff=INTAKE)
    assert "reimb_deadline_working_days" in str(exc.value) and "reimb_materials" in str(exc.value)
    with pytest.raises(PermissionDenied):
        rb.intake(nx, NX, application("P1", []), staff=FIRST)


def _liuzhou_params() -> dict[str, str]:
    """Every benefit parameter set (the figures are the test's, not liuzhou's: 桂政办发〔2022〕5号
    is not in the folder): no deductible, 100%, cap 1,000; tilt ratio 0."""
    spec = RegionPolicy.load("liuzhou").spec
    out = {}
    for name, decl in spec.parameters.items():
        if decl.unit == "choice":
            out[name] = (decl.choices or [""])[0]
        elif decl.unit == "ratio":
            out[name] = "0" if name.startswith("tilt") else "1"
        elif decl.unit == "yuan":
            out[name] = "0" if ("deductible" in name or "threshold" in name) else "1000"
    out["reimb_deadline_working_days"] = "20"
    out["reimb_materials"] = "申请表；身份证；医疗费用票据"
    return out


def test_liuzhou_two_levels_from_policy_with_operator_deadline(uow: UnitOfWork) -> None:
    # 柳州任务清单 七（四）: 初审 (乡镇/街道) → 审批 (县区医保部门); deadline and materials: operator
    add_person(uow, "L1", [("tekun", D(2024, 1, 1), None)])
    lz = RegionPolicy.load("liuzhou", cli_params=_liuzhou_params())
    raw = application(
        "L1",
        [claim("L-S1", "L1", "2024-09-01", "2024-09-03", "500")],
        materials=["申请表", "身份证"],
    )
    back = rb.intake(uow, lz, raw, staff=INTAKE, today=D(2024, 9, 20))
    assert [p["message"] for p in back["problems"]] == ["缺少材料：医疗费用票据"]
    raw["materials"].append("医疗费用票据")
    app = rb.intake(uow, lz, raw, staff=INTAKE, today=D(2024, 9, 20))
    assert [lv["level"] for lv in app["levels"]] == ["first_review", "approval"]
    assert app["deadline_working_days"] == 20
    # 20 working days after 2024-09-20: 09-23..27 (5), 09-29 Sun 调休 (6), 09-30 (7),
    # 10-01..07 off, 10-08..11 (11), 10-12 Sat 调休 (12), 10-14..18 (17), 10-21, 22, 23 (20)
    assert app["deadline"] == "2024-10-23"
    rb.review(uow, lz, app["app_no"], staff=FIRST, decision="approve")
    with pytest.raises(WorkflowError, match="没有 复审"):
        rb.review(uow, lz, app["app_no"], staff=SECOND, decision="approve", level="second_review")
    out = rb.review(uow, lz, app["app_no"], staff=APPROVER, decision="approve")
    assert out["status"] == "approved" and out["approved_total"] == "500.00"


def test_lists_by_status_deadline_and_reviewer(nx: UnitOfWork) -> None:
    a = _accepted(nx, "S1")
    b = _accepted(nx, "S2")
    rb.review(nx, NX, a, staff=FIRST, decision="approve")
    assert {x["app_no"] for x in rb.list_applications(nx, status="in_review")} == {a, b}
    assert [x["app_no"] for x in rb.list_applications(nx, reviewer="alice")] == [a]
    assert [x["app_no"] for x in rb.list_applications(nx, awaiting="first_review")] == [b]
    assert [x["app_no"] for x in rb.list_applications(nx, awaiting="second_review")] == [a]
    # deadline 2024-11-06: on 2024-11-01 (Fri) it is 3 working days away (11-04, 05, 06)
    due = rb.list_applications(nx, due_within=3, today=D(2024, 11, 1))
    assert {x["app_no"] for x in due} == {a, b}
    assert due[0]["working_days_left"] == 3
    assert rb.list_applications(nx, due_within=2, today=D(2024, 11, 1)) == []
    assert rb.list_applications(nx, overdue=True, today=D(2024, 11, 6)) == []
    late = rb.list_applications(nx, overdue=True, today=D(2024, 11, 7))
    assert {x["app_no"] for x in late} == {a, b} and late[0]["overdue"]


def test_approval_is_atomic_settlements_and_decision_together(nx: UnitOfWork) -> None:
    """If one claim cannot be settled at approval, nothing of the approval counts."""
    from jiuzhu.domain.errors import Conflict

    app = rb.intake(
        nx,
        NX,
        application(
            "P1",
            [
                claim("A1", "P1", "2024-09-01", "2024-09-05", "10000"),
                claim("A2", "P1", "2024-09-06", "2024-09-10", "20000"),
            ],
        ),
        staff=INTAKE,
        today=D(2024, 9, 20),
    )
    no = app["app_no"]
    rb.review(nx, NX, no, staff=FIRST, decision="approve", reason="材料齐全")
    rb.review(nx, NX, no, staff=SECOND, decision="approve", reason="金额无误")
    # meanwhile A2 arrives through the one-stop path with another body (base 5,000)
    other = claim_from_body(claim("A2", "P1", "2024-09-06", "2024-09-10", "5000"))
    settle(nx, NX, other, source="one_stop", actor="hospital")
    with pytest.raises(Conflict):
        rb.review(nx, NX, no, staff=APPROVER, decision="approve", reason="同意拨付")
    with nx.read() as s:
        assert s.get(Settlement, "A1") is None  # rolled back with the failed approval
        t = s.get(PersonYearTotals, ("P1", 2024))
        # only the hospital's A2: base 5,000 × 80% = 4,000.00
        assert t is not None and (t.s, t.p) == (500_000, 400_000)
    shown = rb.get_application(nx, no)
    assert shown["current_level"] == "approval"
    assert [d["actor"] for d in shown["decisions"]] == ["alice", "bob"]
