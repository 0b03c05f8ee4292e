"""A meizhou year of the insurer-run model (梅州规程 第十六–十九条), worked by hand.

Working days are the State Council's schedules (as ``chinesecalendar`` ships them):
2024 国庆 10月1–7日 off, 9月29日 (Sun) and 10月12日 (Sat) worked; 2025 国庆·中秋 10月1–8日 off,
9月28日 (Sun) and 10月11日 (Sat) worked; 2026 春节 2月15–23日 off, 2月14日 (Sat) and 2月28日
(Sat) worked. "N 个工作日内": the N-th working day after the day itself; "1个月内": the same
day of the next month, or its last day (《民法典》第二百零一、二百零二条).

The benefit numbers of meizhou live in 梅市医保规〔2023〕2号 (not in shared/regulations);
this test sets them as an operator would (特困 100%, no deductible, a high cap, no tilt) —
test values, not policy.
"""

from __future__ import annotations

import datetime as dt

import pytest
from settlement_support import D, add_person

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.errors import Conflict, WorkflowError
from jiuzhu.domain.events import Subsidised
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import messagebus
from jiuzhu.services.fund.insurer import queries, schedule
from jiuzhu.services.fund.queries import findings, trial_balance
from jiuzhu.services.settlement import reverse, settle

MZ = "meizhou"
H = "H44140000001"


def _policy() -> RegionPolicy:
    params = {}
    for name in RegionPolicy.load(MZ).missing_parameters(True):
        if name.endswith("_ratio"):
            params[name] = "1"
        elif name.endswith("_deductible"):
            params[name] = "0"
        else:  # caps, and a tilt threshold no test stay reaches
            params[name] = "10000000"
    return RegionPolicy.load(MZ, cli_params=params)


def _stay(setl_id: str, psn: str, base_fen: int, day: dt.date) -> Claim:
    return Claim(setl_id, psn, dt.datetime.combine(day, dt.time(9)), "21", day, day, base_fen, 0, 0)


def _ev(uow: UnitOfWork, year: int, stream: str, step: str) -> queries.EventView:
    (ev,) = [
        e for e in queries.schedule(uow, MZ, year=year) if (e.stream, e.step) == (stream, step)
    ]
    return ev


def _done(uow: UnitOfWork, year: int, stream: str, step: str, day: dt.date) -> schedule.Done:
    return schedule.complete(uow, _ev(uow, year, stream, step).id, day, document=f"{step}-{day}",
                             actor="t")  # fmt: skip


def _subsidies(uow: UnitOfWork, year: int, fen: int) -> None:
    with uow.begin() as s:
        messagebus.publish(
            s, Subsidised(f"梅医保-{year}", MZ, year, "441402", 100, fen, D(year, 1, 15))
        )


def test_subsidy_shortfall_then_excess_offsets_next_advance(uow: UnitOfWork) -> None:
    # -- enrolment year 2025: approved 500,000.00 → request 90% = 450,000.00, due 2024-09-30
    req = schedule.plan_subsidy(uow, MZ, 2025, 50_000_000, actor="t")
    assert (req.amount, req.due_date) == (45_000_000, D(2024, 9, 30))
    with pytest.raises(Conflict):
        schedule.plan_subsidy(uow, MZ, 2025, 50_000_000, actor="t")
    _done(uow, 2025, "subsidy", "request", D(2024, 9, 20))
    # arrives Fri 2024-09-27: 9-29 (Sun, worked) 1, 9-30 2, 10-1…7 off, 10-8 3, 10-9 4, 10-10 5
    out = _done(uow, 2025, "subsidy", "arrival", D(2024, 9, 27))
    assert out.follow_up is not None and out.follow_up.due_date == D(2024, 10, 10)
    _done(uow, 2025, "subsidy", "pass_on", D(2024, 10, 11))
    assert _ev(uow, 2025, "subsidy", "pass_on").late  # one day after its due date
    # the subsidies actually paid for 2025: 480,000.10 > 450,000.00 advanced → shortfall
    # 30,000.10; cleared 2026-01-31 (due 2026-08-31) → due 2026-02-28 (no 31 February)
    _subsidies(uow, 2025, 48_000_010)
    assert _ev(uow, 2025, "subsidy", "clearing").due_date == D(2026, 8, 31)
    out = _done(uow, 2025, "subsidy", "clearing", D(2026, 1, 31))
    assert out.follow_up is not None
    assert (out.follow_up.step, out.follow_up.amount, out.follow_up.due_date) == (
        "shortfall", 3_000_010, D(2026, 2, 28))  # fmt: skip
    _done(uow, 2025, "subsidy", "shortfall", D(2026, 2, 27))
    with pytest.raises(WorkflowError):
        _done(uow, 2025, "subsidy", "shortfall", D(2026, 2, 27))

    # -- enrolment year 2026: approved 1,000,000.00 → 900,000.00 (2025 left no excess)
    req = schedule.plan_subsidy(uow, MZ, 2026, 100_000_000, actor="t")
    assert (req.amount, req.due_date) == (90_000_000, D(2025, 9, 30))
    _done(uow, 2026, "subsidy", "request", D(2025, 9, 10))
    # arrives Thu 2025-09-25: 9-26 1, 9-28 (Sun, worked) 2, 9-29 3, 9-30 4, 10-1…8 off, 10-9 5
    out = _done(uow, 2026, "subsidy", "arrival", D(2025, 9, 25))
    assert out.follow_up is not None and out.follow_up.due_date == D(2025, 10, 9)
    _done(uow, 2026, "subsidy", "pass_on", D(2025, 10, 9))
    assert not _ev(uow, 2026, "subsidy", "pass_on").late
    # a mid-year list received Fri 2026-02-06: 2-9…2-13 1–5, 2-14 (Sat, worked) 6,
    # 2-15…23 春节, 2-24 7, 2-25 8, 2-26 9, 2-27 10 → due 2026-02-27
    add = schedule.add_addition(
        uow, MZ, 2026, D(2026, 2, 6), 1_000_000, document="新增-1", actor="t"
    )
    assert add.due_date == D(2026, 2, 27)
    # 2027's advance is requested in September 2026, before 2026 is cleared: 90% of
    # 1,100,000.00 = 990,000.00, nothing to offset yet
    req = schedule.plan_subsidy(uow, MZ, 2027, 110_000_000, actor="t")
    assert (req.amount, req.due_date, req.basis["offset"]) == (99_000_000, D(2026, 9, 30), 0)
    # 2026 cleared by 31 August 2027: actual 850,000.00 < 900,000.00 advanced → excess
    # 50,000.00, which offsets the next advance requested (September 2027, for 2028)
    _subsidies(uow, 2026, 85_000_000)
    assert _ev(uow, 2026, "subsidy", "clearing").due_date == D(2027, 8, 31)
    out = _done(uow, 2026, "subsidy", "clearing", D(2027, 8, 20))
    assert out.follow_up is not None
    assert (out.follow_up.step, out.follow_up.amount, out.follow_up.status) == (
        "offset",
        5_000_000,
        "done",
    )
    # -- 2028: approved 1,200,000.00 → 90% 1,080,000.00 − 50,000.00 = 1,030,000.00
    req = schedule.plan_subsidy(uow, MZ, 2028, 120_000_000, actor="t")
    assert (req.amount, req.due_date) == (103_000_000, D(2027, 9, 30))
    assert req.basis == {"approved": 120_000_000, "ninety": 108_000_000, "offset": 5_000_000,
                         "offset_from": [2026]}  # fmt: skip
    # applied once: the next advance has nothing left to offset
    req = schedule.plan_subsidy(uow, MZ, 2029, 100, actor="t")
    assert (req.amount, req.basis["offset"]) == (90, 0)

    views = {(e.year, e.step): e for e in queries.schedule(uow, MZ, today=D(2027, 10, 1))}
    assert views[(2028, "request")].overdue and views[(2028, "request")].status_text == "逾期"
    assert views[(2026, "addition")].overdue  # planned, due 2026-02-27
    assert not views[(2029, "request")].overdue  # due 2028-09-30
    tb = {r.account_code: r.debit - r.credit for r in trial_balance(uow, D(2099, 1, 1))}
    # 应收承办机构: 450,000.00 − 480,000.10 + 30,000.10 (2025) + 900,000.00 − 850,000.00 (2026)
    assert tb["110102"] == 5_000_000
    assert tb["210103"] == 0  # every subsidy cleared against the insurer
    # the centre's 支出户: in 450,000.00 + 900,000.00; out the same, and the shortfall
    assert tb["100401"] == -3_000_010
    assert findings(uow) == []


def test_premium_advances_and_clearing_from_stored_settlements(uow: UnitOfWork) -> None:
    """第十八条. 2025's stored settlements (特困 100%): 60,000.00 + 40,000.00, and 5,000.00
    reversed → budget 100,000.00; April 50% = 50,000.00 due 2026-04-30, July 40% =
    40,000.00 due 2026-07-31; clearing due 2027-06-30. 2026's actual 120,000.00 − 90,000.00
    advanced = 30,000.00 remaining premium, cleared 2027-06-15 → due 2027-07-15."""
    mz = _policy()
    for p in ("A", "B", "C"):
        add_person(uow, p, [("tekun", D(2025, 1, 1), None)])
    settle(
        uow,
        mz,
        _stay("M1", "A", 6_000_000, D(2025, 3, 1)),
        source="one_stop",
        actor="t",
        institution=H,
    )
    settle(
        uow,
        mz,
        _stay("M2", "B", 4_000_000, D(2025, 5, 1)),
        source="one_stop",
        actor="t",
        institution=H,
    )
    settle(
        uow,
        mz,
        _stay("M3", "C", 500_000, D(2025, 6, 1)),
        source="one_stop",
        actor="t",
        institution=H,
    )
    reverse(uow, "M3", actor="t")
    settle(
        uow,
        mz,
        _stay("M4", "C", 12_000_000, D(2026, 3, 1)),
        source="one_stop",
        actor="t",
        institution=H,
    )
    rows = schedule.plan_premium(uow, MZ, 2026, actor="t")
    assert [(e.step, e.amount, e.due_date) for e in rows] == [
        ("advance_4", 5_000_000, D(2026, 4, 30)),
        ("advance_7", 4_000_000, D(2026, 7, 31)),
        ("clearing", 0, D(2027, 6, 30)),
    ]
    _done(uow, 2026, "premium", "advance_4", D(2026, 4, 28))
    _done(uow, 2026, "premium", "advance_7", D(2026, 8, 3))
    assert _ev(uow, 2026, "premium", "advance_7").late
    out = _done(uow, 2026, "premium", "clearing", D(2027, 6, 15))
    assert out.follow_up is not None
    assert (out.follow_up.step, out.follow_up.amount, out.follow_up.due_date) == (
        "remainder", 3_000_000, D(2027, 7, 15))  # fmt: skip
    assert _ev(uow, 2026, "premium", "clearing").basis == {
        "budget": 10_000_000, "actual": 12_000_000, "advanced": 9_000_000, "difference": 3_000_000}  # fmt: skip
    # revolving funds (第十九条): 20,000.00 from the insurer, 5,000.00 to 梅县区 for manual claims
    schedule.revolving(uow, MZ, 2026, "in", "manual", 2_000_000, D(2026, 1, 5), party="INSURER",
                       document="周转-1", actor="t")  # fmt: skip
    schedule.revolving(uow, MZ, 2026, "out", "manual", 500_000, D(2026, 1, 6), party="441403",
                       document="周转-2", actor="t")  # fmt: skip
    # 2027: budget = 2026's 120,000.00 → 60,000.00 + 48,000.00 advanced; 2027's actual
    # 100,000.00 → the insurer returns 8,000.00, cleared 2028-06-10 → due 2028-07-10
    settle(
        uow,
        mz,
        _stay("M5", "A", 10_000_000, D(2027, 5, 1)),
        source="one_stop",
        actor="t",
        institution=H,
    )
    rows = schedule.plan_premium(uow, MZ, 2027, actor="t")
    assert [e.amount for e in rows] == [6_000_000, 4_800_000, 0]
    _done(uow, 2027, "premium", "advance_4", D(2027, 4, 20))
    _done(uow, 2027, "premium", "advance_7", D(2027, 7, 20))
    out = _done(uow, 2027, "premium", "clearing", D(2028, 6, 10))
    assert out.follow_up is not None
    assert (out.follow_up.step, out.follow_up.amount, out.follow_up.due_date) == (
        "refund", 800_000, D(2028, 7, 10))  # fmt: skip
    _done(uow, 2027, "premium", "refund", D(2028, 7, 1))
    tb = {r.account_code: r.debit - r.credit for r in trial_balance(uow, D(2099, 1, 1))}
    assert tb["110103"] == 500_000
    # 应收承办机构: advances 90,000.00 − revolving received 20,000.00 + 2027's advances
    # 108,000.00 − its refund 8,000.00
    assert tb["110102"] == 17_000_000
    assert findings(uow) == []
