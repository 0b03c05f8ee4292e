"""The daily summary of settlements (settlement_day) kept with each settlement and reversal,
and the 工作台 figures read from it: equal to the sums over the settlements themselves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from settlement_support import D, add_person, body, new_key
from sqlalchemy import text

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.services import overview
from jiuzhu.services import settlement as svc

API = "/api/v1/settlements"


@pytest.fixture
def env(db_url: str) -> Iterator[tuple[TestClient, UnitOfWork, dict[str, str]]]:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "A", [("dibao", D(2023, 1, 1), None)])
    add_person(uow, "B", [("dibao", D(2023, 1, 1), None)])
    add_person(uow, "C")  # no identity: settled, nothing paid, no class
    key = new_key(uow, "H00000000001")
    with TestClient(create_app(region="ningxia", engine=engine)) as c:
        yield c, uow, {"X-API-Key": key}
    engine.dispose()


def _reference(uow: UnitOfWork) -> list[tuple[object, ...]]:
    """The summary as the settlements give it (every slot added up)."""
    with uow.read() as s:
        pg = s.get_bind().dialect.name == "postgresql"
        day = "CAST(setl_time AS DATE)" if pg else "date(setl_time)"
        ref = s.execute(
            text(
                f"SELECT CAST({day} AS TEXT), region, COALESCE(county, ''), "
                "COALESCE(class_id, ''), med_type, COUNT(*), SUM(base), SUM(maf_pay), "
                f"SUM(tilt_pay) FROM settlement WHERE status = 'settled' GROUP BY 1, 2, 3, 4, 5 "
                "ORDER BY 1, 2, 3, 4, 5"
            )
        ).all()
        got = s.execute(
            text(
                "SELECT CAST(day AS TEXT), region, county, class_id, med_type, SUM(n), SUM(base), "
                "SUM(maf_pay), SUM(tilt_pay) FROM settlement_day GROUP BY 1, 2, 3, 4, 5 "
                "HAVING SUM(n) <> 0 ORDER BY 1, 2, 3, 4, 5"
            )
        ).all()
    assert [tuple(r) for r in got] == [tuple(r) for r in ref]
    return [tuple(r) for r in got]


def test_summary_follows_settlements_and_reversals(env) -> None:  # type: ignore[no-untyped-def]
    c, uow, h = env
    for b in (
        body("S1", "A"),
        body("S2", "B"),
        body("S3", "C", setl_time="2024-03-06 09:00:00", begndate="2024-03-06",
             enddate="2024-03-06"),
        body("S4", "B", base="1000.00", setl_time="2024-04-01 08:00:00", begndate="2024-03-30",
             enddate="2024-04-01"),
    ):  # fmt: skip
        r = c.post(API, json=b, headers=h)
        assert r.status_code == 200, r.text
    # calc-contract §9 worked example, row 1: dibao (class 二) 30,000.00 → 医疗救助 24,000.00,
    # rem 6,000, over the 3,000 threshold 3,000 → 倾斜 round(3,000 × 0.70) = 2,100.00
    assert c.post(API, json=body("S1", "A"), headers=h).json()["maf_pay"] == "24000.00"
    _reference(uow)
    svc.reverse(uow, "S2", actor="test", reason="test")
    svc.reverse(uow, "S2", actor="test", reason="again")  # the second changes nothing
    rows = _reference(uow)
    with uow.read() as s:
        # 2024-03-05: S1 only (S2 reversed): 1 settlement, 2,400,000 + 210,000 fen
        assert overview.day_figures(s, D(2024, 3, 5)) == {
            "count": 1, "maf_pay": 2_400_000, "tilt_pay": 210_000}  # fmt: skip
        # March to the 31st: class 二 S1 (24,000.00); no class S3 (nothing paid); S4 is April
        assert overview.month_by_class(s, D(2024, 3, 31)) == [
            {"class_id": "", "count": 1, "maf_pay": 0, "tilt_pay": 0},
            {"class_id": "二", "count": 1, "maf_pay": 2_400_000, "tilt_pay": 210_000},
        ]
        # to the 5th only: S3 (the 6th) not yet
        assert overview.month_by_class(s, D(2024, 3, 5)) == [
            {"class_id": "二", "count": 1, "maf_pay": 2_400_000, "tilt_pay": 210_000}
        ]
        assert overview.day_figures(s, D(2024, 3, 7))["count"] == 0
    assert len(rows) == 3  # (03-05, 二), (03-06, ''), (04-01, 二)
