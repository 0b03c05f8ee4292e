"""Hospital clearing and payment, worked by hand (宁医保发〔2023〕102号 第三十条).

tekun (特困, class 一) is assisted at 100% in ningxia (第十四条（一）) with no deductible
and no rest: a stay with policy-scope self-pay B pays maf_pay = B, tilt_pay = 0. So each
settlement's fund pay (maf_pay + tilt_pay) is its base, and its 医疗费总额 is its
inscp_scp_amt (no medfee_sumamt given; calc-contract §11 lets it stand in).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from settlement_support import D, add_person, new_key
from sqlalchemy import func, select

from jiuzhu.adapters.db.clearing_tables import ClearingStatement, HospitalPaymentBatch
from jiuzhu.adapters.db.fund_tables import JournalEntry
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.clearing import TheirLine, Totals
from jiuzhu.domain.errors import Conflict, InputError, NotFound, WorkflowError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.fund import commands
from jiuzhu.services.fund.clearing import apply, parse, queries
from jiuzhu.services.fund.clearing.parse import StatementIn
from jiuzhu.services.fund.queries import findings, payables, trial_balance
from jiuzhu.services.settlement import reverse, settle

NX = RegionPolicy.load("ningxia")
H1 = "H64010000001"
TODAY = D(2024, 5, 10)


def _stay(setl_id: str, base_fen: int, day: dt.date, psn: str = "A") -> Claim:
    return Claim(setl_id, psn, dt.datetime.combine(day, dt.time(9)), "21", day, day, base_fen, 0, 0)


def _march(uow: UnitOfWork) -> None:
    """S1 5,000.00, S2 3,000.00, S3 2,000.00 stand; S4 1,000.00 reversed; S5 in April."""
    add_person(uow, "A", [("tekun", D(2024, 1, 1), None)])
    new_key(uow, H1)
    for sid, base, day in (
        ("S1", 500_000, D(2024, 3, 2)),
        ("S2", 300_000, D(2024, 3, 9)),
        ("S3", 200_000, D(2024, 3, 31)),
        ("S4", 100_000, D(2024, 3, 15)),
        ("S5", 70_000, D(2024, 4, 1)),
    ):
        settle(uow, NX, _stay(sid, base, day), source="one_stop", actor="t", institution=H1)
    reverse(uow, "S4", actor="t")


def _stmt(detail: tuple[TheirLine, ...] | None = None, totals: Totals | None = None,
          code: str = H1, begin: dt.date = D(2024, 3, 1), end: dt.date = D(2024, 3, 31)) -> StatementIn:  # fmt: skip
    return StatementIn(code, begin, end, totals, detail)


def test_statement_with_one_missing_one_extra_one_differing(uow: UnitOfWork) -> None:
    _march(uow)
    # the hospital lists S1 right, S2 at 2,900.00 (we paid 3,000.00), S9 we never settled,
    # and leaves out S3; S4 is reversed on our side and absent on theirs: that agrees.
    detail = (
        TheirLine(2, "S1", 500_000, 500_000),
        TheirLine(3, "S2", 300_000, 290_000),
        TheirLine(4, "S9", 80_000, 80_000),
    )
    v = apply.submit(uow, "ningxia", _stmt(detail), actor="hospital:H1", today=TODAY)
    got = {(d.kind, d.setl_id, d.theirs_fund_pay, d.ours_fund_pay) for d in v.differences}
    assert got == {
        ("amount_differs", "S2", 290_000, 300_000),
        ("missing_ours", "S9", 80_000, None),
        ("missing_theirs", "S3", None, 200_000),
    }
    assert v.stmt_rslt == "1"
    assert "金额不符 1 处" in v.stmt_rslt_dscr and "我方无此结算 1 处" in v.stmt_rslt_dscr
    # ours: S1 + S2 + S3 = 5,000 + 3,000 + 2,000 = 10,000.00 in 3 settlements (S4 reversed)
    assert (v.ours_setl_cnt, v.ours_fund_pay_sumamt, v.ours_medfee_sumamt) == (
        3,
        1_000_000,
        1_000_000,
    )
    assert v.status == "compared"
    # unbalanced: approval needs the case worker's note
    with pytest.raises(InputError, match="note|意见"):
        apply.approve(uow, v.stmt_no, actor="staff:f")
    apply.approve(uow, v.stmt_no, actor="staff:f", note="S2 以我方为准；S9 医院撤回；S3 医院补报")
    with pytest.raises(WorkflowError):
        apply.approve(uow, v.stmt_no, actor="staff:f", note="again")
    # the hospital sees its own statement, not another's
    assert queries.get_statement(uow, v.stmt_no, institution=H1).stmt_no == v.stmt_no
    with pytest.raises(NotFound):
        queries.get_statement(uow, v.stmt_no, institution="H99")


def test_totals_and_a_reversal_on_one_side(uow: UnitOfWork) -> None:
    _march(uow)
    # 3201: 4 settlements, 医疗费 11,000.00, 基金 11,000.00 (the hospital still counts S4):
    # each of the three figures differs from ours (3; 10,000.00; 10,000.00)
    v = apply.submit(
        uow, "ningxia",
        _stmt(totals=Totals(4, 1_100_000, 1_100_000),
              detail=(TheirLine(2, "S1", 500_000, 500_000), TheirLine(3, "S2", 300_000, 300_000),
                      TheirLine(4, "S3", 200_000, 200_000), TheirLine(5, "S4", 100_000, 100_000))),
        actor="t", today=TODAY,
    )  # fmt: skip
    kinds = sorted(d.kind for d in v.differences)
    assert kinds == ["reversed", "totals_differ", "totals_differ", "totals_differ"]
    rev = next(d for d in v.differences if d.kind == "reversed")
    assert rev.setl_id == "S4" and "我方已撤销" in rev.detail


def test_balanced_statement_paid_clears_the_payable(uow: UnitOfWork) -> None:
    _march(uow)
    lines = (TheirLine(2, "S1", 500_000, 500_000), TheirLine(3, "S2", 300_000, 300_000),
             TheirLine(4, "S3", 200_000, 200_000))  # fmt: skip
    v = apply.submit(uow, "ningxia", _stmt(lines, Totals(3, 1_000_000, 1_000_000)), actor="t",
                     today=TODAY)  # fmt: skip
    assert (v.stmt_rslt, v.differences) == ("0", [])
    apply.approve(uow, v.stmt_no, actor="staff:f")
    # payable before: S1..S5 = 5,000 + 3,000 + 2,000 + 700 (S4 reversed) = 10,700.00
    assert [(p.fixmedins_code, p.unpaid) for p in payables(uow, D(2099, 1, 1))] == [(H1, 1_070_000)]
    with pytest.raises(WorkflowError, match="账户"):
        apply.create_batch(uow, "ningxia", actor="staff:f")
    with pytest.raises(InputError, match="account_no"):
        apply.set_account(uow, H1, name="第一医院", account_name="第一医院", bank_name="工行",
                          account_no="12ab", actor="staff:f")  # fmt: skip
    apply.set_account(uow, H1, name="第一医院", account_name="宁夏第一人民医院", bank_name="工行银川分行",
                      account_no="6222020200112233445", actor="staff:f")  # fmt: skip
    b = apply.create_batch(uow, "ningxia", actor="staff:f", today=TODAY)
    assert (b.count, b.total, b.status) == (1, 1_000_000, "created")
    assert b.lines[0].account_no_masked == "6222***********3445"
    with pytest.raises(WorkflowError, match="导出"):
        apply.confirm_batch(uow, b.batch_no, actor="staff:f")
    data = apply.export_batch(uow, b.batch_no, actor="staff:f")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:7] == [
        "序号",
        "批次号",
        "定点医药机构编码",
        "收款户名",
        "开户银行",
        "银行账号",
        "金额（元）",
    ]
    assert rows[1][2:7] == [
        H1,
        "宁夏第一人民医院",
        "工行银川分行",
        "6222020200112233445",
        "10000.00",
    ]
    apply.confirm_batch(uow, b.batch_no, actor="staff:f", bank_reference="BK-1", day=D(2024, 5, 12))
    with pytest.raises(WorkflowError):
        apply.confirm_batch(uow, b.batch_no, actor="staff:f")
    # after: 10,700.00 − 10,000.00 = 700.00 (S5, April, not yet stated)
    assert [(p.fixmedins_code, p.unpaid) for p in payables(uow, D(2099, 1, 1))] == [(H1, 70_000)]
    # before the payment's day the payable is still whole
    assert [(p.fixmedins_code, p.unpaid) for p in payables(uow, D(2024, 5, 11))] == [
        (H1, 1_070_000)
    ]
    tb = {r.account_code: (r.debit, r.credit) for r in trial_balance(uow, D(2099, 1, 1))}
    assert tb["1004"] == (0, 1_000_000)  # 贷 支出户存款 10,000.00
    assert sum(d for d, _ in tb.values()) == sum(c for _, c in tb.values())
    assert queries.get_statement(uow, v.stmt_no).status == "paid"
    assert findings(uow) == []


def test_bad_statements_write_nothing(uow: UnitOfWork) -> None:
    _march(uow)
    one = (TheirLine(2, "S1", 500_000, 500_000),)
    with pytest.raises(NotFound, match="unknown hospital"):
        apply.submit(uow, "ningxia", _stmt(one, code="H00000000999"), actor="t", today=TODAY)
    with pytest.raises(InputError, match="unknown period"):  # not over yet
        apply.submit(uow, "ningxia", _stmt(one, end=D(2024, 5, 31)), actor="t", today=TODAY)
    with pytest.raises(InputError, match="unknown period"):  # ends before it begins
        apply.submit(uow, "ningxia", _stmt(one, begin=D(2024, 3, 31), end=D(2024, 3, 1)), actor="t",
                     today=TODAY)  # fmt: skip
    with pytest.raises(InputError):
        apply.submit(uow, "ningxia", _stmt(None, None), actor="t", today=TODAY)
    with uow.read() as s:
        assert s.scalar(select(func.count()).select_from(ClearingStatement)) == 0
    apply.submit(uow, "ningxia", _stmt(one), actor="t", today=TODAY)
    with pytest.raises(Conflict, match="重叠"):
        apply.submit(uow, "ningxia", _stmt(one, begin=D(2024, 3, 15), end=D(2024, 4, 15)), actor="t",
                     today=TODAY)  # fmt: skip


def test_detail_file_errors_are_located() -> None:
    ok = "setl_id,medfee_sumamt,fund_pay_sumamt,refd_setl_flag\nS1,100.00,80.00,0\nS2,50,50.5,1\n"
    lines = parse.detail_from_file("d.csv", ok.encode())
    assert [(t.line, t.setl_id, t.medfee_sumamt, t.fund_pay_sumamt, t.refd) for t in lines] == [
        (2, "S1", 10_000, 8_000, False),
        (3, "S2", 5_000, 5_050, True),
    ]
    zh = "结算ID,医疗费总额,基金支付总额\nS1,1.00,1.00\n"
    assert parse.detail_from_file("d.csv", zh.encode())[0].fund_pay_sumamt == 100
    cases = [
        ("setl_id,medfee_sumamt\nS1,1\n", "line 1, column fund_pay_sumamt"),
        (
            "setl_id,medfee_sumamt,fund_pay_sumamt\nS1,1,-2.00\n",
            "line 2, column fund_pay_sumamt: negative",
        ),
        ("setl_id,medfee_sumamt,fund_pay_sumamt\nS1,1,1\nS1,1,1\n", "line 3, column setl_id"),
        ("setl_id,medfee_sumamt,fund_pay_sumamt\nS1,1.234,1\n", "line 2, column medfee_sumamt"),
    ]
    for text, where in cases:
        with pytest.raises(InputError) as e:
            parse.detail_from_file("d.csv", text.encode())
        assert e.value.message.startswith("d.csv, " + where), e.value.message
    with pytest.raises(InputError, match=r"details\[1\].setl_id"):
        parse.detail_from_json(
            [{"setl_id": "A", "fund_pay_sumamt": "1"}, {"setl_id": "A", "fund_pay_sumamt": "1"}]
        )


def test_a_claw_back_is_deducted_before_paying(uow: UnitOfWork) -> None:
    """Claw-backs of 600.00, 200.00 and 100.00 from S1 (新疆规程 第二十四条): the books owe
    10,700 − 900 = 9,800.00, less than the statement's 10,000.00 → the batch is refused."""
    _march(uow)
    apply.set_account(uow, H1, name="一院", account_name="一院", bank_name="工行", account_no="62220202001122",
                      actor="t")  # fmt: skip
    v = apply.submit(uow, "ningxia", _stmt((TheirLine(2, "S1", 500_000, 500_000),
                                            TheirLine(3, "S2", 300_000, 300_000),
                                            TheirLine(4, "S3", 200_000, 200_000))), actor="t", today=TODAY)  # fmt: skip
    apply.approve(uow, v.stmt_no, actor="t")
    for doc, fen in (("稽核-1", 60_000), ("稽核-2", 20_000), ("稽核-3", 10_000)):
        commands.claw_back(uow, commands.ClawBack("ningxia", H1, fen, doc, "超标准收费", D(2024, 4, 2), "S1"),
                           actor="t")  # fmt: skip
    # 10,700 − 600 − 200 − 100 = 9,800.00 < 10,000.00
    with pytest.raises(WorkflowError, match="超过账面应付"):
        apply.create_batch(uow, "ningxia", actor="t", today=TODAY)
    with uow.read() as s:
        assert s.scalar(select(func.count()).select_from(HospitalPaymentBatch)) == 0
        assert (
            s.scalar(
                select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "pay")
            )
            == 0
        )
