"""Budget (宁医保发〔2023〕102号 第二十六条; 双鸭山实施办法 第十四条): the estimate worked by hand,
recorded, audited by another person, and its execution month by month."""

from __future__ import annotations

import datetime as dt

import pytest
from settlement_support import D, add_person
from sqlalchemy import select

from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.errors import Conflict, InputError, WorkflowError
from jiuzhu.domain.events import Subsidised
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import messagebus
from jiuzhu.services.fund.budget import estimate, execution, record
from jiuzhu.services.fund.funding import moves
from jiuzhu.services.settlement import settle

NX = RegionPolicy.load("ningxia")
H = "H64010000001"


def _person(uow: UnitOfWork, psn: str, identity: str, county: str) -> None:
    add_person(uow, psn, [(identity, D(2025, 1, 1), None)])
    with uow.begin() as s:
        p = s.scalar(select(Person).where(Person.psn_no == psn))
        assert p is not None
        p.county = county


def _stay(uow: UnitOfWork, setl_id: str, psn: str, base: int, day: dt.date) -> None:
    claim = Claim(setl_id, psn, dt.datetime.combine(day, dt.time(9)), "21", day, day, base, 0, 0)
    settle(uow, NX, claim, source="one_stop", actor="t", institution=H)


def test_estimate_record_audit_execution(uow: UnitOfWork) -> None:
    """Base year 2025. Beneficiaries on 2025-12-31: 640104 — A (dibao, class 二), C (tekun,
    class 一); 640105 — B (dibao, 二). Class 二: 2 persons, class 一: 1.
    2025 settlements: A inpatient base 30,000.00 → 80% = 24,000.00, tilt (6,000 − 3,000) ×
    70% = 2,100.00; C inpatient 5,000.00 at 100% → 5,000.00.
    Per beneficiary: 二 住院 24,000.00 / 2 = 12,000.00, 倾斜 2,100.00 / 2 = 1,050.00;
    一 住院 5,000.00 / 1 = 5,000.00.
    640104: 住院 12,000.00 + 5,000.00 = 17,000.00, 倾斜 1,050.00, 资助参保 (2025's postings)
    300.00 → 18,350.00; 滚存结余 50,000.00 − 24,000.00 − 2,100.00 − 5,000.00 − 300.00 =
    18,600.00 ≥ the estimate → need 0.
    640105: 住院 12,000.00, 倾斜 1,050.00 → 13,050.00, no balance → need 13,050.00."""
    _person(uow, "A", "dibao", "640104")
    _person(uow, "B", "dibao", "640105")
    _person(uow, "C", "tekun", "640104")
    _stay(uow, "S1", "A", 3_000_000, D(2025, 3, 1))
    _stay(uow, "S2", "C", 500_000, D(2025, 4, 1))
    with uow.begin() as s:
        messagebus.publish(s, Subsidised("Z1", "ningxia", 2025, "640104", 1, 30_000, D(2025, 1, 5)))
    moves.record_income(
        uow, moves.Income("ningxia", "own", 5_000_000, "宁财-1", D(2025, 1, 2), "640104"), actor="t"
    )
    est = estimate.estimate(uow, NX, 2026)
    assert est.per_person["二"] == {"expense_inpatient": 1_200_000, "expense_tilt": 105_000}
    assert est.per_person["一"] == {"expense_inpatient": 500_000, "expense_tilt": 0}
    by = {c.county: c for c in est.counties}
    a, b = by["640104"], by["640105"]
    assert a.beneficiaries == {"一": 1, "二": 1, "三": 0, "四": 0, "五": 0}
    assert (a.items["expense_inpatient"], a.items["expense_tilt"], a.items["expense_subsidy"]) == (
        1_700_000, 105_000, 30_000)  # fmt: skip
    assert (a.total, a.carried, a.need) == (1_835_000, 1_860_000, 0)
    assert (b.total, b.carried, b.need) == (1_305_000, 0, 1_305_000)

    lines = record.lines_of(est)
    with pytest.raises(InputError, match="document"):
        record.record(uow, "ningxia", 2026, " ", lines, day=D(2025, 12, 20), actor="jingban")
    with pytest.raises(InputError, match="item"):
        record.record(uow, "ningxia", 2026, "预-1", {("640104", "beer"): 1}, day=D(2025, 12, 20),
                      actor="jingban")  # fmt: skip
    view = record.record(uow, "ningxia", 2026, "宁医保〔2025〕预1号", lines, day=D(2025, 12, 20),
                         actor="jingban")  # fmt: skip
    assert (view.status, view.total) == ("recorded", 1_835_000 + 1_305_000)
    with pytest.raises(Conflict):
        record.record(uow, "ningxia", 2026, "预-2", lines, day=D(2025, 12, 20), actor="jingban")
    with pytest.raises(WorkflowError, match="recorder"):
        record.approve(uow, "ningxia", 2026, day=D(2025, 12, 28), actor="jingban")
    view = record.approve(uow, "ningxia", 2026, day=D(2025, 12, 28), actor="caiwu")
    assert (view.status, view.audited_by, view.audited_on) == ("audited", "caiwu", D(2025, 12, 28))
    with pytest.raises(WorkflowError):
        record.approve(uow, "ningxia", 2026, day=D(2025, 12, 29), actor="caiwu2")

    # February 2026: A inpatient 10,000.00 → 8,000.00 (remaining 2,000.00 < 3,000.00: no tilt)
    _stay(uow, "S3", "A", 1_000_000, D(2026, 2, 10))
    rows = {(r.county, r.item): r for r in execution.execution(uow, "ningxia", 2026, 3)}
    r = rows[("640104", "expense_inpatient")]
    # 8,000.00 / 17,000.00 = 47.0588…% → 47.06% (4706 in 1/10000)
    assert (r.budget, r.months, r.actual, r.ratio_bp) == (1_700_000, (0, 800_000, 0), 800_000, 4706)
    assert rows[("640105", "expense_inpatient")].actual == 0
