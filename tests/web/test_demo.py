"""`make run` (jiuzhu demo): the demonstration data carries one login per role and
reimbursements at every stage, and each printed login opens the web application."""

from __future__ import annotations

from pathlib import Path

import pytest
from web_support import sign_in, web_app

from jiuzhu.config import get_settings


def test_demo_has_a_login_per_role(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from jiuzhu.cli.demo import prepare
    from jiuzhu.cli.demo_web import ROLE_LOGINS
    from jiuzhu.wire import reimbursement as rb

    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    url = f"sqlite:///{tmp_path / 'demo.db'}"
    info = prepare(url, 60, 2025)
    assert set(info["roles"]) == {u for u, _, _ in ROLE_LOGINS}
    with web_app(url) as (app, uow):
        apps = rb.list_applications(uow, region="ningxia", limit=100)
        assert sorted(a["status"] for a in apps) == sorted(
            ["in_review", "in_review", "in_review", "in_review", "paid", "returned"]
        )
        for username, _, name in ROLE_LOGINS:
            c = sign_in(app, username, info["roles"][username])
            assert name in c.get("/").text
        sign_in(app, info["username"], info["password"])
    again = prepare(url, 60, 2025)  # a re-run keeps the same logins
    assert again["roles"] == info["roles"]
    get_settings.cache_clear()
