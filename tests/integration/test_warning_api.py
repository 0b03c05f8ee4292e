"""The warning and checks API: a settlement over the line appears on the list, moves by
the transition table, is pushed (password once, file encrypted), dashboard counts; checks
run and findings move; bad status names are 4xx with the field, never a 500."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from settlement_support import new_key  # noqa: E402
from test_warning_realtime import full_policy  # noqa: E402

from jiuzhu.adapters.db.engine import make_engine  # noqa: E402
from jiuzhu.adapters.db.uow import UnitOfWork  # noqa: E402
from jiuzhu.api.app import create_app  # noqa: E402
from jiuzhu.config import get_settings  # noqa: E402
from jiuzhu.services.access.accounts import create_user  # noqa: E402
from jiuzhu.services.warning.push import open_push_file  # noqa: E402


@pytest.fixture
def api(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, dict[str, str], str]]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    with uow.begin() as s:
        create_user(s, "w", "pw-warning", ["warning", "checks"], "test")
    key = new_key(uow)
    app = create_app(
        policy=full_policy("shuangyashan", {"resident_income_prev_year": "30000"}), engine=engine
    )
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/login", json={"username": "w", "password": "pw-warning"})
        yield client, {"Authorization": f"Bearer {r.json()['token']}"}, key
    engine.dispose()
    get_settings.cache_clear()


def test_settle_list_push_dashboard(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    client, h, key = api
    body = {"setl_id": "A1", "psn_no": "X", "setl_time": "2024-05-01 10:00:00", "med_type": "21",
            "begndate": "2024-04-20", "enddate": "2024-05-01", "inscp_scp_amt": "9000.00",
            "hifp_pay": "1000.00", "hifmi_pay": "0", "medfee_sumamt": "12000.00"}  # fmt: skip
    assert client.post(
        "/api/v1/settlements", json=body, headers={"X-API-Key": key}
    ).status_code in (200, 201)
    # H = 12000 − 1000 = 11000 > 10000: sy_10000 (双鸭山实施办法 第二十五条)
    items = client.get("/api/v1/warning/entries", headers=h).json()["items"]
    assert [(e["psn_no"], e["line"], e["amount"], e["status"]) for e in items] == [
        ("X", "sy_10000", "11000.00", "new")
    ]
    assert client.get("/api/v1/warning/dashboard", headers=h).json() == {
        "open_warnings": 1,
        "open_findings": 0,
    }
    bad = client.post(
        f"/api/v1/warning/entries/{items[0]['id']}:status", json={"status": "nonsense"}, headers=h
    )
    assert bad.status_code in (400, 422) and bad.json()["error"]["field"] == "status"
    r = client.post(
        "/api/v1/warning/pushes", json={"department": "minzheng", "format": "csv"}, headers=h
    )
    assert r.status_code == 200, r.text
    pw = r.json()["password"]
    f = client.get(r.json()["file"], headers=h)
    (tmp_path / "p.zip").write_bytes(f.content)
    name, content = open_push_file(tmp_path / "p.zip", pw)
    assert b"sy_10000" in content
    back = client.post(
        f"/api/v1/warning/entries/{items[0]['id']}:status", json={"status": "new"}, headers=h
    )
    assert back.status_code == 409
    run = client.post(
        "/api/v1/checks/runs", json={"rules": ["hospital_no_identity"]}, headers=h
    ).json()
    assert run["found"] == {"hospital_no_identity": 0}
    assert (
        client.post(
            "/api/v1/checks/findings/99:step", json={"action": "assign", "assignee": "a"}, headers=h
        ).status_code
        == 404
    )
