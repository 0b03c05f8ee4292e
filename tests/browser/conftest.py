"""Browser tests: Playwright for Python driving Debian's chromium (/usr/bin/chromium; never
a downloaded browser) against the app served by uvicorn in a thread, on a seeded SQLite
database. axe-core (vendored from npm ``axe-core``) checks every page visited; screenshots
at 1366×768 go to var/screenshots (gitignored)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "web"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import Live, live_server  # noqa: E402

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--lang=zh-CN",
]


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Live]:
    from seed import seed
    from web_support import make_users

    def prepare(app: Any, uow: Any) -> Any:
        make_users(uow, {"both": ["first_review", "second_review"]})
        seeded = seed(uow, app.state.policy)
        app.state.policy = _operator_values(uow, app.state.policy)
        return seeded

    with live_server(tmp_path_factory.mktemp("web"), prepare) as srv:
        yield srv


LEDGER_VALUES = {
    "personal_premium": "380",
    "subsidy_share_class1": "1",
    "subsidy_share_class2": "0.6",
    "subsidy_share_class3": "0.5",
    "subsidy_share_class4": "0.5",
}
"""The numbers the 资助参保台账 needs, which ningxia leaves to the year's documents: set
as an operator would (dated, with a reference), test values, so that the ledger's pages
show lines in the screenshots instead of the missing-parameter message."""


def _operator_values(uow: Any, policy: Any) -> Any:
    import datetime as dt

    from jiuzhu.services.parameters import set_value

    with uow.begin() as s:
        for name, value in LEDGER_VALUES.items():
            policy = set_value(s, policy, name, dt.date(2023, 9, 1), value,
                               "测试用运营参数（非政策数值）", "test")  # fmt: skip
    return policy


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def new_page(browser: Any, live: Live) -> Iterator[Any]:
    """A fresh browser context (its own cookies) at 1366×768; call it for each user."""
    contexts = []

    def make() -> Any:
        ctx = browser.new_context(
            viewport={"width": 1366, "height": 768},
            locale="zh-CN",
            bypass_csp=True,  # lets the test inject axe-core; the app itself sends the CSP
            accept_downloads=True,
            base_url=live.base,
        )
        ctx.set_default_timeout(15000)
        contexts.append(ctx)
        return ctx.new_page()

    yield make
    for c in contexts:
        c.close()
