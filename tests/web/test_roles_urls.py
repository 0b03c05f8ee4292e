"""Every page URL tried with every role (经办员 初审 复审 审批 财务 稽核 管理员): the
permitted ones answer 200, the rest 403, none 500; signed out, every page asks for a
login. Every GET page route of the app is listed in urls.py (a new page cannot skip this)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from seed import seed
from urls import EXTRA, PUBLIC, urls
from web_support import ROLE_USERS, make_users, sign_in, web_app

from jiuzhu.adapters.db.web_tables import BUILTIN_ROLES
from jiuzhu.config import get_settings

GRANTS = {r["code"]: set(r["grants"]) for r in BUILTIN_ROLES}


def allowed(role: str, perms: tuple[str, ...]) -> bool:
    g = GRANTS[role]
    return not perms or "admin" in g or bool(g & set(perms))


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    with web_app(db_url) as (app, uow):
        make_users(uow)
        d = seed(uow, app.state.policy)
        yield app, d
    get_settings.cache_clear()


def _get_routes(app) -> set[str]:  # type: ignore[no-untyped-def]
    out = set()
    for r in app.routes:
        path = getattr(r, "path", "")
        methods = getattr(r, "methods", set()) or set()
        if "GET" in methods and not path.startswith(("/api/", "/static", "/openapi")):
            out.add(path)
    return out


def test_every_url_with_every_role(site) -> None:  # type: ignore[no-untyped-def]
    app, d = site
    table = urls(d)
    missing = _get_routes(app) - set(table) - PUBLIC
    assert not missing, f"GET routes not in tests/web/urls.py: {sorted(missing)}"
    cases = [(url, perms) for url, perms in table.values()]
    cases += [(u.replace("{returned}", d.returned), p) for u, p in EXTRA]
    anonymous = TestClient(app, follow_redirects=False)
    failures = []
    for url, _ in cases:
        r = anonymous.get(url)
        if r.status_code != 303 or "/login" not in r.headers.get("location", ""):
            failures.append(f"anonymous {url}: {r.status_code}")
    for role in ROLE_USERS:
        c = sign_in(app, role)
        for url, perms in cases:
            r = c.get(url)
            want = 200 if allowed(role, perms) else 403
            if r.status_code != want:
                failures.append(f"{role} {url}: {r.status_code}, expected {want}")
    assert not failures, "\n".join(failures)


def test_a_forbidden_action_is_refused_on_the_server(site) -> None:  # type: ignore[no-untyped-def]
    """A button hidden from a role is also refused when posted by hand (with a valid token)."""
    app, d = site
    from web_support import page_csrf

    c = sign_in(app, "auditor")
    token = page_csrf(c, "/settlements/S1")
    assert "撤销结算" not in c.get("/settlements/S1").text
    r = c.post("/settlements/S1/reverse", data={"csrf_token": token, "reason": "稽核试图撤销"})
    assert r.status_code == 403
    r = c.post(
        f"/reimbursements/{d.in_review}/decide",
        data={"csrf_token": token, "decision": "approve", "level": "first_review"},
    )
    assert r.status_code == 403
    c = sign_in(app, "caseworker")
    token = page_csrf(c)
    r = c.post(
        "/system/users",
        data={"csrf_token": token, "username": "x", "new_password": "abc12345", "roles": "admin"},
    )
    assert r.status_code == 403
