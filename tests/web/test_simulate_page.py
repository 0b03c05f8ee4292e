"""The 政策测算 page: a change on the year's stored settlements, tables and a chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from web_support import make_users, page_csrf, sign_in, web_app

from jiuzhu.config import get_settings
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.settlement import settle


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:  # type: ignore[type-arg]
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    with web_app(db_url) as (app, uow):
        make_users(uow)
        yield app, uow
    get_settings.cache_clear()


def test_simulation_page(site) -> None:  # type: ignore[no-untyped-def]
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "integration"))
    from settlement_support import D, add_person

    app, uow = site
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    policy = RegionPolicy.load("ningxia")
    for i, (day, base) in enumerate(
        [("2024-02-01", 3_000_000), ("2024-05-01", 4_000_000), ("2024-08-01", 2_000_000)]
    ):
        d = dt.date.fromisoformat(day)
        t = dt.datetime.combine(d, dt.time(10))
        settle(uow, policy, Claim(f"S{i}", "A", t, "21", d, d, base, 0, 0), source="import",
               actor="test")  # fmt: skip
    c = sign_in(app, "finance")
    token = page_csrf(c, "/simulate")
    change = "classes:\n  二:\n    annual_cap: [{from: 2024-01-01, value: 60000}]\n"
    r = c.post("/simulate", data={"year": "2024", "change": change, "csrf_token": token})
    assert r.status_code == 200, r.text
    # calc-contract §9: 75,900.00 now; a 60,000 cap pays 78,900.00 (tests/unit/test_simulate.py)
    assert "75900.00" in r.text and "78900.00" in r.text and "3000.00" in r.text
    assert "data-chart" in r.text
    r = c.post(
        "/simulate", data={"year": "2024", "change": "classes: {九: {}}", "csrf_token": token}
    )
    assert r.status_code == 400 and "classes.九" in r.text
    assert sign_in(app, "caseworker").get("/simulate").status_code in (303, 403)
