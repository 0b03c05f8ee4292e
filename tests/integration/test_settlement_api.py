"""The settlement API (calc-contract §10) on SQLite and PostgreSQL.

Figures: calc-contract §9 (ningxia, dibao = class 二: ratio 80%, cap 50,000; tilt over
3,000 at 70%, 宁医保发〔2023〕102号 第十四条).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from settlement_support import D, add_person, body, counts, new_key, new_staff, totals_consistent
from sqlalchemy import select

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import AuditLog, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app

API = "/api/v1/settlements"


@pytest.fixture
def svc(db_url: str) -> Iterator[tuple[TestClient, UnitOfWork, dict[str, str]]]:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "A", [("dibao", D(2023, 1, 1), None)])
    key = new_key(uow, "H00000000001")
    with TestClient(create_app(region="ningxia", engine=engine)) as client:
        yield client, uow, {"X-API-Key": key}
    engine.dispose()


def test_worked_example_section_9(svc) -> None:
    client, uow, h = svc
    got = []
    for i, base in enumerate(("30000", "40000", "20000"), 1):
        b = body(f"S{i}", base=base, setl_time=f"2024-0{i}-05 10:00:00")
        b["begndate"] = b["enddate"] = f"2024-0{i}-05"
        r = client.post(API, json=b, headers=h)
        assert r.status_code == 200, r.text
        a = r.json()
        got.append((a["identity"], a["maf_pay"], a["tilt_pay"], a["totals_after"]["P"]))
        assert a["trace"] and all(step["ref"] for step in a["trace"])
    assert got == [
        ("dibao", "24000.00", "2100.00", "24000.00"),
        ("dibao", "26000.00", "9800.00", "50000.00"),
        ("dibao", "0.00", "14000.00", "50000.00"),
    ]
    r = client.get("/api/v1/persons/A/years/2024", headers=h)
    assert r.status_code == 200
    y = r.json()
    assert y["totals"] == {"S": "90000.00", "P": "50000.00", "R": "40000.00", "TP": "25900.00"}
    assert [s["setl_id"] for s in y["settlements"]] == ["S1", "S2", "S3"]
    assert totals_consistent(uow) == []


def test_same_body_again_same_answer_nothing_changed(svc) -> None:
    client, uow, h = svc
    first = client.post(API, json=body("S1"), headers=h)
    before = counts(uow)
    # the same body with amounts as JSON numbers is the same settlement
    again = client.post(
        API,
        content=json.dumps(body("S1", base=30000, hifp_pay=0, hifmi_pay=0.0)),
        headers={**h, "content-type": "application/json"},
    )
    assert again.status_code == 200
    assert again.json() == first.json()
    assert again.headers["x-idempotent-replay"] == "true"
    assert counts(uow) == before


def test_different_body_under_used_setl_id_is_409(svc) -> None:
    client, uow, h = svc
    client.post(API, json=body("S1"), headers=h)
    before = counts(uow)
    r = client.post(API, json=body("S1", base="30000.01"), headers=h)
    assert r.status_code == 409
    assert r.json()["error"]["code"] == "conflict"
    assert r.json()["error"]["field"] == "setl_id"
    # another mdtrt_id is another body too
    r = client.post(API, json=body("S1", mdtrt_id="M2"), headers=h)
    assert r.status_code == 409
    # the same body from another hospital must not see or claim it
    other = {"X-API-Key": new_key(uow, "H00000000002")}
    assert client.post(API, json=body("S1"), headers=other).status_code == 409
    assert client.post(f"{API}:trial", json=body("S1"), headers=other).status_code == 409
    assert counts(uow)[:2] == before[:2]


def test_trial_writes_nothing_and_answers_like_settle(svc) -> None:
    client, uow, h = svc
    before = counts(uow)
    t = client.post(f"{API}:trial", json=body("S1"), headers=h)
    assert t.status_code == 200
    assert counts(uow) == before
    s = client.post(API, json=body("S1"), headers=h).json()
    tj = t.json()
    assert (tj["status"], tj["source"]) == ("trial", "trial")
    for k in ("setl_id", "psn_no", "identity", "maf_pay", "tilt_pay", "totals_after", "trace"):
        assert tj[k] == s[k]


def test_reverse_takes_the_share_out_once(svc) -> None:
    client, uow, h = svc
    client.post(API, json=body("S1", base="30000", setl_time="2024-03-05 10:00:00"), headers=h)
    client.post(API, json=body("S2", base="10000", setl_time="2024-04-05 10:00:00"), headers=h)
    r = client.post(f"{API}/S1:reverse", headers=h)
    assert r.status_code == 200
    assert r.json()["status"] == "reversed"
    y = client.get("/api/v1/persons/A/years/2024", headers=h).json()
    # S2 (base 10,000) was assessed after S1: maf 8,000; R after S1 6,000 → S2 rem 2,000 all
    # over 3,000 → tilt 1,400. Only S2's share remains; S2 is not recomputed.
    assert y["totals"] == {"S": "10000.00", "P": "8000.00", "R": "2000.00", "TP": "1400.00"}
    snapshot = counts(uow)
    r2 = client.post(f"{API}/S1:reverse", headers=h)
    assert r2.status_code == 200 and r2.json()["status"] == "reversed"
    assert counts(uow) == snapshot
    assert client.get("/api/v1/persons/A/years/2024", headers=h).json()["totals"] == y["totals"]
    # the same body again after reversal: the same amounts, said to be reversed, nothing changes
    again = client.post(
        API, json=body("S1", base="30000", setl_time="2024-03-05 10:00:00"), headers=h
    )
    assert again.status_code == 200 and again.json()["status"] == "reversed"
    assert counts(uow) == snapshot
    g = client.get(f"{API}/S1", headers=h).json()
    assert g["status"] == "reversed" and g["maf_pay"] == "24000.00" and g["trace"]
    with uow.read() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).where(AuditLog.entity_id == "S1"))]
    assert actions == ["settle", "reverse"]
    assert totals_consistent(uow) == []


def test_hospitals_see_and_reverse_only_their_own(svc) -> None:
    client, uow, h = svc
    client.post(API, json=body("S1"), headers=h)
    other = {"X-API-Key": new_key(uow, "H00000000002")}
    assert client.get(f"{API}/S1", headers=other).status_code == 404
    assert client.post(f"{API}/S1:reverse", headers=other).status_code == 404
    assert client.get(f"{API}/S1", headers=h).json()["institution"] == "H00000000001"
    # a hospital may not settle in another's name
    r = client.post(API, json=body("S9", fixmedins_code="H00000000002"), headers=h)
    assert r.status_code == 403 and r.json()["error"]["field"] == "fixmedins_code"


def test_staff_read_everything_and_need_roles(svc) -> None:
    client, uow, h = svc
    client.post(API, json=body("S1"), headers=h)
    new_staff(uow, "audit1", ["auditor"])
    tok = client.post("/api/v1/auth/login", json={"username": "audit1", "password": "secret-pw-1"})
    bearer = {"Authorization": f"Bearer {tok.json()['token']}"}
    assert client.get(f"{API}/S1", headers=bearer).status_code == 200
    r = client.post(f"{API}/S1:reverse", headers=bearer)
    assert r.status_code == 403
    trail = client.get("/api/v1/admin/audit?entity=settlement", headers=bearer).json()
    assert [a["action"] for a in trail] == ["settle"]
    assert trail[0]["actor"] == "institution:H00000000001"
    # hospitals have no business in the admin API
    assert client.get("/api/v1/admin/keys", headers=h).status_code == 403


def test_errors_are_json_name_the_field_and_write_nothing(svc) -> None:
    client, uow, h = svc
    before = counts(uow)
    cases = [
        ({k: v for k, v in body("E1").items() if k != "hifp_pay"}, "hifp_pay"),
        (body("E2", base="12.345"), "inscp_scp_amt"),
        (body("E3", base="-5"), "inscp_scp_amt"),
        (body("E4", base="abc"), "inscp_scp_amt"),
        (body("E5", out_of_area=2), "out_of_area"),
        (body("E6", begndate="2024/03/01"), "begndate"),
        (body("E7", setl_time="2024-03-05"), "setl_time"),
        (body("", psn_no="A"), "setl_id"),
        (body("E8", base=True), "inscp_scp_amt"),
    ]
    for b, field in cases:
        r = client.post(API, json=b, headers=h)
        assert r.status_code in (400, 422), (field, r.text)
        err = r.json()["error"]
        assert err["field"] == field and err["code"] and field in err["message"], err
    r = client.post(API, json=body("E9", enddate="2024-02-01"), headers=h)
    assert r.status_code in (400, 422) and r.json()["error"]["field"] == "enddate"
    r = client.post(API, content=b"{not json", headers={**h, "content-type": "application/json"})
    assert r.status_code == 422 and r.json()["error"]["code"]
    r = client.post(API, content=b"[1, 2]", headers=h)
    assert r.status_code == 422
    # a number with three decimals is refused exactly (never rounded through a float)
    r = client.post(
        API, content=json.dumps(body("E10")).replace('"30000.00"', "30000.001"), headers=h
    )
    assert r.status_code == 422 and r.json()["error"]["field"] == "inscp_scp_amt"
    assert client.post(API, json=body("E11")).status_code == 401
    r = client.post(API, json=body("E11"), headers={"X-API-Key": "jz_wrong"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert client.get(f"{API}/NOPE", headers=h).status_code == 404
    assert client.get(f"{API}/NOPE", headers=h).json()["error"]["code"] == "not_found"
    assert client.post(f"{API}/NOPE:reverse", headers=h).status_code == 404
    assert counts(uow) == before


def test_colon_routes_are_not_captured_as_setl_id(svc) -> None:
    client, uow, h = svc
    # a trial is never stored as a settlement called "settlements:trial" or similar
    assert client.post(f"{API}:trial", json=body("T1"), headers=h).json()["status"] == "trial"
    assert client.get(f"{API}/T1", headers=h).status_code == 404
    # percent-encoded colon reaches the same route
    assert client.post("/api/v1/settlements%3Atrial", json=body("T1"), headers=h).status_code == 200
    # a setl_id that itself contains a colon still works for GET and reverse
    assert client.post(API, json=body("X:1"), headers=h).status_code == 200
    assert client.get(f"{API}/X:1", headers=h).json()["setl_id"] == "X:1"
    assert client.post(f"{API}/X:1:reverse", headers=h).json()["setl_id"] == "X:1"
    paths = client.get("/openapi.json").json()["paths"]
    assert {f"{API}:trial", API, f"{API}/{{setl_id}}:reverse", f"{API}/{{setl_id}}"} <= set(paths)
    assert "not recomputed" in paths[f"{API}/{{setl_id}}:reverse"]["post"]["description"]


def test_no_identity_pays_zero_with_reason_and_identity_rule(svc) -> None:
    client, uow, h = svc
    add_person(uow, "B")
    r = client.post(API, json=body("N1", psn_no="B"), headers=h).json()
    assert (r["identity"], r["maf_pay"], r["tilt_pay"], r["reason"]) == (
        None,
        "0.00",
        "0.00",
        "no_identity",
    )
    assert "无有效救助身份" in r["trace"][-1]["text"]
    # ningxia 第十二条: an identity valid on any day of the stay counts (here the last day)
    add_person(uow, "C", [("tekun", D(2024, 3, 5), None)])
    r = client.post(API, json=body("N2", psn_no="C", base="1000"), headers=h).json()
    assert (r["identity"], r["class"], r["maf_pay"]) == ("tekun", "一", "1000.00")


def test_national_fields_are_stored(svc) -> None:
    client, uow, h = svc
    b = body("M1", mdtrt_id="MD-77", medfee_sumamt=45678.9, unknown_field="ignored")
    assert client.post(API, json=b, headers=h).status_code == 200
    with uow.read() as s:
        row = s.get(Settlement, "M1")
        assert row is not None
        assert row.body["mdtrt_id"] == "MD-77" and row.body["medfee_sumamt"] == "45678.90"
        assert row.institution == "H00000000001" and row.source == "one_stop"
