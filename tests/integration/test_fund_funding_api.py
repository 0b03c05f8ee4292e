"""The fund API (funding, budget, insurer, reports): each step over HTTP; bad input is a
4xx naming the field with nothing written; a report cell drills to its rows."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))

from settlement_support import D  # noqa: E402

from jiuzhu.adapters.db.engine import make_engine  # noqa: E402
from jiuzhu.adapters.db.fund_tables import JournalEntry  # noqa: E402
from jiuzhu.adapters.db.uow import UnitOfWork  # noqa: E402
from jiuzhu.api.app import create_app  # noqa: E402
from jiuzhu.config import get_settings  # noqa: E402
from jiuzhu.domain.events import Subsidised  # noqa: E402
from jiuzhu.policy.loader import RegionPolicy  # noqa: E402
from jiuzhu.services import messagebus  # noqa: E402
from jiuzhu.services.access.accounts import create_user  # noqa: E402

F = "/api/v1/fund"


@pytest.fixture
def api(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], UnitOfWork]]:  # fmt: skip
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    with uow.begin() as s:
        create_user(s, "cw1", "pw-finance-1", ["finance"], "test")
        create_user(s, "cw2", "pw-finance-2", ["finance"], "test")
        create_user(s, "reg", "pw-registry", ["registry"], "test")
    policy = RegionPolicy.load("shuangyashan", cli_params={"resident_income_prev_year": "30000",
                                                           "gap_city_share": "0.5"})  # fmt: skip
    app = create_app(policy=policy, engine=engine)
    with TestClient(app) as client:
        heads = {}
        for u, pw in (("cw1", "pw-finance-1"), ("cw2", "pw-finance-2"), ("reg", "pw-registry")):
            r = client.post("/api/v1/auth/login", json={"username": u, "password": pw})
            heads[u] = {"Authorization": f"Bearer {r.json()['token']}"}
        yield client, heads, uow
    engine.dispose()
    get_settings.cache_clear()


def _entries(uow: UnitOfWork) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(JournalEntry)) or 0)


def test_funding_budget_reports_over_http(api) -> None:  # type: ignore[no-untyped-def]
    client, h, uow = api
    cw = h["cw1"]
    r = client.post(f"{F}/income", headers=cw, json={"source": "own", "amount": "500000.00",
                                                     "document": "双财-1", "date": "2025-01-10", "county": "230500"})  # fmt: skip
    assert r.status_code == 200, r.text
    assert r.json()["amount"] == "500000.00"
    assert (
        client.put(
            f"{F}/plans/2025-02/230521", headers=cw, json={"amount": "120000.50"}
        ).status_code
        == 200
    )
    r = client.post(f"{F}/requests", headers=cw, json={"month": "2025-02", "document": "双医保-2"})
    assert r.json()["total"] == "120000.50"
    r = client.post(f"{F}/transfers", headers=cw, json={"county": "230521", "amount": "120000.50",
                                                        "document": "拨-1", "date": "2025-02-05", "request_month": "2025-02"})  # fmt: skip
    assert r.status_code == 200, r.text
    b = client.get(f"{F}/balances", headers=cw, params={"date": "2025-12-31"}).json()
    # 500,000.00 in, 120,000.50 out to 集贤县's 支出户
    assert b["fiscal_account"] == "379999.50"
    assert {a["agency"]: a["expenditure"] for a in b["agencies"]}["230521"] == "120000.50"
    rep = client.get(f"{F}/reports/balance_sheet", headers=cw, params={"period": "2025-02"}).json()
    cell = [r for r in rep["tables"][0]["rows"] if r[1]["value"] == "100402"][0][3]
    assert cell["value"] == "120000.50"
    d = client.get(f"{F}/reports:drill", headers=cw, params={"key": cell["drill"]}).json()
    assert d["total"] == "120000.50" and [ln["source_id"] for ln in d["lines"]] == ["transfer/拨-1"]
    for fmt, magic in (("xlsx", b"PK"), ("pdf", b"%PDF")):
        r = client.get(
            f"{F}/reports/income_statement", headers=cw, params={"period": "2025Q1", "format": fmt}
        )
        assert r.status_code == 200 and r.content.startswith(magic)
    assert client.get(f"{F}/gap", headers=cw, params={"year": 2025}).status_code == 200
    # budget: recorded by one, audited by another (its one line: 2025's subsidy of 230521)
    with uow.begin() as s:
        messagebus.publish(
            s, Subsidised("Z", "shuangyashan", 2025, "230521", 3, 90_000, D(2025, 1, 5))
        )
    assert (
        client.post(
            f"{F}/budgets",
            headers=cw,
            json={"year": 2026, "document": "预-1", "date": "2025-12-20"},
        ).status_code
        == 200
    )
    assert (
        client.post(f"{F}/budgets/2026:audit", headers=cw, json={"date": "2025-12-21"}).status_code
        == 409
    )
    r = client.post(f"{F}/budgets/2026:audit", headers=h["cw2"], json={"date": "2025-12-21"})
    assert r.json()["status"] == "audited"
    assert r.json()["lines"] == [
        {"county": "230521", "item": "expense_subsidy", "amount": "900.00"}
    ]
    assert (
        client.get(f"{F}/budgets/2026/execution", headers=cw, params={"month": 3}).status_code
        == 200
    )
    # the insurer model is meizhou's: this region has none
    r = client.post(
        f"{F}/insurer/subsidy-plans", headers=cw, json={"year": 2026, "approved": "1.00"}
    )
    assert r.status_code == 400 and "insurer" in r.text


def test_bad_input_is_4xx_and_writes_nothing(api) -> None:  # type: ignore[no-untyped-def]
    client, h, uow = api
    cw = h["cw1"]
    before = _entries(uow)
    bad = [
        ("post", f"{F}/income", {"source": "gift", "amount": "1", "document": "X", "date": "2025-01-01"}),
        ("post", f"{F}/income", {"source": "own", "amount": "-1", "document": "X", "date": "2025-01-01"}),
        ("post", f"{F}/income", {"source": "own", "amount": "1.005", "document": "X", "date": "2025-01-01"}),
        ("post", f"{F}/income", {"source": "own", "amount": "1", "document": "X", "date": "2025-01-01", "county": "999999"}),
        ("post", f"{F}/transfers", {"county": "230521", "amount": "1", "document": "T", "date": "2025-01-01"}),
        ("post", f"{F}/transfers", {"county": "23052", "amount": "1", "document": "T", "date": "2025-01-01"}),
        ("post", f"{F}/remittances", {"year": 2025, "document": "R"}),
        ("post", f"{F}/closings", {"year": 2025, "document": "C"}),
        ("post", f"{F}/requests", {"month": "2025-13", "document": "Q"}),
    ]  # fmt: skip
    for method, url, body in bad:
        r = getattr(client, method)(url, headers=cw, json=body)
        assert 400 <= r.status_code < 500, (url, body, r.status_code, r.text)
        assert "error" in r.json() or "detail" in r.json()
    assert (
        client.get(f"{F}/reports/spending", headers=cw, params={"period": "2025-13"}).status_code
        == 400
    )
    assert (
        client.get(
            f"{F}/reports:drill",
            headers=cw,
            params={"key": "src=journal&region=ningxia&account=1003"},
        ).status_code
        == 404
    )
    # a registry clerk may not touch the fund
    assert client.get(f"{F}/moves", headers=h["reg"], params={"year": 2025}).status_code == 403
    assert _entries(uow) == before


def test_insurer_schedule_over_http(
    db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """梅州规程 第十六条 over the API: 90% of 1,000,000.00 = 900,000.00 due 2025-09-30; the
    arrival on Thu 2025-09-25 plans the pass-on 5 working days later, 2025-10-09 (10-1…8 off,
    Sun 9-28 worked); a second completion of a done step is a 409."""
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    engine = make_engine(db_url)
    with UnitOfWork(engine).begin() as s:
        create_user(s, "cw", "pw-finance-1", ["finance"], "test")
    app = create_app(policy=RegionPolicy.load("meizhou"), engine=engine)
    try:
        with TestClient(app) as client:
            tok = client.post(
                "/api/v1/auth/login", json={"username": "cw", "password": "pw-finance-1"}
            ).json()["token"]
            h = {"Authorization": f"Bearer {tok}"}
            r = client.post(
                f"{F}/insurer/subsidy-plans",
                headers=h,
                json={"year": 2026, "approved": "1000000.00"},
            )
            assert r.status_code == 200, r.text
            ev = r.json()
            assert (ev["amount"], ev["due_date"], ev["basis"]["ninety"]) == (
                "900000.00",
                "2025-09-30",
                "900000.00",
            )
            r = client.post(
                f"{F}/insurer/events/{ev['id']}:done",
                headers=h,
                json={"date": "2025-09-10", "document": "请-1"},
            )
            arrival = r.json()["follow_up"]
            r = client.post(
                f"{F}/insurer/events/{arrival['id']}:done",
                headers=h,
                json={"date": "2025-09-25", "document": "到-1"},
            )
            assert r.json()["follow_up"]["due_date"] == "2025-10-09"
            again = client.post(
                f"{F}/insurer/events/{ev['id']}:done",
                headers=h,
                json={"date": "2025-09-11", "document": "x"},
            )
            assert again.status_code == 409
            steps = [
                (e["step"], e["status"])
                for e in client.get(f"{F}/insurer/schedule", headers=h).json()
            ]
            assert steps == [
                ("request", "done"),
                ("clearing", "planned"),
                ("arrival", "done"),
                ("pass_on", "planned"),
            ]
    finally:
        engine.dispose()
        get_settings.cache_clear()
