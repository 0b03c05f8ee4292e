"""The web foundation: login (cookie flags), CSRF, idle timeout, password change, roles as
data checked on the server, the API untouched under /api/v1, /docs offline."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update
from web_support import csrf_of, make_users, page_csrf, password, sign_in, web_app

from jiuzhu.adapters.db.tables import AuditLog
from jiuzhu.adapters.db.web_tables import WebSession
from jiuzhu.config import get_settings


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    with web_app(db_url) as (app, uow):
        make_users(uow, {"both": ["first_review", "second_review"]})
        yield app, uow
    get_settings.cache_clear()


def test_login_sets_a_strict_httponly_cookie_and_logout_ends_it(site) -> None:  # type: ignore[no-untyped-def]
    app, uow = site
    c = TestClient(app, follow_redirects=False)
    assert c.get("/").status_code == 303  # not signed in → login page
    r = c.get("/login")
    token = csrf_of(r.text)
    r = c.post("/login", data={"username": "admin", "password": "wrong", "csrf_token": token})
    assert r.status_code == 401 and "用户名或密码错误" in r.text
    token = csrf_of(r.text)
    r = c.post(
        "/login", data={"username": "admin", "password": password("admin"), "csrf_token": token}
    )
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "jz_session=" in cookie and "httponly" in cookie and "samesite=strict" in cookie
    home = c.get("/")
    assert home.status_code == 200 and "工作台" in home.text
    r = c.post("/logout", data={"csrf_token": csrf_of(home.text)})
    assert r.status_code == 303
    assert c.get("/").status_code == 303
    with uow.read() as s:
        actions = [a.action for a in s.scalars(select(AuditLog).order_by(AuditLog.id))]
    assert "web_login" in actions


def test_login_form_without_its_token_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    c = TestClient(app, follow_redirects=False)
    r = c.post("/login", data={"username": "admin", "password": password("admin")})
    assert r.status_code == 403


def test_post_without_csrf_is_refused(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    c = sign_in(app, "admin")
    r = c.post("/logout")
    assert r.status_code == 403 and "CSRF" in r.text
    r = c.post("/logout", data={"csrf_token": "forged"})
    assert r.status_code == 403
    assert c.get("/").status_code == 200  # still signed in


def test_idle_session_ends(site) -> None:  # type: ignore[no-untyped-def]
    app, uow = site
    c = sign_in(app, "auditor")
    assert c.get("/").status_code == 200
    with uow.begin() as s:
        s.execute(update(WebSession).values(last_seen_at=dt.datetime(2000, 1, 1)))
    r = c.get("/")
    assert r.status_code == 303 and "/login" in r.headers["location"]
    assert c.get("/").status_code == 303  # the session stays ended


def test_password_change_needs_the_old_one_and_ends_other_sessions(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    c1 = sign_in(app, "finance")
    c2 = sign_in(app, "finance")
    token = page_csrf(c1, "/account/password")
    r = c1.post(
        "/account/password",
        data={
            "csrf_token": token,
            "old_password": "nope",
            "new_password": "abc12345",
            "new_password2": "abc12345",
        },
    )
    assert r.status_code == 400 and "原密码不正确" in r.text
    r = c1.post(
        "/account/password",
        data={
            "csrf_token": token,
            "old_password": password("finance"),
            "new_password": "abc12345",
            "new_password2": "abc12345",
        },
    )
    assert r.status_code == 200 and "密码已修改" in r.text
    assert c1.get("/").status_code == 200
    assert c2.get("/").status_code == 303  # the other browser is signed out
    sign_in(app, "finance", "abc12345")


def test_menu_shows_only_permitted_items(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    admin = sign_in(app, "admin").get("/").text
    first = sign_in(app, "first_review").get("/").text
    assert "用户与角色" in admin
    assert "用户与角色" not in first


def test_api_unchanged_and_docs_offline(site) -> None:  # type: ignore[no-untyped-def]
    app, _ = site
    c = TestClient(app)
    r = c.get("/api/v1/persons")
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert c.get("/api/v1/nothing").json()["error"]["code"] == "not_found"
    docs = c.get("/docs").text
    assert "http" not in docs.replace("http-equiv", "")
    assert c.get("/static/vendor/swagger-ui-5.35.0/swagger-ui-bundle.js").status_code == 200
    assert c.get("/redoc").status_code == 404


def test_role_grants_are_data(site) -> None:  # type: ignore[no-untyped-def]
    """A caseworker (经办员) holds registry through the staff_role row, also on the API."""
    app, _ = site
    c = TestClient(app)
    tok = c.post(
        "/api/v1/auth/login", json={"username": "caseworker", "password": password("caseworker")}
    ).json()["token"]
    r = c.get("/api/v1/persons", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 200
    r = c.get("/api/v1/admin/users", headers={"Authorization": f"Bearer {tok}"})
    assert r.status_code == 403
