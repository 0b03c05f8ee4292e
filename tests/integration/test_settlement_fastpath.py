"""`jiuzhu serve`'s short way in for POST /api/v1/settlements answers exactly as the
FastAPI route does: same status, headers and bytes, for answers, replays and every error."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from settlement_support import D, add_person, body, counts, new_key

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.api.fastpath import SettlementFastPath
from jiuzhu.services import settlement as svc

API = "/api/v1/settlements"
Clients = tuple[TestClient, TestClient, UnitOfWork, dict[str, str]]


@pytest.fixture
def clients(db_url: str) -> Iterator[Clients]:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "A", [("dibao", D(2023, 1, 1), None)])
    key = new_key(uow, "H00000000001")
    plain = create_app(region="ningxia", engine=engine)
    fast = SettlementFastPath(create_app(region="ningxia", engine=engine))
    with TestClient(plain) as p, TestClient(fast) as f:
        yield p, f, uow, {"X-API-Key": key}
    engine.dispose()


def same(a, b) -> None:  # type: ignore[no-untyped-def]
    assert (a.status_code, a.content) == (b.status_code, b.content)
    for h in ("content-type", "content-length", "x-idempotent-replay"):
        assert a.headers.get(h) == b.headers.get(h), h


def test_answer_and_replay_identical(clients: Clients) -> None:
    plain, fast, uow, h = clients
    first = fast.post(API, json=body("S1"), headers=h)
    assert first.status_code == 200 and first.headers["x-idempotent-replay"] == "false"
    # worked example, calc-contract §9: dibao class 二, 30,000 − deductible → 80% = 24,000
    assert first.json()["maf_pay"] == "24000.00"
    replay_plain = plain.post(API, json=body("S1"), headers=h)
    replay_fast = fast.post(API, json=body("S1"), headers=h)
    same(replay_plain, replay_fast)
    assert replay_fast.content == first.content  # the stored answer, byte for byte
    # the body as the route renders it with JSONResponse (compact UTF-8)
    assert (
        first.content
        == json.dumps(first.json(), ensure_ascii=False, separators=(",", ":")).encode()
    )


@pytest.mark.parametrize(
    "case",
    ["conflict", "malformed", "missing", "bad_amount", "no_key", "bad_key", "other_hospital"],
)
def test_errors_identical_and_nothing_written(clients: Clients, case: str) -> None:
    plain, fast, uow, h = clients
    fast.post(API, json=body("S1"), headers=h)
    before = counts(uow)
    kw: dict[str, object] = {"json": body("S2"), "headers": h}
    if case == "conflict":
        kw["json"] = body("S1", base="30000.01")
    elif case == "malformed":
        kw = {"content": b'{"setl_id": ', "headers": {**h, "content-type": "application/json"}}
    elif case == "missing":
        b = body("S2")
        del b["hifp_pay"]
        kw["json"] = b
    elif case == "bad_amount":
        kw["json"] = body("S2", base="12.345")
    elif case == "no_key":
        kw["headers"] = {}
    elif case == "bad_key":
        kw["headers"] = {"X-API-Key": "jz_nope"}
    elif case == "other_hospital":
        kw["json"] = body("S2", fixmedins_code="H99")
    a, b = plain.post(API, **kw), fast.post(API, **kw)  # type: ignore[arg-type]
    assert a.status_code >= 400
    same(a, b)
    assert counts(uow) == before


def test_unexpected_error_is_the_same_500(
    clients: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    plain, fast, uow, h = clients

    def boom(*a: object, **k: object) -> None:
        raise RuntimeError("x")

    monkeypatch.setattr(svc, "settle_claim", boom)
    p = TestClient(plain.app, raise_server_exceptions=False)
    f = TestClient(fast.app, raise_server_exceptions=False)
    a, b = p.post(API, json=body("S3"), headers=h), f.post(API, json=body("S3"), headers=h)
    assert a.status_code == 500
    same(a, b)


def test_other_routes_pass_through(clients: Clients) -> None:
    plain, fast, uow, h = clients
    fast.post(API, json=body("S1"), headers=h)
    for path in ("/api/v1/health", f"{API}/S1", "/api/v1/persons/A/years/2024"):
        same(plain.get(path, headers=h), fast.get(path, headers=h))
    same(
        plain.post(f"{API}:trial", json=body("S9"), headers=h),
        fast.post(f"{API}:trial", json=body("S9"), headers=h),
    )
    assert fast.get(API, headers=h).status_code == plain.get(API, headers=h).status_code
