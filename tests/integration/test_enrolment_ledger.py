"""资助参保 and the 免缴台账 on SQLite and PostgreSQL; figures worked out by hand.

双鸭山实施办法 第五条 (100% / 60% / 60%); 梅州规程 第六条 cases and 第七条（二）（三）;
新疆规程 第十二条 (no claw-back).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook
from registry_data import certno

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import InputError, MissingParameter
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.reports.xlsx import write_xlsx
from jiuzhu.services import registry
from jiuzhu.wire import enrolment

D = dt.date
NAMES = ["张三", "李四", "王五", "赵六", "钱七", "孙八", "周九", "吴十"]


def person(uow: UnitOfWork, n: int, *spans: tuple[str, dt.date, dt.date | None]) -> str:
    psn = f"E{n}"
    with uow.begin() as s:
        registry.create_person(s, "test", psn, certno(n), NAMES[n % len(NAMES)])
        for code, b, e in spans:
            registry.add_identity(s, "test", psn, code, b, e, "yibao")
    return psn


def lines(uow: UnitOfWork, policy: RegionPolicy, year: int) -> dict[str, enrolment.SubsidyRegisterLine]:
    with uow.read() as s:
        return {ln.psn_no: ln for ln in enrolment.build_register(s, policy, year).lines}


SHUANGYASHAN = {"personal_premium": "380"}


def test_shuangyashan_shares_100_60_60(uow: UnitOfWork) -> None:
    """第五条: 特困 全额; 低保、返贫致贫 60%; 监测 60%. Premium 380.00 yuan."""
    person(uow, 1, ("tekun", D(2024, 1, 1), None))
    person(uow, 2, ("dibao", D(2024, 1, 1), None))
    person(uow, 3, ("jiance", D(2024, 1, 1), None))
    person(uow, 4, ("bianyuan", D(2024, 1, 1), None))  # not subsidised in 第五条
    person(uow, 5, ("dibao", D(2023, 1, 1), None), ("tekun", D(2024, 6, 1), None))
    policy = RegionPolicy.load("shuangyashan", cli_params=SHUANGYASHAN)
    got = lines(uow, policy, 2025)
    assert set(got) == {"E1", "E2", "E3", "E5"}
    assert (got["E1"].subsidy, got["E1"].personal, got["E1"].share) == (38000, 0, Decimal("1.00"))
    assert (got["E2"].subsidy, got["E2"].personal) == (22800, 15200)
    assert (got["E3"].subsidy, got["E3"].personal) == (22800, 15200)
    # two identities: the higher share (tekun, 100%) and the higher class marked
    assert got["E5"].subsidy == 38000 and got["E5"].highest == "tekun"
    assert got["E5"].identities == ["dibao", "tekun"]
    assert got["E1"].case == "enrol_now" and got["E1"].subsidised_year == 2025


MEIZHOU = {
    "personal_premium": "380.10",
    "subsidy_share_tekun": "1",
    "subsidy_share_dibao": "0.55",
}


def test_meizhou_cases_of_article_6_and_refund(uow: UnitOfWork) -> None:
    """梅州规程 第六条（一）–（四）、第七条（三）. 380.10 × 55% = 209.055 → 209.06 (half-up)."""
    e1 = person(uow, 1, ("dibao", D(2024, 1, 1), None))
    e2 = person(uow, 2, ("dibao", D(2024, 1, 1), None))
    e3 = person(uow, 3, ("dibao", D(2025, 2, 1), None))
    e4 = person(uow, 4, ("dibao", D(2024, 1, 1), None))
    e5 = person(uow, 5, ("dibao", D(2024, 1, 1), None))
    e6 = person(uow, 6, ("dibao", D(2024, 1, 1), None))
    with uow.begin() as s:
        enrolment.set_enrolment(s, "test", e1, 2025, "unenrolled")
        enrolment.set_enrolment(s, "test", e2, 2025, "elsewhere")
        enrolment.set_enrolment(s, "test", e3, 2025, "self_paid", D(2025, 1, 10), 38010)
        enrolment.set_enrolment(s, "test", e4, 2025, "self_paid", D(2025, 3, 1), 38010)
        enrolment.set_enrolment(s, "test", e5, 2025, "employee")
        enrolment.set_enrolment(s, "test", e6, 2025, "local")
    policy = RegionPolicy.load("meizhou", cli_params=MEIZHOU)
    got = lines(uow, policy, 2025)
    assert (got[e1].case, got[e1].subsidy, got[e1].personal) == ("enrol_now", 20906, 17104)
    assert (got[e2].case, got[e2].subsidy, got[e2].subsidised_year) == ("elsewhere", 0, 2026)
    assert (got[e3].case, got[e3].subsidy, got[e3].subsidised_year) == (
        "self_paid_before",
        0,
        2026,
    )
    assert (got[e4].case, got[e4].subsidy, got[e4].refund) == ("self_paid_after", 20906, 20906)
    assert (got[e5].case, got[e5].subsidy, got[e5].subsidised_year) == ("employee", 0, None)
    assert (got[e6].case, got[e6].subsidy) == ("local", 20906)
    assert "第六条（二）" in got[e2].case_ref and "第七条（三）" in got[e4].case_ref
    # the next year: E2 and E3 subsidised, with the reason noted
    nxt = lines(uow, policy, 2026)
    assert nxt[e2].subsidy == 20906 and any("第六条（二）" in n for n in nxt[e2].notes)
    assert nxt[e3].subsidy == 20906 and any("第六条（三）" in n for n in nxt[e3].notes)
    # before 2025-01-01 meizhou's 规程 is not in force: no subsidy entries apply
    assert lines(uow, policy, 2024) == {}


def test_no_clawback_and_mid_year_additions(uow: UnitOfWork) -> None:
    """新疆规程 第十二条: leaving keeps the year's subsidy. 梅州规程 第七条（二）: report by the 25th."""
    person(uow, 1, ("tekun", D(2024, 1, 1), D(2025, 6, 30)))
    person(uow, 2, ("tekun", D(2025, 3, 10), None))
    person(uow, 3, ("tekun", D(2025, 3, 28), None))
    person(uow, 4, ("tekun", D(2025, 12, 27), None))
    policy = RegionPolicy.load("shuangyashan", cli_params=SHUANGYASHAN)
    with uow.read() as s:
        ledger = enrolment.build_register(s, policy, 2025)
    got = {ln.psn_no: ln for ln in ledger.lines}
    assert got["E1"].subsidy == 38000 and got["E1"].left_on == D(2025, 6, 30)
    assert any("第十二条" in n for n in got["E1"].notes)
    mid = [(m.line.psn_no, m.month, m.deadline) for m in ledger.mid_year]
    assert mid == [
        ("E2", "2025-03", D(2025, 3, 25)),
        ("E3", "2025-04", D(2025, 4, 25)),
        ("E4", "2026-01", D(2026, 1, 25)),
    ]
    assert ledger.totals()["subsidy"] == "1520.00"


def test_missing_parameters_are_named(uow: UnitOfWork) -> None:
    person(uow, 1, ("dibao", D(2024, 1, 1), None))
    with uow.read() as s, pytest.raises(MissingParameter) as exc:
        enrolment.build_register(s, RegionPolicy.load("meizhou"), 2025)
    assert exc.value.name == "personal_premium"
    with uow.read() as s, pytest.raises(MissingParameter) as exc:
        enrolment.build_register(
            s, RegionPolicy.load("meizhou", cli_params={"personal_premium": "380"}), 2025
        )
    assert exc.value.name == "subsidy_share_dibao"


def test_ledger_xlsx_has_chinese_headers_and_masks(uow: UnitOfWork, tmp_path: Path) -> None:
    person(uow, 1, ("tekun", D(2024, 1, 1), None))
    person(uow, 2, ("dibao", D(2025, 4, 2), None))
    policy = RegionPolicy.load("shuangyashan", cli_params=SHUANGYASHAN)
    with uow.read() as s:
        ledger = enrolment.build_register(s, policy, 2025)
    out = write_xlsx(tmp_path / "l.xlsx", enrolment.register_sheets(ledger))
    wb = load_workbook(out, read_only=True)
    assert wb.sheetnames == ["免缴台账", "中途新增", "退费", "汇总"]
    cells = [
        str(v)
        for ws in wb.worksheets
        for row in ws.iter_rows(values_only=True)
        for v in row
        if v is not None
    ]
    assert "人员编号" in cells and "身份证号码" in cells and "资助金额（元）" in cells
    for n in (1, 2):
        assert certno(n) not in " ".join(cells)
        assert certno(n)[0] + "*" * 16 + certno(n)[-1] in cells
    assert NAMES[1] not in cells and NAMES[1][0] + "*" in cells
    assert "380.00" in cells and "228.00" in cells


def test_enrolment_import_all_or_nothing(uow: UnitOfWork) -> None:
    person(uow, 1, ("tekun", D(2024, 1, 1), None))
    ok = "人员编号,年度,参保状态,自行缴费日期,自行缴费金额\nE1,2025,已自行缴纳本市当年度居民医保,2025-02-01,380.00\n"
    assert enrolment.import_enrolment(uow, "e.csv", ok.encode(), "test") == 1
    bad = "psn_no,year,status\nE1,2026,local\nE1,2026,nonsense\n"
    with pytest.raises(InputError) as exc:
        enrolment.import_enrolment(uow, "e2.csv", bad.encode(), "test")
    assert "line 3" in exc.value.message and "status" in exc.value.message
    with uow.read() as s:
        recs = enrolment.enrolment_of(s, "E1")
    assert [(r["year"], r["status"], r["self_paid"]) for r in recs] == [
        (2025, "self_paid", "380.00")
    ]


XINJIANG = {
    "personal_premium": "380",
    "subsidy_share_class1": "1",
    "subsidy_share_class2": "0.60",
    "subsidy_share_class3": "0.50",
}


def test_xinjiang_article_11_insured_elsewhere_returns_or_is_paid(uow: UnitOfWork) -> None:
    """新疆规程 第十一条 (defect: 梅州 第六条（二） "next year" was applied):
    returning → enrolled and subsidised here this year: dibao 380 × 60% = 228.00;
    not returning → paid the subsidy at this place's standard, at most the own
    contribution: 228.00 vs 200.00 paid elsewhere → 200.00; 228.00 vs 350.00 → 228.00;
    unknown contribution → 228.00, to verify."""
    e1 = person(uow, 1, ("dibao", D(2024, 1, 1), None))
    e2 = person(uow, 2, ("dibao", D(2024, 1, 1), None))
    e3 = person(uow, 3, ("dibao", D(2024, 1, 1), None))
    e4 = person(uow, 4, ("dibao", D(2024, 1, 1), None))
    with uow.begin() as s:
        enrolment.set_enrolment(s, "test", e1, 2025, "elsewhere_return")
        enrolment.set_enrolment(s, "test", e2, 2025, "elsewhere", self_paid_fen=20000)
        enrolment.set_enrolment(s, "test", e3, 2025, "elsewhere", self_paid_fen=35000)
        enrolment.set_enrolment(s, "test", e4, 2025, "elsewhere")
    policy = RegionPolicy.load("xinjiang", cli_params=XINJIANG)
    got = lines(uow, policy, 2025)
    assert (got[e1].case, got[e1].subsidy, got[e1].subsidised_year) == (
        "elsewhere_return",
        22800,
        2025,
    )
    assert (got[e2].case, got[e2].cash, got[e2].personal) == ("elsewhere_cash", 20000, 0)
    assert got[e3].cash == 22800
    assert got[e4].cash == 22800 and any("核实" in n for n in got[e4].notes)
    assert all(ln.case_ref == "新疆规程 第十一条" for ln in got.values())
    # 梅州 keeps its own rule: the next year (第六条（二）)
    meizhou = RegionPolicy.load("meizhou", cli_params=MEIZHOU)
    mz = lines(uow, meizhou, 2025)
    assert (mz[e2].case, mz[e2].subsidy, mz[e2].subsidised_year) == ("elsewhere", 0, 2026)
