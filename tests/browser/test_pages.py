"""Every page in the browser: opened by a user allowed to, checked with axe-core (no
serious or critical violation), photographed at 1366×768 (var/screenshots); nothing is
loaded from outside the server; 适老化: body text ≥ 16 px, the larger-text switch, high
contrast, keyboard operation with a visible focus, colour never the only cue."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest
from browser_support import WHY, axe_check, login, shot, visit
from urls import EXTRA, urls

pytestmark = pytest.mark.skipif(WHY is not None, reason=WHY or "")


def _name(url: str) -> str:
    path = urlparse(url).path.strip("/") or "dashboard"
    return "page-" + path.replace("/", "-").replace(".", "-")


def test_every_page_axe_and_screenshot(new_page: Any, live: Any) -> None:
    p = new_page()
    outside: list[str] = []
    p.on(
        "request",
        lambda r: (
            outside.append(r.url)
            if urlparse(r.url).hostname not in ("127.0.0.1", None) and not r.url.startswith("data:")
            else None
        ),
    )
    login(p, "admin")
    pages = [u for u, _ in urls(live.seeded).values()]
    pages += [u.replace("{returned}", live.seeded.returned) for u, _ in EXTRA]
    for url in pages:
        if url.endswith((".pdf", ".xlsx", ".csv")):
            r = p.request.get(url)
            assert r.status == 200, url
            continue
        visit(p, url, _name(url))
    visit(p, "/?on=2025-04-03", "page-dashboard-2025-04-03")
    assert p.locator(".chart svg").count() == 1  # ECharts drew the month's spending
    p.goto(f"/reimbursements/{live.seeded.returned}")
    assert "一次性告知" in p.inner_text("main")
    shot(p, "page-reimbursement-returned")
    # the same pages as other roles see them
    for role, url in (
        ("caseworker", "/"),
        ("first_review", "/"),
        ("finance", "/"),
        ("auditor", "/audit"),
    ):
        q = new_page()
        login(q, role)
        visit(q, url, f"role-{role}-{_name(url)}")
    q.goto("/system/users")
    assert "无权访问" in q.inner_text("main")
    shot(q, "page-403")
    axe_check(q, "page-403")
    anon = new_page()
    visit(anon, "/login", "page-login")
    r = anon.goto("/docs")
    assert r is not None and r.status == 200
    anon.wait_for_selector(".swagger-ui .info", timeout=20000)
    shot(anon, "page-docs")
    assert not outside, f"loaded from outside: {outside}"


def test_larger_text_high_contrast_and_keyboard(new_page: Any, live: Any) -> None:
    p = new_page()
    login(p, "caseworker")
    p.goto("/settlements")
    size = p.evaluate("getComputedStyle(document.body).fontSize")
    assert float(size.rstrip("px")) >= 16
    # keyboard: the first Tab reaches the skip link, with a visible focus outline
    p.keyboard.press("Tab")
    focused = p.evaluate("document.activeElement.textContent.trim()")
    assert focused == "跳到主要内容"
    outline = p.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", "")
    p.keyboard.press("Enter")
    # a search by keyboard alone: Tab to the field, type, Enter submits
    p.get_by_label("人员编号").focus()
    p.keyboard.type("P2")
    p.keyboard.press("Enter")
    p.wait_for_url("**psn_no=P2**")
    from playwright.sync_api import expect

    # P2's two settlements: S2 (one-stop) and R3-1 (the approved manual reimbursement)
    expect(p.locator("#results tbody tr")).to_have_count(2)
    assert {a.inner_text() for a in p.locator("#results tbody td:nth-child(2) a").all()} == {"P2"}
    # the larger-text switch: 20 px, remembered across pages
    p.get_by_role("button", name="大字模式").click()
    assert p.get_by_role("button", name="大字模式").get_attribute("aria-pressed") == "true"
    assert p.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    p.get_by_role("button", name="高对比度").click()
    p.goto("/")
    assert p.evaluate("document.documentElement.className").split() == ["large", "contrast"]
    assert p.evaluate("getComputedStyle(document.body).fontSize") == "20px"
    shot(p, "a11y-large-contrast-dashboard")
    axe_check(p, "a11y-large-contrast-dashboard")
    p.goto("/settlements")
    shot(p, "a11y-large-contrast-settlements")
    axe_check(p, "a11y-large-contrast-settlements")
    # colour is never the only cue: statuses are words, the current menu item is marked
    assert p.locator(".side a[aria-current=page]").count() == 1
    assert "已结算" in p.inner_text("#results")
