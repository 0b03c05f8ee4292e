"""The ledger page in SQL (services/enrolment/page.py) gives exactly the lines and totals of
the whole ledger built in memory (services/enrolment.build_register): every page, every case
filter, a 人员编号 prefix; on SQLite and PostgreSQL. Figures by hand: 梅州 380.10 × 55%
= 209.055 → 209.06 (half-up); 新疆 380 × 60% = 228.00 (规程 第十一条)."""

from __future__ import annotations

import datetime as dt

import pytest
from registry_data import certno

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import enrolment, registry
from jiuzhu.services.enrolment.page import register_page, register_totals

D = dt.date
MEIZHOU = {"personal_premium": "380.10", "subsidy_share_tekun": "1", "subsidy_share_dibao": "0.55"}
XINJIANG = {
    "personal_premium": "380",
    "subsidy_share_class1": "1",
    "subsidy_share_class2": "0.60",
    "subsidy_share_class3": "0.50",
}
STATUSES = [
    None,
    ("unenrolled",),
    ("elsewhere",),
    ("elsewhere", None, 20000),
    ("elsewhere_return",),
    ("self_paid", D(2025, 1, 10), 38010),
    ("self_paid", D(2025, 3, 1), 30000),
    ("self_paid", None, None),
    ("employee",),
    ("local",),
]


def _people(uow: UnitOfWork) -> None:
    codes = ["dibao", "tekun", "dibao", "tekun"]
    with uow.begin() as s:
        for n in range(30):
            psn = f"L{n:03d}"
            registry.create_person(s, "test", psn, certno(n), "张三")
            begin = D(2024, 1, 1) if n % 3 else D(2025, 2, 1)
            registry.add_identity(s, "test", psn, codes[n % 4], begin, None, "yibao")
            if n % 7 == 0 and codes[n % 4] != "tekun":
                registry.add_identity(s, "test", psn, "tekun", D(2025, 6, 1), None, "yibao")
            st = STATUSES[n % len(STATUSES)]
            if st is not None:
                enrolment.set_enrolment(s, "test", psn, 2025, *st)


@pytest.mark.parametrize(("region", "params"), [("meizhou", MEIZHOU), ("xinjiang", XINJIANG)])
def test_pages_and_totals_equal_the_whole_ledger(
    uow: UnitOfWork, region: str, params: dict[str, str]
) -> None:
    _people(uow)
    policy = RegionPolicy.load(region, cli_params=params)
    with uow.read() as s:
        whole = enrolment.build_register(s, policy, 2025)
        assert len(whole.lines) > 10
        for case in ["", *enrolment.CASES]:
            for prefix in ("", "L01"):
                want = [
                    ln.as_dict()
                    for ln in whole.lines
                    if (not case or ln.case == case) and ln.psn_no.startswith(prefix)
                ]
                got = []
                for page in range(0, 40, 7):
                    n, capped, lines = register_page(
                        s, policy, 2025, case=case, psn_no=prefix, limit=7, offset=page
                    )
                    assert (n, capped) == (len(want), False)
                    got += [ln.as_dict() for ln in lines]
                assert got == want, (case, prefix)
        assert register_totals(s, policy, 2025) == whole.totals()


def test_totals_by_hand(uow: UnitOfWork) -> None:
    """梅州: three dibao persons, 2025: one not enrolled (enrol now: 209.06 subsidy, 171.04
    personal), one employee (nothing), one self-paid 300.00 after recognition (209.06
    subsidy, refund min(300.00, 209.06) = 209.06)."""
    with uow.begin() as s:
        for n, st in enumerate([None, ("employee",), ("self_paid", D(2025, 3, 1), 30000)]):
            psn = f"H{n}"
            registry.create_person(s, "test", psn, certno(n), "李四")
            registry.add_identity(s, "test", psn, "dibao", D(2024, 1, 1), None, "yibao")
            if st:
                enrolment.set_enrolment(s, "test", psn, 2025, *st)
    policy = RegionPolicy.load("meizhou", cli_params=MEIZHOU)
    with uow.read() as s:
        t = register_totals(s, policy, 2025)
    assert t["persons"] == 3
    assert t["premium"] == "1140.30"  # 3 × 380.10
    assert t["subsidy"] == "418.12"  # 209.06 × 2
    assert t["personal"] == "342.08"  # 171.04 × 2 (the employee pays no resident premium here)
    assert t["refund"] == "209.06"
