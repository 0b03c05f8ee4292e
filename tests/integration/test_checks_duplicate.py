"""重复参保 (梅州规程 第二十条（二）): the same person, by keyed hash of the ID number,
enrolled twice or in two pooling areas in one year; the enrolment list import that feeds
it (bad rows named by file, line and column, nothing written). Cases worked by hand."""

from __future__ import annotations

import pytest
from registry_data import certno
from sqlalchemy import func, select

from jiuzhu.adapters.db.insured_tables import InsuredRecord
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import InputError
from jiuzhu.services import enrolment, registry
from jiuzhu.services.checks.insured import import_insured
from jiuzhu.services.checks.rules import Options
from jiuzhu.services.checks.run import run_checks
from jiuzhu.services.checks.workflow import list_findings


def _world(uow: UnitOfWork) -> None:
    with uow.begin() as s:
        for n, status in enumerate(["local", "local", "elsewhere", "local", None, "self_paid"]):
            psn = f"Q{n}"
            registry.create_person(s, "test", psn, certno(n), "王五")
            if status:
                enrolment.set_enrolment(s, "test", psn, 2025, status)


LIST = (
    "身份证号码,年度,参保地,险种\n"
    f"{certno(0)},2025,440100,居民\n"  # Q0: here (local) and in 440100 → two areas
    f"{certno(1)},2024,440100,居民\n"  # Q1: elsewhere in 2024, here in 2025 → no
    f"{certno(2)},2025,440100,居民\n"  # Q2: told us 'elsewhere' → the same enrolment, no
    f"{certno(4)},2025,440300,居民\n"  # Q4 (no enrolment here): listed twice in 440300
    f"{certno(4)},2025,440300,职工\n"  #   → enrolled twice in one area
    f"{certno(5)},2025,441400,居民\n"  # Q5: self-paid here and in 441400 → two areas
    f"{certno(900)},2025,440100,居民\n"  # not in the registry, listed once → no
)


def test_enrolled_twice_or_in_two_areas(uow: UnitOfWork) -> None:
    _world(uow)
    r = import_insured(uow, "list.csv", LIST.encode(), "other_region", actor="t")
    assert (r.rows, r.matched) == (7, 6)
    run = run_checks(uow, actor="t", rules=["enrol_duplicate"], options=Options(year=2025))
    assert run.found == {"enrol_duplicate": 3}
    got = {f.psn_no: f for f in list_findings(uow, limit=100)}
    assert set(got) == {"Q0", "Q4", "Q5"}
    assert got["Q0"].evidence == {"year": 2025, "enrolments": 2, "regions": 2, "kind": "多地参保"}
    assert got["Q4"].evidence == {"year": 2025, "enrolments": 2, "regions": 1, "kind": "重复参保"}
    assert got["Q5"].evidence["kind"] == "多地参保"
    for f in got.values():  # the subject names the keyed hash's first 16 characters only
        assert f.subject.startswith("dup:") and f.subject.endswith(":2025")
        assert certno(0) not in str(f.evidence) + f.subject
    again = run_checks(uow, actor="t", rules=["enrol_duplicate"], options=Options(year=2025))
    assert again.found == {"enrol_duplicate": 0}


def test_nothing_duplicated_nothing_found(uow: UnitOfWork) -> None:
    _world(uow)
    ok = f"身份证号码,年度,参保地\n{certno(1)},2024,440100\n{certno(2)},2025,440100\n"
    import_insured(uow, "ok.csv", ok.encode(), "other_region", actor="t")
    run = run_checks(uow, actor="t", rules=["enrol_duplicate"], options=Options(year=2025))
    assert run.found == {"enrol_duplicate": 0}


@pytest.mark.parametrize(
    ("body", "line", "column"),
    [
        ("身份证号码,年度\n", 1, "region"),
        (
            f"身份证号码,年度,参保地\n{certno(0)},2025,440100\n11010519491231002Y,2025,1\n",
            3,
            "certno",
        ),
        (f"身份证号码,年度,参保地\n{certno(0)},25,440100\n", 2, "year"),
        (f"身份证号码,年度,参保地\n{certno(0)},2025,\n", 2, "region"),
        (f"身份证号码,年度,参保地,险种\n{certno(0)},2025,440100,商业\n", 2, "scheme"),
    ],
)
def test_bad_list_names_line_and_writes_nothing(
    uow: UnitOfWork, body: str, line: int, column: str
) -> None:
    _world(uow)
    with pytest.raises(InputError) as e:
        import_insured(uow, "bad.csv", body.encode(), "other_region", actor="t")
    assert (e.value.file, e.value.line, e.value.column) == ("bad.csv", line, column)
    with uow.read() as s:
        assert s.scalar(select(func.count()).select_from(InsuredRecord)) == 0
