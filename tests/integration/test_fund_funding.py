"""Funding (issue 13 item 4): income, transfers, year-end remittance and closing, the
monthly request, and the gap rule — figures worked by hand from the regulation text."""

from __future__ import annotations

import datetime as dt

import pytest
from settlement_support import D, add_person
from sqlalchemy import func, select

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.funding_tables import FundMove
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.errors import Conflict, InputError, MissingParameter, WorkflowError
from jiuzhu.domain.events import Paid, PaidLine
from jiuzhu.domain.journal import Entry, Line
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import messagebus
from jiuzhu.services.fund import commands
from jiuzhu.services.fund.funding import gap, moves, plans
from jiuzhu.services.fund.queries import findings, trial_balance
from jiuzhu.services.settlement import settle

NX = RegionPolicy.load("ningxia")
H1 = "H64010000001"


def _tb(uow: UnitOfWork, day: dt.date) -> dict[str, int]:
    """account → debit − credit."""
    return {r.account_code: r.debit - r.credit for r in trial_balance(uow, day)}


def _counts(uow: UnitOfWork) -> tuple[int, int, int]:
    with uow.read() as s:
        return (
            int(s.scalar(select(func.count()).select_from(JournalEntry)) or 0),
            int(s.scalar(select(func.count()).select_from(JournalLine)) or 0),
            int(s.scalar(select(func.count()).select_from(FundMove)) or 0),
        )


def test_ningxia_year_end_remittance_and_closing(uow: UnitOfWork) -> None:
    """宁医保发〔2023〕102号 第二十七条: the 支出户's balance and its interest, all of it, back on
    31 December; then 滚存结余.

    财政专户 receives 5,000,000.00 (本级财政); 1,200,000.00 go to the 支出户 (county 640104);
    a dibao stay with base 30,000.00 pays 80% = 24,000.00 + tilt (30,000 − 24,000 = 6,000
    remaining, over 3,000: 3,000 × 70% = 2,100.00) = 26,100.00 owed to the hospital, paid
    from the 支出户; interest 1,234.56 lands in the 支出户.
    Balance on 31 Dec: 1,200,000.00 − 26,100.00 + 1,234.56 = 1,175,134.56 → remitted.
    财政专户 after: 5,000,000.00 − 1,200,000.00 + 1,175,134.56 = 4,975,134.56.
    Closing: income 5,000,000.00 + 1,234.56, expense 24,000.00 + 2,100.00 → 一般基金结余
    5,001,234.56 − 26,100.00 = 4,975,134.56 (= the 财政专户: the books balance).
    """
    add_person(uow, "A", [("dibao", D(2025, 1, 1), None)])
    with uow.begin() as s:
        p = s.scalar(select(Person).where(Person.psn_no == "A"))
        assert p is not None
        p.county = "640104"
    moves.record_income(
        uow, moves.Income("ningxia", "own", 500_000_000, "宁财社〔2025〕1号", D(2025, 1, 10)),
        actor="t",
    )  # fmt: skip
    moves.transfer(uow, moves.Transfer("ningxia", "640104", 120_000_000, "拨-2025-01", D(2025, 2, 1)),
                   actor="t")  # fmt: skip
    claim = Claim("S1", "A", dt.datetime(2025, 3, 5, 9), "21", D(2025, 3, 1), D(2025, 3, 5),
                  3_000_000, 0, 0)  # fmt: skip
    settle(uow, NX, claim, source="one_stop", actor="t", institution=H1)
    with uow.begin() as s:
        messagebus.publish(
            s,
            Paid(
                "PAY-1", "ningxia", D(2025, 4, 1), (PaidLine("hospital", H1, 2_610_000, "640104"),)
            ),
        )
    moves.record_income(
        uow, moves.Income("ningxia", "interest", 123_456, "息-2025", D(2025, 12, 21), "640104",
                          into_expenditure=True), actor="t",
    )  # fmt: skip
    tb = _tb(uow, D(2025, 12, 31))
    assert tb["1004"] == 117_513_456
    out = moves.remit_year_end(uow, "ningxia", 2025, "缴-2025", actor="t")
    assert out.lines == [("1004", "640104", 117_513_456)] and out.overdrawn == []
    tb = _tb(uow, D(2025, 12, 31))
    assert tb["1004"] == 0
    assert tb["1003"] == 497_513_456
    moves.close_year(uow, "ningxia", 2025, "结转-2025", actor="t")
    tb = _tb(uow, D(2025, 12, 31))
    assert tb["3001"] == -497_513_456  # a credit balance
    assert all(tb[a] == 0 for a in ("4101", "4301", "500101", "500104"))
    with pytest.raises(Conflict):
        moves.close_year(uow, "ningxia", 2025, "结转-2025b", actor="t")
    with pytest.raises(InputError, match="nothing to remit"):
        moves.remit_year_end(uow, "ningxia", 2025, "缴-2025b", actor="t")
    assert findings(uow) == []


def _expense(uow: UnitOfWork, doc: str, day: dt.date, county: str, fen: int) -> None:
    commands.post_manual(
        uow,
        Entry("shuangyashan", day, "manual", doc, "救助支出",
              (Line("500101", fen, 0, None, county), Line("210101", 0, fen, None, county))),
        actor="t",
    )  # fmt: skip


def _income(uow: UnitOfWork, doc: str, day: dt.date, county: str, fen: int) -> None:
    moves.record_income(uow, moves.Income("shuangyashan", "own", fen, doc, day, county), actor="t")


def test_shuangyashan_gap_own_balance_then_same_level_government(uow: UnitOfWork) -> None:
    """双鸭山实施办法 第十七条. 2024: 市本级 income 100,000.00, expense 90,000.00 → 结余
    10,000.00; 集贤县 (230521) 50,000.00 − 45,000.00 → 5,000.00.
    2025: 市本级 (尖山区 230502 is the city's) 100,000.00 − 130,000.00 → gap 30,000.00:
    10,000.00 from its balance, 20,000.00 the city government's. 集贤县 50,000.00 −
    80,000.00 → gap 30,000.00: 5,000.00 from its balance, 25,000.00 the county
    government's. 友谊县 10,000.00 − 4,000.00: no gap; 宝清县, 饶河县 nothing: not every
    agency is short, so no sharing (and no ratio needed)."""
    _income(uow, "I24-C", D(2024, 3, 1), "230500", 10_000_000)
    _expense(uow, "E24-C", D(2024, 6, 1), "230500", 9_000_000)
    _income(uow, "I24-J", D(2024, 3, 1), "230521", 5_000_000)
    _expense(uow, "E24-J", D(2024, 6, 1), "230521", 4_500_000)
    _income(uow, "I25-C", D(2025, 3, 1), "230502", 10_000_000)
    _expense(uow, "E25-C", D(2025, 6, 1), "230502", 13_000_000)
    _income(uow, "I25-J", D(2025, 3, 1), "230521", 5_000_000)
    _expense(uow, "E25-J", D(2025, 6, 1), "230521", 8_000_000)
    _income(uow, "I25-Y", D(2025, 3, 1), "230522", 1_000_000)
    _expense(uow, "E25-Y", D(2025, 6, 1), "230522", 400_000)
    rows = {r.agency: r for r in gap.gap_sharing(uow, RegionPolicy.load("shuangyashan"), 2025)}
    city, jx, yy = rows["230500"], rows["230521"], rows["230522"]
    assert (city.gap, city.balance_before, city.from_balance, city.same_level_government) == (
        3_000_000, 1_000_000, 1_000_000, 2_000_000)  # fmt: skip
    assert (jx.gap, jx.from_balance, jx.same_level_government) == (3_000_000, 500_000, 2_500_000)
    assert (yy.gap, yy.same_level_government, yy.step) == (0, 0, "收支相抵无缺口")
    assert rows["230523"].step == rows["230524"].step == "收支相抵无缺口"
    assert all(r.city_government == r.county_government == 0 for r in rows.values())


def test_shuangyashan_gap_two_level_sharing(uow: UnitOfWork) -> None:
    """Every agency short in 2025, no balance carried: the two-level sharing at the
    operator's ratio, city government 60% half-up to the fen:
    市本级 10,000.00 → all the city's; 集贤县 20,000.01 × 0.6 = 12,000.006 → 12,000.01,
    county 8,000.00; 友谊县 7,777.77 × 0.6 = 4,666.662 → 4,666.66, county 3,111.11;
    宝清县 100.05 × 0.6 = 60.03, county 40.02; 饶河县 0.05 × 0.6 = 0.03, county 0.02.
    Without the ratio the rule stops, naming the parameter."""
    for county, fen in (("230500", 1_000_000), ("230521", 2_000_001), ("230522", 777_777),
                        ("230523", 10_005), ("230524", 5)):  # fmt: skip
        _expense(uow, f"E-{county}", D(2025, 6, 1), county, fen)
    with pytest.raises(MissingParameter, match="gap_city_share"):
        gap.gap_sharing(uow, RegionPolicy.load("shuangyashan"), 2025)
    policy = RegionPolicy.load("shuangyashan", cli_params={"gap_city_share": "0.6"})
    rows = {r.agency: (r.city_government, r.county_government, r.same_level_government)
            for r in gap.gap_sharing(uow, policy, 2025)}  # fmt: skip
    assert rows == {
        "230500": (1_000_000, 0, 0),
        "230521": (1_200_001, 800_000, 0),
        "230522": (466_666, 311_111, 0),
        "230523": (6_003, 4_002, 0),
        "230524": (3, 2, 0),
    }


def test_monthly_request_sums_the_agencies_plans(uow: UnitOfWork) -> None:
    """第十六条: 市本级 300,000.00 + 集贤县 120,000.50 + 饶河县 0.50 = 420,001.00, one request."""
    plans.set_plan(uow, "shuangyashan", "2025-03", "230502", 10_000_000, actor="t")
    plans.set_plan(uow, "shuangyashan", "2025-03", "230500", 30_000_000, actor="t")  # replaces
    plans.set_plan(uow, "shuangyashan", "2025-03", "230521", 12_000_050, actor="t")
    plans.set_plan(uow, "shuangyashan", "2025-03", "230524", 50, actor="t")
    req = plans.submit_request(uow, "shuangyashan", "2025-03", "双医保〔2025〕3号", actor="t")
    assert req.total == 42_000_100
    assert [(ln.county, ln.amount) for ln in req.lines] == [
        ("230500", 30_000_000), ("230521", 12_000_050), ("230524", 50)]  # fmt: skip
    with pytest.raises(Conflict):
        plans.set_plan(uow, "shuangyashan", "2025-03", "230521", 1, actor="t")
    with pytest.raises(Conflict):
        plans.submit_request(uow, "shuangyashan", "2025-03", "x", actor="t")
    _income(uow, "I-1", D(2025, 3, 2), "230500", 50_000_000)
    moves.transfer(uow, moves.Transfer("shuangyashan", "230521", 12_000_050, "拨-3", D(2025, 3, 10),
                                       request_month="2025-03"), actor="t")  # fmt: skip
    view = plans.request_view(uow, "shuangyashan", "2025-03")
    assert {ln.county: ln.transferred for ln in view.lines}["230521"] == 12_000_050
    # the county's own 支出户 (市、县分账)
    assert _tb(uow, D(2025, 12, 31))["100402"] == 12_000_050
    # the rest of the request in one go: 市本级 300,000.00 and 饶河县 0.50 (集贤县 is paid)
    out = plans.transfer_request(uow, "shuangyashan", "2025-03", "拨-3b", D(2025, 3, 12), actor="t")
    assert [(m.county, m.amount, m.document) for m in out] == [
        ("230500", 30_000_000, "拨-3b-230500"), ("230524", 50, "拨-3b-230524")]  # fmt: skip
    tb = _tb(uow, D(2025, 12, 31))
    assert (tb["100401"], tb["100405"]) == (30_000_000, 50)
    # 财政专户: 500,000.00 − 120,000.50 − 300,000.00 − 0.50 = 79,999.00
    assert tb["1003"] == 7_999_900
    with pytest.raises(InputError, match="nothing left"):
        plans.transfer_request(uow, "shuangyashan", "2025-03", "拨-3c", D(2025, 3, 12), actor="t")
    plans.set_plan(uow, "shuangyashan", "2025-04", "230521", 100, actor="t")
    with pytest.raises(WorkflowError, match="not submitted"):
        plans.transfer_request(uow, "shuangyashan", "2025-04", "拨-4", D(2025, 4, 12), actor="t")


def test_bad_input_writes_nothing(uow: UnitOfWork) -> None:
    _income(uow, "I-1", D(2025, 3, 2), "230500", 1_000_000)
    before = _counts(uow)
    sy = "shuangyashan"
    with pytest.raises(InputError, match="county"):
        moves.transfer(uow, moves.Transfer(sy, "999999", 100, "T-1", D(2025, 3, 3)), actor="t")
    with pytest.raises(InputError, match="county"):
        moves.transfer(uow, moves.Transfer(sy, None, 100, "T-1", D(2025, 3, 3)), actor="t")
    with pytest.raises(InputError, match="positive"):
        moves.transfer(uow, moves.Transfer(sy, "230521", -100, "T-1", D(2025, 3, 3)), actor="t")
    with pytest.raises(InputError, match="余额不足"):
        moves.transfer(
            uow, moves.Transfer(sy, "230521", 1_000_001, "T-1", D(2025, 3, 3)), actor="t"
        )
    with pytest.raises(InputError, match="source"):
        moves.record_income(uow, moves.Income(sy, "gift", 100, "X", D(2025, 3, 3)), actor="t")
    with pytest.raises(InputError, match="document"):
        moves.record_income(uow, moves.Income(sy, "own", 100, " ", D(2025, 3, 3)), actor="t")
    with pytest.raises(Conflict):
        _income(uow, "I-1", D(2025, 3, 2), "230500", 1)
    with pytest.raises(InputError, match="debits"):
        Entry(sy, D(2025, 3, 3), "manual", "M", "x", (Line("1003", 100), Line("4101", 0, 99)))
    commands.close_month(uow, sy, "2025-04", actor="t")
    with pytest.raises(WorkflowError, match="2025-04"):
        _income(uow, "I-2", D(2025, 4, 2), "230500", 100)
    with pytest.raises(WorkflowError, match="2025-04"):
        moves.transfer(uow, moves.Transfer(sy, "230521", 100, "T-2", D(2025, 4, 3)), actor="t")
    assert _counts(uow) == before
