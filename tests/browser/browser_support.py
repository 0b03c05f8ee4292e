"""Helpers of the browser tests: sign in, axe-core check, screenshot, visit."""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).parent / "vendor" / "axe-core-4.14.1" / "axe.min.js"
SHOTS = ROOT / "var" / "screenshots"


def unavailable() -> str | None:
    """Why the browser tests cannot run here (None when they can)."""
    if not Path("/usr/bin/chromium").exists():
        return "Debian's chromium is not installed (/usr/bin/chromium): apt-get install chromium"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright (Python) is not installed: make install"
    return None


WHY = unavailable()


def login(page: Any, username: str, password: str | None = None) -> None:
    from web_support import password as pw

    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password or pw(username))
    page.get_by_role("button", name="登录").click()
    page.wait_for_url(lambda u: "/login" not in u)


def axe_check(page: Any, name: str) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    page.add_script_tag(path=str(AXE))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} — "
        + "; ".join(
            n["target"][0] if isinstance(n["target"][0], str) else str(n["target"])
            for n in v["nodes"][:5]
        )
        for v in result["violations"]
        if v.get("impact") in ("serious", "critical")
    ]
    assert not bad, f"axe on {name} ({page.url}):\n" + "\n".join(bad)


def shot(page: Any, name: str) -> Path:
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def visit(page: Any, url: str, name: str) -> None:
    """Open a page, check it answered 200, run axe, take the screenshot."""
    resp = page.goto(url)
    assert resp is not None and resp.status == 200, f"{url}: {resp.status if resp else None}"
    page.wait_for_load_state("networkidle")
    shot(page, name)
    axe_check(page, name)


class Live:
    """The app served by uvicorn in a thread; ``uow`` and ``seeded`` for the tests' use."""

    def __init__(self, app: Any, uow: Any = None, seeded: Any = None) -> None:
        import uvicorn

        self.app, self.uow, self.seeded = app, uow, seeded
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = int(s.getsockname()[1])
        self.base = f"http://127.0.0.1:{self.port}"
        cfg = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(cfg)
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


@contextlib.contextmanager
def live_server(
    tmp: Path, prepare: Callable[[Any, Any], Any], region: str | None = None
) -> Iterator[Live]:
    """A fresh migrated SQLite database under ``tmp`` (its var folder there too), the web
    application on it served live; ``prepare(app, uow)`` seeds it and returns the seed."""
    from web_support import web_app

    from jiuzhu.adapters.db import migrate
    from jiuzhu.config import get_settings

    old = os.environ.get("JIUZHU_VAR_DIR")
    os.environ["JIUZHU_VAR_DIR"] = str(tmp / "var")
    get_settings.cache_clear()
    url = f"sqlite:///{tmp / 'jiuzhu.db'}"
    migrate.upgrade(url)
    try:
        kw = {"region": region} if region else {}
        with web_app(url, **kw) as (app, uow):
            srv = Live(app, uow, prepare(app, uow))
            try:
                yield srv
            finally:
                srv.stop()
    finally:
        if old is None:
            os.environ.pop("JIUZHU_VAR_DIR", None)
        else:
            os.environ["JIUZHU_VAR_DIR"] = old
        get_settings.cache_clear()
