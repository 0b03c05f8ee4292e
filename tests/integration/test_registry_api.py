"""The registry over HTTP (SQLite and PostgreSQL): staff bearer auth, masked JSON, list
upload with the diff report, refusal with nothing written, enrolment plan JSON and XLSX."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from registry_data import ZH_HEADER, bad_check_digit, certno, csv_text
from sqlalchemy import func, select

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import AuditLog, PersonIdentity
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.config import get_settings
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.access.accounts import create_user

ROWS = [
    ("P1", certno(1), "张三丰", "特困人员", "2024-01-01", ""),
    ("P2", certno(2), "欧阳小明", "低保对象", "2024-01-01", ""),
    ("P2", certno(2), "欧阳小明", "低保边缘家庭成员", "2023-01-01", ""),
]
CLEAR = [certno(1), certno(2), "张三丰", "欧阳小明"]


@pytest.fixture
def api(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], UnitOfWork]]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    with uow.begin() as s:
        create_user(s, "reg", "pw-reg", ["registry"], "test")
        create_user(s, "fin", "pw-fin", ["finance"], "test")
    policy = RegionPolicy.load("shuangyashan", cli_params={"personal_premium": "380"})
    app = create_app(policy=policy, engine=engine)
    with TestClient(app) as client:
        h = {}
        for u in ("reg", "fin"):
            r = client.post("/api/v1/auth/login", json={"username": u, "password": "pw-" + u})
            h[u] = {"Authorization": f"Bearer {r.json()['token']}"}
        yield client, h, uow
    engine.dispose()
    get_settings.cache_clear()


def upload(client: TestClient, headers: dict[str, str], text: str, **form: str):
    return client.post(
        "/api/v1/identities/import",
        headers=headers,
        files={"file": ("minzheng.csv", text.encode(), "text/csv")},
        data={"source": "minzheng", **form},
    )


def test_upload_list_and_read_persons_masked(api) -> None:  # type: ignore[no-untyped-def]
    client, h, uow = api
    r = upload(client, h["reg"], csv_text(ROWS, ZH_HEADER))
    assert r.status_code == 200, r.text
    rep = r.json()
    assert rep["counts"]["added"] == 3 and rep["counts"]["persons_created"] == 2
    again = upload(client, h["reg"], csv_text(ROWS, ZH_HEADER)).json()
    assert again["changed_anything"] is False and again["counts"]["unchanged"] == 3

    r = client.get("/api/v1/persons", headers=h["reg"])
    assert r.status_code == 200 and r.json()["total"] == 2
    r = client.get("/api/v1/persons/P2", headers=h["reg"], params={"on": "2024-06-01"})
    d = r.json()
    assert d["name"] == "欧**明" and d["certno"] == certno(2)[0] + "*" * 16 + certno(2)[-1]
    top = [(i["code"], i["highest"]) for i in d["identities"]]
    assert sorted(top) == [("bianyuan", False), ("dibao", True)]  # 双鸭山 第四条 class order
    # an ID number never goes in a URL (issue 8 item 4): POST with the number in the body
    r = client.get("/api/v1/persons", headers=h["reg"], params={"q": certno(1)})
    assert r.status_code == 400 and r.json()["error"]["field"] == "q"
    r = client.post("/api/v1/persons:search", headers=h["reg"], json={"q": certno(1)})
    assert [p["psn_no"] for p in r.json()["items"]] == ["P1"]

    body = json.dumps([rep, again, client.get("/api/v1/persons", headers=h["reg"]).json(), d])
    body += json.dumps(
        client.get(f"/api/v1/identities/batches/{rep['batch_id']}", headers=h["reg"]).json(),
        ensure_ascii=False,
    )
    with uow.read() as s:
        body += json.dumps(
            [(a.before, a.after) for a in s.scalars(select(AuditLog))], ensure_ascii=False
        )
    for c in CLEAR:
        assert c not in body and json.dumps(c)[1:-1] not in body


def test_refused_upload_writes_nothing(api) -> None:  # type: ignore[no-untyped-def]
    client, h, uow = api
    bad = [ROWS[0], ("P3", bad_check_digit(certno(3)), "王五", "dibao", "2024-01-01", "")]
    r = upload(client, h["reg"], csv_text(bad, ZH_HEADER))
    assert r.status_code == 422
    e = r.json()
    assert e["error"]["code"] == "invalid_input" and e["error"]["field"] == "身份证号码"
    assert e["report"]["errors"][0]["line"] == 3
    with uow.read() as s:
        assert s.scalar(select(func.count()).select_from(PersonIdentity)) == 0
    r = upload(client, h["reg"], csv_text(bad, ZH_HEADER), accept_valid="true")
    assert r.status_code == 200 and r.json()["counts"]["added"] == 1


def test_auth_and_roles(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    assert client.get("/api/v1/persons").status_code == 401
    assert upload(client, h["fin"], csv_text(ROWS)).status_code == 403
    r = client.post(
        "/api/v1/persons",
        headers=h["reg"],
        json={"psn_no": "P7", "certno": bad_check_digit(certno(7)), "name": "周九"},
    )
    assert r.status_code == 400 and r.json()["error"]["field"] == "certno"


def test_identity_endpoints_and_enrolment_plan(api) -> None:  # type: ignore[no-untyped-def]
    client, h, _ = api
    r = client.post(
        "/api/v1/persons",
        headers=h["reg"],
        json={"psn_no": "P7", "certno": certno(7), "name": "周九"},
    )
    assert r.status_code == 201 and r.json()["name"] == "周*"
    r = client.post(
        "/api/v1/persons/P7/identities",
        headers=h["reg"],
        json={"code": "dibao", "begndate": "2024-01-01"},
    )
    assert r.status_code == 201
    iid = r.json()["id"]
    r = client.post(
        "/api/v1/persons/P7/identities",
        headers=h["reg"],
        json={"code": "dibao", "begndate": "2024-05-01"},
    )
    assert r.status_code == 409
    r = client.post(
        f"/api/v1/identities/{iid}:end", headers=h["reg"], json={"enddate": "2025-06-30"}
    )
    assert r.status_code == 200 and r.json()["enddate"] == "2025-06-30"
    r = client.put("/api/v1/enrolment/P7/2025", headers=h["reg"], json={"status": "local"})
    assert r.status_code == 200

    r = client.get("/api/v1/enrolment/plan", headers=h["fin"], params={"year": 2025})
    assert r.status_code == 200, r.text
    plan = r.json()
    (line,) = plan["lines"]
    # 双鸭山实施办法 第五条（二）: 低保 60% of 380.00 = 228.00; leaves 2025-06-30, no claw-back
    assert (line["subsidy"], line["personal"], line["case"]) == ("228.00", "152.00", "local")
    assert line["certno"] == certno(7)[0] + "*" * 16 + certno(7)[-1] and line["name"] == "周*"
    r = client.get("/api/v1/enrolment/plan.xlsx", headers=h["fin"], params={"year": 2025})
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.content), read_only=True)
    cells = " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )
    assert "人员编号" in cells and "周*" in cells and certno(7) not in cells and "周九" not in cells
