"""Retroactive applications of expense-type households (支出型 / 因病致贫).

梅州规程 第十条（二）: benefits from the same day 12 months before recognition;
第十二条（三）2: retro costs across two years share ONE deductible and ONE cap, at the
standard of the discharge year. 双鸭山实施办法 第十二条: once a year, costs within 12 months
before the application.
"""

from __future__ import annotations

import datetime as dt

import pytest
from reimb_helpers import APPROVER, FIRST, INTAKE, SECOND, add_person, application, claim
from sqlalchemy import select

from jiuzhu.adapters.db.tables import PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.wire import reimbursement as rb

D = dt.date


def meizhou() -> RegionPolicy:
    """梅州's standards live in 梅市医保规〔2023〕2号 (not in the folder): the test sets its
    own — yinbing deductible 10,000, ratio 60%, cap 50,000; no tilt."""
    spec = RegionPolicy.load("meizhou").spec
    p: dict[str, str] = {}
    for name, decl in spec.parameters.items():
        if decl.unit == "yuan" or decl.unit == "ratio":
            p[name] = "0"
    for c in ("tekun", "guer", "wurenfuyang", "dibao", "bianyuan", "jiance"):
        p |= {f"{c}_deductible": "0", f"{c}_ratio": "1", f"{c}_annual_cap": "50000"}
    p |= {
        "yinbing_deductible": "10000",
        "yinbing_ratio": "0.60",
        "yinbing_annual_cap": "50000",
        "tilt_threshold": "1000000",
        "tilt_ratio": "0",
        "tilt_annual_cap": "0",
        "reimb_review_levels": "first_review,approval",
        "reimb_deadline_working_days": "30",
        "reimb_materials": "医疗救助申请表；医疗费用票据；费用清单",
    }
    return RegionPolicy.load("meizhou", cli_params=p)


MZ_MATERIALS = ["医疗救助申请表", "医疗费用票据", "费用清单"]


def test_meizhou_retro_across_new_year_shares_one_deductible(uow: UnitOfWork) -> None:
    mz = meizhou()
    # recognised as 支出型 on 2026-03-16 → benefits from 2025-03-16 (第十条（二））
    add_person(uow, "M1", [("yinbing", D(2026, 3, 16), None)])
    c1 = claim("MZ-1", "M1", "2025-11-03", "2025-11-10", "6000")
    c2 = claim("MZ-2", "M1", "2026-01-05", "2026-01-12", "9000")
    early = claim("MZ-0", "M1", "2025-02-20", "2025-03-01", "500")
    raw = application(
        "M1", [early, c1, c2], received_on="2026-03-20", retro=True, materials=MZ_MATERIALS
    )
    back = rb.intake(uow, mz, raw, staff=INTAKE)
    assert back["status"] == "returned"
    assert [p["code"] for p in back["problems"]] == ["outside_retro_window"]
    assert "2025-03-16" in back["problems"][0]["message"]

    raw["claims"] = [c1, c2]
    app = rb.intake(uow, mz, raw, staff=INTAKE)
    assert app["status"] == "in_review", app["problems"]
    assert app["retro_window_start"] == "2025-03-16"
    assert app["account_year"] == 2026  # the discharge year of the latest claim
    # by hand, one deductible of 10,000 for both years (第十二条（三）2):
    #   MZ-1 base 6,000: deductible takes 6,000 → 0.00           (S = 6,000)
    #   MZ-2 base 9,000: deductible takes the last 4,000; (9,000 − 4,000) × 60% = 3,000.00
    # (two separate years would give 0.00 + 0.00: each below its own 10,000 deductible)
    assert rb.preview(uow, mz, app["app_no"])["total"] == "3000.00"
    rb.review(uow, mz, app["app_no"], staff=FIRST, decision="approve")
    out = rb.review(uow, mz, app["app_no"], staff=APPROVER, decision="approve")
    assert out["approved_total"] == "3000.00"
    assert [c["maf_pay"] for c in out["claims"]] == ["0.00", "3000.00"]
    with uow.read() as s:
        rows = list(s.scalars(select(Settlement).order_by(Settlement.setl_id)))
        assert [(r.setl_id, r.year, r.source) for r in rows] == [
            ("MZ-1", 2026, "manual"),
            ("MZ-2", 2026, "manual"),
        ]
        t = s.get(PersonYearTotals, ("M1", 2026))
        assert t is not None and (t.s, t.p) == (1_500_000, 300_000)
        assert s.get(PersonYearTotals, ("M1", 2025)) is None


def shuangyashan() -> RegionPolicy:
    return RegionPolicy.load(
        "shuangyashan",
        cli_params={
            "resident_income_prev_year": "30000",
            "reimb_review_levels": "first_review,second_review,approval",
            "reimb_deadline_working_days": "30",
            "reimb_materials": "申请表；医疗费用票据",
        },
    )


SYS_MATERIALS = ["申请表", "医疗费用票据"]


def test_shuangyashan_retro_once_a_year_and_twelve_months_back(uow: UnitOfWork) -> None:
    sy = shuangyashan()
    add_person(uow, "Y1", [("yinbing", D(2024, 6, 1), None)])
    # stay before the recognition, within 12 months before the application (第十二条)
    c = claim("SY-1", "Y1", "2023-12-01", "2023-12-05", "20000")
    app = rb.intake(
        uow,
        sy,
        application("Y1", [c], received_on="2024-06-10", retro=True, materials=SYS_MATERIALS),
        staff=INTAKE,
    )
    assert app["status"] == "in_review", app["problems"]
    assert app["retro_window_start"] == "2023-06-10"
    # I = 30,000: yinbing deductible round(25% × I) = 7,500, ratio 65% (第九条, 第十条):
    # (20,000 − 7,500) × 65% = 8,125.00; remaining 11,875 is below the tilt line 15,000
    for who in (FIRST, SECOND, APPROVER):
        out = rb.review(uow, sy, app["app_no"], staff=who, decision="approve")
    assert out["approved_total"] == "8125.00"
    with uow.read() as s:
        st = s.get(Settlement, "SY-1")
        assert st is not None and st.year == 2023  # 第十三条: the year of discharge
    # a second retro application in 2024 is refused (每年申请1次)
    again = rb.intake(
        uow,
        sy,
        application(
            "Y1",
            [claim("SY-2", "Y1", "2024-01-10", "2024-01-12", "3000")],
            received_on="2024-07-01",
            retro=True,
            materials=SYS_MATERIALS,
        ),
        staff=INTAKE,
    )
    assert [p["code"] for p in again["problems"]] == ["retro_once_a_year"]
    # without retro the same stay (before the recognition) has no valid identity
    plain = rb.intake(
        uow,
        sy,
        application(
            "Y1",
            [claim("SY-3", "Y1", "2024-01-10", "2024-01-12", "3000")],
            received_on="2024-07-01",
            materials=SYS_MATERIALS,
        ),
        staff=INTAKE,
    )
    assert [p["code"] for p in plain["problems"]] == ["no_identity"]


@pytest.mark.parametrize(
    ("received", "start"),
    [("2024-02-29", "2023-02-28"), ("2024-03-31", "2023-03-31")],
)
def test_twelve_month_start_dates(uow: UnitOfWork, received: str, start: str) -> None:
    # 梅州规程 第十条（二）: 前12个月的同日，如无相同日期则以前1日为准 (the same rule the
    # window of a shuangyashan application uses, counted from the application day)
    sy = shuangyashan()
    add_person(uow, "Y2", [("yinbing", D(2024, 1, 1), None)])
    app = rb.intake(
        uow,
        sy,
        application(
            "Y2",
            [claim("W-1", "Y2", "2023-12-01", "2023-12-03", "100")],
            received_on=received,
            retro=True,
            materials=SYS_MATERIALS,
        ),
        staff=INTAKE,
    )
    assert app["retro_window_start"] == start
