"""The reimbursement API: every step over HTTP with staff tokens (SQLite and PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from reimb_helpers import NINGXIA_MATERIALS, add_person, claim

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.api_keys import create_api_key

USERS = {
    "clerk": ["intake"],
    "alice": ["first_review"],
    "bob": ["second_review"],
    "carol": ["approval"],
    "eve": ["first_review", "second_review"],
    "dave": ["finance"],
}


@pytest.fixture
def api(db_url: str) -> Iterator[tuple[TestClient, dict[str, dict[str, str]]]]:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "P1", [("dibao", dt.date(2024, 1, 1), None)])
    with uow.begin() as s:
        for name, roles in USERS.items():
            create_user(s, name, "pw-" + name, roles, "test", display_name=name.upper())
        key = create_api_key(s, "H00000000001", "test")
    app = create_app(policy=RegionPolicy.load("ningxia"), engine=engine)
    with TestClient(app) as client:
        headers = {}
        for name in USERS:
            r = client.post("/api/v1/auth/login", json={"username": name, "password": "pw-" + name})
            assert r.status_code == 200, r.text
            headers[name] = {"Authorization": f"Bearer {r.json()['token']}"}
        headers["hospital"] = {"X-API-Key": key}
        yield client, headers
    engine.dispose()


def body(setl_id: str = "S1", **kw: object) -> dict[str, object]:
    d: dict[str, object] = {
        "psn_no": "P1",
        "received_on": "2024-09-20",
        "materials": NINGXIA_MATERIALS,
        "bank_name": "中国农业银行银川分行",
        "account_name": "张三丰",
        "account_no": "6228480012345678901",
        "claims": [claim(setl_id, "P1", "2024-09-01", "2024-09-10", "30000")],
    }
    d.update(kw)
    return d


def test_full_path_over_http(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, h = api
    assert (
        c.get("/api/v1/reimbursements/rules", headers=h["clerk"]).json()["deadline_working_days"]
        == 30
    )
    r = c.post("/api/v1/reimbursements", json=body(), headers=h["clerk"])
    assert r.status_code == 201, r.text
    app = r.json()
    no = app["app_no"]
    assert app["deadline"] == "2024-11-06" and app["account_no"] == "6228***********8901"
    assert "6228480012345678901" not in r.text
    # the hospital's key cannot take applications; a reviewer cannot do intake
    assert (
        c.post("/api/v1/reimbursements", json=body("S9"), headers=h["hospital"]).status_code == 403
    )
    assert c.post("/api/v1/reimbursements", json=body("S9"), headers=h["alice"]).status_code == 403
    assert (
        c.get(f"/api/v1/reimbursements/{no}/preview", headers=h["alice"]).json()["total"]
        == "26100.00"
    )
    # skipping to approval is refused
    r = c.post(
        f"/api/v1/reimbursements/{no}/decisions",
        json={"decision": "approve", "level": "approval"},
        headers=h["carol"],
    )
    assert r.status_code == 409 and r.json()["error"]["code"] == "workflow"
    # eve holds two review roles but may decide only one level
    assert (
        c.post(
            f"/api/v1/reimbursements/{no}/decisions",
            json={"decision": "approve", "reason": "齐全"},
            headers=h["eve"],
        ).status_code
        == 200
    )
    r = c.post(
        f"/api/v1/reimbursements/{no}/decisions", json={"decision": "approve"}, headers=h["eve"]
    )
    assert r.status_code == 409 and "同一人" in r.json()["error"]["message"]
    assert (
        c.post(
            f"/api/v1/reimbursements/{no}/decisions", json={"decision": "approve"}, headers=h["bob"]
        ).status_code
        == 200
    )
    r = c.post(
        f"/api/v1/reimbursements/{no}/decisions",
        json={"decision": "approve", "reason": "同意"},
        headers=h["carol"],
    )
    assert r.status_code == 200 and r.json()["approved_total"] == "26100.00"
    assert [d["actor"] for d in r.json()["decisions"]] == ["eve", "bob", "carol"]
    # lists
    assert [
        a["app_no"]
        for a in c.get("/api/v1/reimbursements?status=approved", headers=h["dave"]).json()
    ] == [no]
    assert [
        a["app_no"] for a in c.get("/api/v1/reimbursements?reviewer=bob", headers=h["dave"]).json()
    ] == [no]
    pdf = c.get(f"/api/v1/reimbursements/{no}/documents/decision", headers=h["clerk"])
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    # payment
    r = c.post("/api/v1/reimbursement-batches", json={}, headers=h["dave"])
    assert r.status_code == 201, r.text
    bno = r.json()["batch_no"]
    assert c.post("/api/v1/reimbursement-batches", json={}, headers=h["carol"]).status_code == 403
    f = c.get(f"/api/v1/reimbursement-batches/{bno}/export?format=csv", headers=h["dave"])
    assert f.status_code == 200 and "6228480012345678901" in f.content.decode("utf-8-sig")
    assert "银行账号" in f.content.decode("utf-8-sig")
    r = c.post(
        f"/api/v1/reimbursement-batches/{bno}/confirm",
        json={"bank_reference": "HD-1"},
        headers=h["dave"],
    )
    assert r.status_code == 200 and r.json()["status"] == "paid"
    assert c.get(f"/api/v1/reimbursements/{no}", headers=h["clerk"]).json()["status"] == "paid"


def test_bad_input_names_the_field(api: tuple[TestClient, dict[str, dict[str, str]]]) -> None:
    c, h = api
    bad = body()
    bad["claims"] = [
        {**claim("S1", "P1", "2024-09-01", "2024-09-10", "30000"), "enddate": "2024-13-10"}
    ]
    r = c.post("/api/v1/reimbursements", json=bad, headers=h["clerk"])
    assert r.status_code == 400
    assert r.json()["error"]["field"] == "claims[0].enddate"
    assert c.get("/api/v1/reimbursements", headers=h["clerk"]).json() == []
    r = c.post("/api/v1/reimbursements", json=body(materials=["hukou"]), headers=h["clerk"])
    assert r.status_code == 201 and r.json()["status"] == "returned"
    assert len(r.json()["problems"]) == 5
