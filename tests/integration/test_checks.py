"""Check rules (梅州 第二十–二十二条; 新疆规程 第二十三–二十四条), each on data that must
trigger it and data that must not; the death list; the findings workflow and claw-back."""

from __future__ import annotations

import datetime as dt

import pytest
from settlement_support import add_person
from sqlalchemy import select

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.enrolment_tables import PersonEnrolment
from jiuzhu.adapters.db.reimbursement_tables import ReimbApplication
from jiuzhu.adapters.db.tables import Person, PersonIdentity, PersonYearTotals
from jiuzhu.adapters.db.uow import UnitOfWork, audit_trail
from jiuzhu.adapters.db.warning_tables import ClawBack, DeathRecord
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.errors import Conflict, InputError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.checks.deaths import import_deaths
from jiuzhu.services.checks.rules import Options
from jiuzhu.services.checks.run import run_checks
from jiuzhu.services.settlement import settle
from jiuzhu.wire.checks import assign, claw_back, investigate, list_findings, resolve

D = dt.date
CERT_D = "11010519491231002X"
POLICY = RegionPolicy.load("ningxia")


def stay(uow: UnitOfWork, sid: str, psn: str, beg: dt.date, end: dt.date, base: int = 1000_00,
         inst: str = "H1", **extra: str) -> None:  # fmt: skip
    c = Claim(sid, psn, dt.datetime.combine(end, dt.time(10)), "21", beg, end, base, 0, 0)
    settle(uow, POLICY, c, source="one_stop", actor="t", institution=inst, extra=extra or None)


@pytest.fixture
def world(uow: UnitOfWork) -> UnitOfWork:
    cipher = get_cipher()
    add_person(uow, "D", [("dibao", D(2024, 1, 1), None)])
    with uow.begin() as s:
        p = s.scalar(select(Person).where(Person.psn_no == "D"))
        p.certno_enc, p.certno_hash = cipher.encrypt(CERT_D), cipher.lookup_hash(CERT_D)
        for psn, year, status in [("D", 2025, "local"), ("E", 2025, "local")]:
            s.add(PersonEnrolment(psn_no=psn, year=year, status=status, updated_by="t"))
        s.add(ReimbApplication(app_no="R1", region="ningxia", status="in_review", psn_no="E",
                               received_on=D(2024, 1, 2), deadline=D(2024, 2, 1), intake_by="t"))  # fmt: skip
        s.add(ReimbApplication(app_no="R2", region="ningxia", status="in_review", psn_no="E",
                               received_on=D(2099, 1, 2), deadline=D(2099, 2, 1), intake_by="t"))  # fmt: skip
    add_person(uow, "E", [("bianyuan", D(2024, 1, 1), None)])
    add_person(uow, "F", [("tekun", D(2025, 3, 1), None)])
    add_person(uow, "G", [("dibao", D(2024, 1, 1), None)])
    add_person(uow, "J", [("dibao", D(2024, 1, 1), None)])
    add_person(uow, "L")
    add_person(uow, "M")
    stay(uow, "SD1", "D", D(2024, 2, 1), D(2024, 2, 5))  # before death: fine
    stay(uow, "SD2", "D", D(2024, 4, 1), D(2024, 4, 5))  # after the death on 2024-03-01
    stay(uow, "SG1", "G", D(2024, 5, 1), D(2024, 5, 5))  # then G's identity is ended back
    stay(
        uow, "SE1", "E", D(2024, 5, 1), D(2024, 5, 5), deposit="500.00"
    )  # class 三: no 先诊疗后付费 rule
    stay(uow, "SJ1", "J", D(2024, 5, 1), D(2024, 5, 10), deposit="800.00")  # class 二 with deposit
    stay(
        uow, "SJ2", "J", D(2024, 5, 15), D(2024, 5, 20), deposit="0.00"
    )  # 5 days later, same hospital
    stay(uow, "SJ3", "J", D(2024, 7, 1), D(2024, 7, 5))  # 42 days later: not a split stay
    stay(uow, "SL1", "L", D(2024, 5, 1), D(2024, 5, 5))  # no identity: nothing paid
    stay(uow, "SM1", "M", D(2024, 5, 1), D(2024, 5, 5))
    with uow.begin() as s:
        s.add(PersonIdentity(person_id=s.scalar(select(Person.id).where(Person.psn_no == "L")),
                             psn_no="L", code="dibao", begndate=D(2024, 1, 1), source="minzheng"))  # fmt: skip
        g = s.scalar(select(PersonIdentity).where(PersonIdentity.psn_no == "G"))
        g.enddate = D(2024, 3, 31)
    for k in range(25):  # hospital H2: 25 stays of 1,000 and one of 12,000
        add_person(uow, f"O{k}", [("dibao", D(2024, 1, 1), None)])
        stay(uow, f"SO{k}", f"O{k}", D(2024, 6, 1), D(2024, 6, 3), 1000_00, "H2")
    stay(uow, "SO99", "O0", D(2024, 8, 1), D(2024, 8, 3), 12000_00, "H2")
    n = import_deaths(
        uow,
        "deaths.csv",
        f"身份证号码,死亡日期\n{CERT_D},2024-03-01\n".encode(),
        "gongan",
        actor="t",
    )
    assert (n.added, n.matched) == (1, 1)
    return uow


EXPECTED = {
    "enrol_dead_subsidised": {"psn:D:2025"},
    "enrol_beneficiary_not_subsidised": {"psn:F:2025", "psn:J:2025", "psn:L:2025"}
    | {f"psn:O{k}:2025" for k in range(25)},
    "benefit_after_death": {"setl:SD2"},
    "benefit_identity_ended": {"setl:SG1"},
    "benefit_reimbursement_overdue": {"reimb:1"},
    "benefit_backpay_unpaid": {"setl:SL1"},
    "hospital_no_identity": {"setl:SG1"},
    "hospital_deposit": {"setl:SJ1"},
    "hospital_readmission": {"setl:SJ2"},
    "hospital_outlier": {"setl:SO99"},
    # the oldest unpaid amount of H1 is SD1's (2024-02-05), over 30 days before 2024-06-01;
    # H2's stays are of June and August
    "fund_payable_overdue": {"inst:H1:2024-02-05"},
}


def test_each_rule_fires_on_its_case_only(world: UnitOfWork) -> None:
    o = Options(
        year=2025, today=D(2024, 6, 1), readmission_days=7, outlier_factor=5, payable_days=30,
        recon_days=30,
    )  # fmt: skip
    r = run_checks(world, actor="t", options=o)
    found = {f.rule: set() for f in list_findings(world, limit=1000)}
    for f in list_findings(world, limit=1000):
        found[f.rule].add(f.subject)
        assert f.article and f.evidence and "1101" not in str(f.evidence)
    assert {k: v for k, v in found.items()} == EXPECTED
    assert r.skipped == {}
    # a second run finds nothing new; without the operator's numbers two rules are skipped
    again = run_checks(
        world, actor="cron", options=Options(year=2025, today=D(2024, 6, 1)), trigger="schedule"
    )
    assert sum(again.found.values()) == 0
    assert set(again.skipped) == {
        "hospital_readmission", "hospital_outlier", "fund_payable_overdue",
        "fund_recon_open_too_long",
    }  # fmt: skip
    # 2024-02-20: SD1's amount is 15 days old, not overdue
    early = run_checks(world, actor="t", rules=["fund_payable_overdue"],
                       options=Options(today=D(2024, 2, 20), payable_days=30))  # fmt: skip
    assert early.found == {"fund_payable_overdue": 0}


def test_workflow_and_claw_back(world: UnitOfWork) -> None:
    run_checks(
        world,
        actor="t",
        rules=["benefit_after_death", "hospital_deposit"],
        options=Options(year=2025),
    )
    (death,) = list_findings(world, rule="benefit_after_death")
    (dep,) = list_findings(world, rule="hospital_deposit")
    with pytest.raises(Conflict):
        claw_back(world, death.id, actor="a", note="x")  # not yet assigned and investigated
    assign(world, death.id, "auditor1", actor="lead")
    investigate(world, death.id, actor="auditor1", note="死亡后住院结算")
    with world.read() as s:
        before = s.get(PersonYearTotals, ("D", 2024)).p
    f = claw_back(world, death.id, actor="auditor1", note="追回")
    assert f.status == "clawed_back"
    with world.read() as s:
        cb = s.scalar(select(ClawBack))
        assert (cb.setl_id, cb.institution, cb.amount) == (
            "SD2",
            "H1",
            800_00,
        )  # dibao 80% of 1,000
        assert s.get(PersonYearTotals, ("D", 2024)).p == before - 800_00
        assert [a.action for a in audit_trail(s, "check_finding", str(death.id))] == [
            "finding_assigned", "finding_investigating", "finding_clawed_back"]  # fmt: skip
    # the fund's books: the hospital's payable falls by the 800.00 recovered (新疆规程 第二十四条)
    from jiuzhu.services.fund.queries import findings as fund_findings
    from jiuzhu.services.fund.queries import payables

    owed = {p.fixmedins_code: p.unpaid for p in payables(world, D(2100, 1, 1))}
    # H1 paid 80% of 1,000 on SD1, SD2, SG1, SJ1–SJ3 (dibao, 第十四条（二）) = 6 × 800 = 4,800;
    # E (bianyuan, deductible 3,000) and L, M (no identity) got nothing; less the 800 clawed back
    assert owed["H1"] == 6 * 800_00 - 800_00
    assert fund_findings(world) == []
    assign(world, dep.id, "auditor2", actor="lead")
    investigate(world, dep.id, actor="auditor2")
    assert (
        resolve(world, dep.id, "transferred", actor="auditor2", note="移交行政部门").status
        == "transferred"
    )
    with pytest.raises(Conflict):
        resolve(world, dep.id, "corrected", actor="auditor2", note="again")


def test_bad_death_list_names_line_and_writes_nothing(uow: UnitOfWork) -> None:
    data = f"certno,death_date\n{CERT_D},2024-03-01\n110101199003078516,2024-01-01\n".encode()
    with pytest.raises(InputError) as e:
        import_deaths(uow, "d.csv", data, "minzheng", actor="t")
    assert (e.value.file, e.value.line, e.value.column) == ("d.csv", 3, "certno")
    with pytest.raises(InputError) as e:
        import_deaths(
            uow,
            "d.csv",
            f"certno,death_date\n{CERT_D},2024-02-30\n".encode(),
            "minzheng",
            actor="t",
        )
    assert (e.value.line, e.value.column) == (2, "death_date")
    with uow.read() as s:
        assert s.scalar(select(DeathRecord)) is None


def test_entry_without_its_source(world: UnitOfWork) -> None:
    from jiuzhu.adapters.db import journal
    from jiuzhu.domain.journal import Entry, Line

    with world.begin() as s:  # a settle entry whose settlement is not there
        lines = (Line("5001", 100, 0), Line("2201", 0, 100))
        journal.post(s, Entry("ningxia", D(2024, 5, 1), "settle", "GONE", "test", lines), "t")
    run_checks(world, actor="t", rules=["fund_entry_without_source"], options=Options())
    (f,) = list_findings(world, rule="fund_entry_without_source")
    assert f.evidence["source_id"] == "GONE" and f.evidence["kind"] == "settle"


def test_reconciliation_difference_open_too_long(uow: UnitOfWork) -> None:
    """梅州 第二十三条 / 宁夏 第二十八条: a difference with the bank still open more than
    ``recon_days`` (the operator's number: 30 here) after its day is a finding; one within
    the window, or one resolved, is not."""
    from jiuzhu.adapters.db.clearing_tables import ReconDifference

    with uow.begin() as s:
        for ref, day, status in [
            ("bank:1", D(2024, 4, 1), "open"),  # 61 days before 2024-06-01: over 30
            ("bank:2", D(2024, 5, 20), "open"),  # 12 days: within the window
            ("bank:3", D(2024, 3, 1), "resolved"),  # old but resolved
        ]:
            s.add(ReconDifference(region="ningxia", account="1004", county="640104",
                                  kind="bank_only", ref=ref, day=day, amount=-1234_56,
                                  books=None, detail="银行有、账上无", status=status))  # fmt: skip
    r = run_checks(uow, actor="t", rules=["fund_recon_open_too_long"],
                   options=Options(today=D(2024, 6, 1), recon_days=30))  # fmt: skip
    assert r.found == {"fund_recon_open_too_long": 1}
    (f,) = list_findings(uow, limit=10)
    assert f.evidence["ref"] == "bank:1" and f.evidence["day"] == "2024-04-01"
    assert f.amount == "1234.56"  # the difference's size, whichever side it is on
    # without the operator's number the rule is skipped, and says why
    skipped = run_checks(uow, actor="t", rules=["fund_recon_open_too_long"],
                         options=Options(today=D(2024, 6, 1)))  # fmt: skip
    assert "fund_recon_open_too_long" in skipped.skipped
