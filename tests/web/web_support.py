"""Shared by the web tests: an app on a fresh database with one user per role, and a
signed-in TestClient per user (login through the form, CSRF token read from the page)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from fastapi.testclient import TestClient

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.access.accounts import create_user

ROLE_USERS = {
    "caseworker": "经办员",
    "first_review": "初审",
    "second_review": "复审",
    "approval": "审批",
    "finance": "财务",
    "auditor": "稽核",
    "admin": "管理员",
}
"""username = role code, one user per role (password ``pw-<role>-1``)."""


def password(role: str) -> str:
    return f"pw-{role}-1"


def make_users(uow: UnitOfWork, extra: dict[str, list[str]] | None = None) -> None:
    with uow.begin() as s:
        for role, name in ROLE_USERS.items():
            create_user(s, role, password(role), [role], "test", name + "甲")
        for username, roles in (extra or {}).items():
            create_user(s, username, password(username), roles, "test", username)


@contextmanager
def web_app(db_url: str, region: str = "ningxia") -> Iterator[tuple[object, UnitOfWork]]:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    app = create_app(policy=RegionPolicy.load(region), engine=engine)
    try:
        yield app, uow
    finally:
        engine.dispose()


CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    m = CSRF.search(html)
    assert m, "no csrf_token on the page"
    return m.group(1)


def sign_in(app: object, username: str, pw: str | None = None) -> TestClient:
    c = TestClient(app, base_url="http://testserver", follow_redirects=False)  # type: ignore[arg-type]
    r = c.get("/login")
    token = csrf_of(r.text)
    r = c.post(
        "/login",
        data={"username": username, "password": pw or password(username), "csrf_token": token},
    )
    assert r.status_code == 303, r.text
    return c


def page_csrf(client: TestClient, url: str = "/") -> str:
    r = client.get(url)
    assert r.status_code == 200, r.text
    return csrf_of(r.text)


def var_dir(tmp_path: Path) -> Path:
    d = tmp_path / "var"
    d.mkdir(exist_ok=True)
    return d
