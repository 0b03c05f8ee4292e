"""The hospital's eligibility query (issue 8 item 9, like the national platform's 1101) and
a person's own records (梅州规程 第九条), on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from registry_data import HEADER, certno, csv_text
from settlement_support import new_key
from sqlalchemy import select

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import AuditLog
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.config import get_settings
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.identity_import import import_identities
from jiuzhu.services.settlement import settle

D = dt.date
PARAMS = {"resident_income_prev_year": "30000", "personal_premium": "380"}


@pytest.fixture
def api(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, dict[str, str], UnitOfWork, RegionPolicy]]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    policy = RegionPolicy.load("shuangyashan", cli_params=PARAMS)
    rows = [
        ("P1", certno(1), "张三丰", "dibao", "2024-01-01", "2024-06-30"),
        ("P1", certno(1), "张三丰", "dibao", "2024-07-01", ""),  # touches: one span
        ("P1", certno(1), "张三丰", "bianyuan", "2023-01-01", ""),
        ("P2", certno(2), "李四", "bianyuan", "2023-01-01", "2023-12-31"),
    ]
    res = import_identities(uow, "l.csv", csv_text(rows, HEADER).encode(), "minzheng", actor="t")
    assert not res.refused, res.errors
    key = new_key(uow, "H23050000001")
    with TestClient(create_app(policy=policy, engine=engine)) as client:
        yield client, {"X-API-Key": key}, uow, policy
    engine.dispose()
    get_settings.cache_clear()


def test_hospital_query_identity_class_span_deposit_and_cap(api) -> None:  # type: ignore[no-untyped-def]
    """双鸭山实施办法: dibao is class 二 (第十条, above bianyuan's 三), cap 70,000 (第八条);
    one stay of base 10,000 × 75% = 7,500.00 paid → 70,000 − 7,500 = 62,500.00 left;
    第二十二条: dibao is among those admitted without deposit (referred, in the city)."""
    client, h, uow, policy = api
    c = Claim(
        "S1", "P1", dt.datetime(2024, 3, 5, 10), "21", D(2024, 3, 1), D(2024, 3, 5), 1_000_000, 0, 0
    )
    assert settle(uow, policy, c, source="one_stop", actor="t").answer["maf_pay"] == "7500.00"
    r = client.post(
        "/api/v1/eligibility", json={"certno": certno(1), "on": "2024-08-01"}, headers=h
    )
    assert r.status_code == 200, r.text
    d = r.json()
    assert (d["psn_no"], d["identity"], d["class"], d["covered"]) == ("P1", "dibao", "二", True)
    # the two touching rows are one span (calc-contract §10)
    assert d["valid_span"] == {"begndate": "2024-01-01", "enddate": None}
    assert d["deposit_free"]["applies"] is True and "第二十二条" in d["deposit_free"]["ref"]
    assert d["deposit_free"]["conditions"] == ["经基层首诊转诊", "市域内定点医疗机构住院"]
    assert (d["cap"]["annual_cap"], d["cap"]["paid"], d["cap"]["left"]) == (
        "70000.00",
        "7500.00",
        "62500.00",
    )
    text = r.text
    assert certno(1) not in text and "张三丰" not in text  # masked
    with uow.read() as s:
        looks = s.scalars(select(AuditLog).where(AuditLog.action == "look")).all()
        assert [(a.actor, a.entity_id) for a in looks] == [("institution:H23050000001", "P1")]
        assert certno(1) not in json.dumps(looks[0].after, ensure_ascii=False)


def test_hospital_query_no_valid_identity_and_errors(api) -> None:  # type: ignore[no-untyped-def]
    """P2's bianyuan ended 2023-12-31: nothing applies in 2024 (no deposit waiver either)."""
    client, h, _, _ = api
    d = client.post("/api/v1/eligibility", json={"psn_no": "P2", "on": "2024-02-01"}, headers=h)
    assert d.status_code == 200
    assert (d.json()["identity"], d.json()["covered"]) == (None, False)
    assert d.json()["deposit_free"]["applies"] is False
    assert client.post("/api/v1/eligibility", json={"psn_no": "P2"}).status_code == 401
    r = client.post("/api/v1/eligibility", json={"psn_no": "P9"}, headers=h)
    assert r.status_code == 404 and r.json()["error"]["code"]
    r = client.post("/api/v1/eligibility", json={"psn_no": "P1", "certno": certno(2)}, headers=h)
    assert r.status_code == 404  # both given: they must belong together
    r = client.post("/api/v1/eligibility", json={"certno": "12345"}, headers=h)
    assert r.status_code in (400, 422) and "error" in r.json()


def test_own_records_with_psn_no_and_id_number(api) -> None:  # type: ignore[no-untyped-def]
    """梅州规程 第九条 查询服务: enrolment and benefit records, by 人员编号 and ID number,
    POST only (no ID number in a URL); a wrong pair answers 404 without saying which."""
    client, _, uow, policy = api
    c = Claim(
        "S2", "P1", dt.datetime(2024, 3, 5, 10), "21", D(2024, 3, 1), D(2024, 3, 5), 200_000, 0, 0
    )
    settle(uow, policy, c, source="one_stop", actor="t")
    r = client.post("/api/v1/self/records", json={"psn_no": "P1", "certno": certno(1)})
    assert r.status_code == 200, r.text
    d = r.json()
    # 2,000 × 75% = 1,500.00
    assert [(x["setl_id"], x["maf_pay"]) for x in d["settlements"]] == [("S2", "1500.00")]
    assert {(i["code"], i["begndate"], i["enddate"]) for i in d["identities"]} == {
        ("dibao", "2024-01-01", None),
        ("bianyuan", "2023-01-01", None),
    }
    assert certno(1) not in r.text and "张三丰" not in r.text
    wrong = client.post("/api/v1/self/records", json={"psn_no": "P1", "certno": certno(2)})
    unknown = client.post("/api/v1/self/records", json={"psn_no": "P9", "certno": certno(1)})
    assert wrong.status_code == unknown.status_code == 404
    assert wrong.json()["error"]["message"] == unknown.json()["error"]["message"]
    with uow.read() as s:
        actors = [a.actor for a in s.scalars(select(AuditLog).where(AuditLog.action == "look"))]
        assert actors == ["person:P1"]
    assert client.get(f"/api/v1/self/records?certno={certno(1)}").status_code in (404, 405)
