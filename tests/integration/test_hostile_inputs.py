"""Issue 8 item 6: every hostile input gets a 4xx in the error shape of calc-contract §10
and writes nothing, on SQLite and PostgreSQL, through the served app (with the
settlement fast path). Before: 500s (column overflow, NUL, deep JSON), 1970-01-01 for a
date given as 0.0, full-width digits read as amounts, a `setl_id` with `/` stored but
unreachable, no body limit."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from jiuzhu.adapters.db.tables import AuditLog, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.api.fastpath import with_fast_path
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.api_keys import create_api_key

GOOD: dict[str, Any] = {
    "setl_id": "H-1",
    "psn_no": "P1",
    "setl_time": "2024-05-02 10:00:00",
    "med_type": "21",
    "begndate": "2024-05-01",
    "enddate": "2024-05-02",
    "inscp_scp_amt": "1000.00",
    "hifp_pay": "0",
    "hifmi_pay": "0",
}


@pytest.fixture
def client(uow: UnitOfWork) -> Iterator[tuple[TestClient, dict[str, str], dict[str, str]]]:
    with uow.begin() as s:
        key = create_api_key(s, "H00000000001", "test")
        create_user(s, "root", "password-root", ["admin"], "test")
    app = create_app(region="ningxia", engine=uow.engine)
    with TestClient(with_fast_path(app)) as c:
        tok = c.post("/api/v1/auth/login", json={"username": "root", "password": "password-root"})
        yield c, {"X-API-Key": key}, {"Authorization": f"Bearer {tok.json()['token']}"}


def _body(**change: Any) -> bytes:
    return json.dumps({**GOOD, **change}).encode()


CASES = {
    "amount beyond the column": _body(inscp_scp_amt="99999999999999999999"),
    "number beyond the column": _body(inscp_scp_amt=10**20),
    "1e400": json.dumps(GOOD).replace('"1000.00"', "1e400").encode(),
    "full-width digits": _body(inscp_scp_amt="１２３"),
    "padded amount": _body(inscp_scp_amt=" 12.00 "),
    "NUL in setl_id": _body(setl_id="A\x00B"),
    "control character": _body(psn_no="P1\n"),
    "date as number": _body(begndate=0.0),
    "date as integer": _body(enddate=20240502),
    "slash in setl_id": _body(setl_id="A/B"),
    "far future": _body(setl_time="2999-01-01 00:00:00"),
    "before the stay": _body(setl_time="2024-04-30 10:00:00"),
    "nested 1000 deep": b'{"a":' * 1000 + b"1" + b"}" * 1000,
    "array nested deep": b"[" * 100_000 + b"]" * 100_000,
}


def _nothing_written(uow: UnitOfWork) -> None:
    with uow.read() as s:
        assert s.scalar(select(func.count()).select_from(Settlement)) == 0
        acts = set(s.scalars(select(AuditLog.action)))
    assert "settle" not in acts


def _shape(r: Any) -> None:
    assert 400 <= r.status_code < 500, (r.status_code, r.text)
    e = r.json()["error"]
    assert set(e) == {"code", "message", "field"} and e["code"] and e["message"]


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_settlement_bodies(client, uow: UnitOfWork, case: str) -> None:  # type: ignore[no-untyped-def]
    c, key, _ = client
    for path in ("/api/v1/settlements", "/api/v1/settlements:trial"):
        r = c.post(path, content=CASES[case], headers={**key, "Content-Type": "application/json"})
        _shape(r)
    _nothing_written(uow)


def test_body_over_the_limit_is_413(client, uow: UnitOfWork) -> None:  # type: ignore[no-untyped-def]
    c, key, tok = client
    big = b'{"pad": "' + b"x" * 1_100_000 + b'"}'
    for path, h in (("/api/v1/settlements", key), ("/api/v1/settlements:trial", key)):
        r = c.post(path, content=big, headers={**h, "Content-Type": "application/json"})
        assert r.status_code == 413 and r.json()["error"]["code"] == "too_large"
    r = c.post("/api/v1/persons", content=big, headers={**tok, "Content-Type": "application/json"})
    assert r.status_code == 413
    _nothing_written(uow)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/persons/P1/years/99999999999999999999",
        "/api/v1/persons/P1/years/-99999999999999999999",
        "/api/v1/settlements/%00",
        "/api/v1/settlements/A%00B",
        "/api/v1/persons?q=%00",
        "/api/v1/persons?offset=99999999999999999999",
        "/api/v1/persons/%00",
        "/api/v1/identities/batches/99999999999999999999",
        "/api/v1/persons/P1?on=0.0",
    ],
)
def test_hostile_paths_and_queries(client, path: str) -> None:  # type: ignore[no-untyped-def]
    c, key, tok = client
    for h in (key, tok):
        r = c.get(path, headers=h)
        _shape(r)


def test_openapi_states_security_and_errors(client) -> None:  # type: ignore[no-untyped-def]
    c, _, _ = client
    doc = c.get("/openapi.json").json()
    assert set(doc["components"]["securitySchemes"]) == {"ApiKey", "Bearer"}
    op = doc["paths"]["/api/v1/settlements"]["post"]
    assert {"401", "403", "404", "409", "413", "422"} <= set(op["responses"])
    assert op["security"] == [{"ApiKey": []}, {"Bearer": []}]
    props = op["requestBody"]["content"]["application/json"]["schema"]["properties"]
    assert props["setl_id"]["pattern"] and props["setl_time"]["pattern"]
