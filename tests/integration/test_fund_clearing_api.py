"""Clearing over HTTP: a hospital states its period with its key (and sees only its own),
staff approve and pay, the payables fall, the bank statement matches the payment.

tekun (class 一) in ningxia is assisted at 100% (第十四条（一）): base 5,000.00 → 5,000.00;
base 3,000.00 → 3,000.00. The hospital states S2 at 2,900.00: one amount difference."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from settlement_support import D, add_person, body, new_key

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.config import get_settings
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.access.accounts import create_user

H1, H2 = "H64010000001", "H64010000002"


@pytest.fixture
def api(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[TestClient, dict[str, str], str, str]]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    with uow.begin() as s:
        create_user(s, "cw", "pw-finance-1", ["finance"], "test")
    add_person(uow, "A", [("tekun", D(2024, 1, 1), None)])
    k1, k2 = new_key(uow, H1), new_key(uow, H2)
    app = create_app(policy=RegionPolicy.load("ningxia"), engine=engine)
    with TestClient(app) as client:
        r = client.post("/api/v1/auth/login", json={"username": "cw", "password": "pw-finance-1"})
        yield client, {"Authorization": f"Bearer {r.json()['token']}"}, k1, k2
    engine.dispose()
    get_settings.cache_clear()


def test_hospital_states_staff_pay(api) -> None:  # type: ignore[no-untyped-def]
    client, staff, k1, k2 = api
    h1, h2 = {"X-API-Key": k1}, {"X-API-Key": k2}
    for sid, base in (("S1", "5000.00"), ("S2", "3000.00")):
        assert (
            client.post("/api/v1/settlements", json=body(sid, base=base), headers=h1).status_code
            == 200
        )
    stmt = {
        "stmt_begndate": "2024-03-01", "stmt_enddate": "2024-03-31",
        "fixmedins_setl_cnt": 2, "medfee_sumamt": "7900.00", "fund_pay_sumamt": "7900.00",
        "details": [{"setl_id": "S1", "medfee_sumamt": "5000.00", "fund_pay_sumamt": "5000.00"},
                    {"setl_id": "S2", "medfee_sumamt": "2900.00", "fund_pay_sumamt": "2900.00"}],
    }  # fmt: skip
    bad = {**stmt, "details": [{"setl_id": "S1", "fund_pay_sumamt": "12.345"}]}
    r = client.post("/api/v1/fund/statements", json=bad, headers=h1)
    assert (
        r.status_code in (400, 422) and r.json()["error"]["field"] == "details[0].fund_pay_sumamt"
    )
    r = client.post(
        "/api/v1/fund/statements", json={**stmt, "stmt_enddate": "2999-01-31"}, headers=h1
    )
    assert r.status_code in (400, 422) and "unknown period" in r.json()["error"]["message"]
    r = client.post("/api/v1/fund/statements", json={**stmt, "fixmedins_code": H1}, headers=h2)
    assert r.status_code in (400, 422)
    r = client.post("/api/v1/fund/statements", json=stmt, headers=h1)
    assert r.status_code == 200, r.text
    v = r.json()
    # 3201: medfee 7,900 vs ours 8,000; fund 7,900 vs 8,000 (count agrees); 3202: S2 differs
    assert v["stmt_rslt"] == "1" and v["ours"]["fund_pay_sumamt"] == "8000.00"
    assert sorted(d["kind"] for d in v["differences"]) == [
        "amount_differs",
        "totals_differ",
        "totals_differ",
    ]
    no = v["stmt_no"]
    assert client.get(f"/api/v1/fund/statements/{no}", headers=h2).status_code == 404
    assert client.get("/api/v1/fund/statements", headers=h2).json()["items"] == []
    assert [
        s["stmt_no"] for s in client.get("/api/v1/fund/statements", headers=h1).json()["items"]
    ] == [no]
    assert (
        client.post(f"/api/v1/fund/statements/{no}:approve", json={}, headers=h1).status_code == 403
    )
    assert client.post(
        f"/api/v1/fund/statements/{no}:approve", json={}, headers=staff
    ).status_code in (400, 422)
    r = client.post(
        f"/api/v1/fund/statements/{no}:approve", json={"note": "S2 以我方为准"}, headers=staff
    )
    assert r.json()["status"] == "approved"
    acct = {
        "fixmedins_name": "一院",
        "account_name": "宁夏第一人民医院",
        "bank_name": "工行",
        "account_no": "6222020200112233445",
    }
    assert (
        client.put(f"/api/v1/fund/hospital-accounts/{H1}", json=acct, headers=staff).status_code
        == 200
    )
    b = client.post("/api/v1/fund/hospital-batches", json={}, headers=staff).json()
    assert b["total"] == "8000.00" and b["lines"][0]["account_no"] == "6222***********3445"
    csv_text = client.get(
        f"/api/v1/fund/hospital-batches/{b['batch_no']}/bank-file", headers=staff
    ).content.decode("utf-8-sig")
    assert "6222020200112233445" in csv_text and "8000.00" in csv_text
    r = client.post(f"/api/v1/fund/hospital-batches/{b['batch_no']}:confirm",
                    json={"paid_on": "2024-04-10", "bank_reference": "BK1"}, headers=staff)  # fmt: skip
    assert r.json()["status"] == "paid"
    pay = client.get("/api/v1/fund/payables", params={"as_of": "2024-12-31"}, headers=staff).json()
    assert pay["payables"] == []  # 8,000.00 owed − 8,000.00 paid
    before = client.get(
        "/api/v1/fund/payables", params={"as_of": "2024-04-09"}, headers=staff
    ).json()
    assert before["payables"] == [{"fixmedins_code": H1, "unpaid": "8000.00"}]
    tb = client.get(
        "/api/v1/fund/trial-balance", params={"as_of": "2024-12-31"}, headers=staff
    ).json()
    assert tb["debit"] == tb["credit"]
    # the bank shows the payment under the batch number: it matches, nothing differs
    bank = f"交易日期,流水号,凭证号,收入金额,支出金额\n2024-04-10,B1,{b['batch_no']},,8000.00\n"
    r = client.post("/api/v1/fund/reconcile/bank-statements", data={"account": "1004"},
                    files={"file": ("bank.csv", bank.encode(), "text/csv")}, headers=staff)  # fmt: skip
    assert r.json()["rows"] == 1
    r = client.post("/api/v1/fund/reconcile/runs", json={"account": "1004", "from": "2024-04-01", "to": "2024-04-30"},
                    headers=staff)  # fmt: skip
    assert (r.json()["matched"], r.json()["found"]) == (1, 0)
    r = client.post("/api/v1/fund/reconcile/bank-statements", data={"account": "1004"},
                    files={"file": ("bank.csv", bank.encode(), "text/csv")}, headers=staff)  # fmt: skip
    assert r.status_code in (400, 422) and r.json()["error"]["field"] == "txn_id"


def test_detail_as_a_file(api) -> None:  # type: ignore[no-untyped-def]
    client, staff, k1, _ = api
    h1 = {"X-API-Key": k1}
    assert (
        client.post("/api/v1/settlements", json=body("S1", base="5000.00"), headers=h1).status_code
        == 200
    )
    form = {"stmt_begndate": "2024-03-01", "stmt_enddate": "2024-03-31"}
    bad = b"setl_id,medfee_sumamt,fund_pay_sumamt\nS1,5000.00,50x\n"
    r = client.post(
        "/api/v1/fund/statements:upload", data=form, files={"file": ("d.csv", bad)}, headers=h1
    )
    assert r.status_code in (400, 422) and r.json()["error"]["message"].startswith(
        "d.csv, line 2, column fund_pay_sumamt"
    )
    ok = b"setl_id,medfee_sumamt,fund_pay_sumamt\nS1,5000.00,5000.00\n"
    r = client.post(
        "/api/v1/fund/statements:upload", data=form, files={"file": ("d.csv", ok)}, headers=h1
    )
    assert r.status_code == 200, r.text
    assert (r.json()["stmt_rslt"], r.json()["fixmedins_code"], r.json()["differences"]) == (
        "0",
        H1,
        [],
    )
