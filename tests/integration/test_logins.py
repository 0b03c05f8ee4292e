"""Issue 8 item 7 (logins) and item 5 (the CLI's --as authenticates).

Before: no lockout, failed logins left no trace, an unknown user was answered without a
scrypt (measurably faster), and `--as USER` acted as anyone without a password.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import AuditLog
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import Unauthorized
from jiuzhu.services.access import login as login_svc
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.login import verify_login

JIUZHU = str(Path(sys.executable).parent / "jiuzhu")


@pytest.fixture
def staff(uow: UnitOfWork) -> UnitOfWork:
    with uow.begin() as s:
        create_user(s, "alice", "password-alice", ["first_review"], "test")
    return uow


def _fails(uow: UnitOfWork, user: str, pw: str) -> str:
    with pytest.raises(Unauthorized) as e:
        verify_login(uow, user, pw, via="api")
    return e.value.message


def test_lockout_after_repeated_failures_and_every_failure_audited(staff: UnitOfWork) -> None:
    n = get_settings().login_max_failures
    for _ in range(n):
        assert _fails(staff, "alice", "wrong") == "wrong username or password"
    # locked now: even the right password is refused until the lock ends
    assert "locked until" in _fails(staff, "alice", "password-alice")
    with staff.read() as s:
        acts = [
            a.action for a in s.scalars(select(AuditLog).where(AuditLog.entity == "staff_user"))
        ]
    assert acts.count("login_failed") == n and acts.count("login_locked") == 1


def test_unknown_user_same_answer_same_work_and_locked_alike(staff: UnitOfWork) -> None:
    calls: list[str] = []
    real = login_svc.verify_secret

    def spy(pw: str, stored: str) -> bool:
        calls.append(stored[:7])
        return real(pw, stored)

    with mock.patch.object(login_svc, "verify_secret", spy):
        a = _fails(staff, "alice", "wrong")
        b = _fails(staff, "nobody", "wrong")
    assert a == b  # the same message …
    assert calls == ["scrypt$", "scrypt$"]  # … after the same scrypt work
    for _ in range(get_settings().login_max_failures - 1):
        _fails(staff, "nobody", "wrong")
    assert "locked until" in _fails(staff, "nobody", "wrong")


def test_api_login_goes_through_the_service(staff: UnitOfWork) -> None:
    with TestClient(create_app(region="ningxia", engine=staff.engine)) as c:
        r = c.post("/api/v1/auth/login", json={"username": "alice", "password": "nope"})
        assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
        r = c.post("/api/v1/auth/login", json={"username": "alice", "password": "password-alice"})
        assert r.status_code == 200 and r.json()["token"].startswith("st_")


def _cli(db_url: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    e = {k: v for k, v in os.environ.items() if k not in ("JIUZHU_PASSWORD", "JIUZHU_TOKEN")}
    e.update(JIUZHU_DATABASE_URL=db_url, COLUMNS="200", **env)
    return subprocess.run(
        [JIUZHU, *args],
        env=e,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )


def test_cli_as_user_needs_that_users_credentials(staff: UnitOfWork, db_url: str) -> None:
    engine = make_engine(db_url)
    with UnitOfWork(engine).begin() as s:
        create_user(s, "bob", "password-bob", ["finance"], "test")
    engine.dispose()
    args = ("reimburse", "pay", "batch", "--as", "bob")
    r = _cli(db_url, *args)
    assert r.returncode != 0 and "JIUZHU_PASSWORD" in r.stderr
    r = _cli(db_url, *args, JIUZHU_PASSWORD="not-bobs")
    assert r.returncode != 0 and "wrong username or password" in r.stderr
    r = _cli(db_url, *args, JIUZHU_PASSWORD="password-bob")
    assert "wrong username" not in r.stderr and "JIUZHU_PASSWORD" not in r.stderr
    with TestClient(create_app(region="ningxia", engine=staff.engine)) as c:
        tok = c.post(
            "/api/v1/auth/login", json={"username": "alice", "password": "password-alice"}
        ).json()["token"]
    r = _cli(db_url, *args, JIUZHU_TOKEN=tok)  # alice's token does not make her bob
    assert r.returncode != 0 and "belongs to alice" in r.stderr
