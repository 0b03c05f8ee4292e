"""Helpers of the browser tests: sign in, axe-core check, screenshot, visit."""

from __future__ import annotations

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
