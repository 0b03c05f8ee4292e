"""The case workers' web application (经办系统): server-rendered pages over the services.

CONVENTIONS — how a noun adds its pages (fund, warning, checks, simulation …)
------------------------------------------------------------------------------
1. One module ``jiuzhu/web/pages/<noun>.py`` with ``router = APIRouter()``; it is found
   and mounted automatically (no list to edit). Paths are Chinese-free, plural nouns:
   ``/fund/...``, ``/warnings/...``. Never under ``/api`` (the API is unchanged).
2. Menu: at import, ``add_menu(key, label, href, perms=(...), group=...)``
   (``web/menu.py``; groups ``home registry settlement reimbursement fund warning policy
   system``, or ``add_group``). ``perms`` are permission codes (``services.access.roles.PERMISSIONS``);
   roles (岗位, table ``staff_role``) grant them; ``admin`` holds all.
3. Every route: ``user: WebUser = Depends(need("perm", ...))`` — the server-side check
   (403 otherwise) and, for POST, the CSRF check. Buttons: ``{% if user.can("perm") %}``
   in the template AND the same ``need()`` on the route they call. Add the URL with its
   permitted perms to ``tests/web/urls.py`` (every URL × every role is tested).
4. Routes return data: call the service, then ``page(request, "<noun>/list.html", {...},
   partial="<noun>/_table.html")``. Templates live in ``templates/<noun>/``; a list page
   ``{% extends "base.html" %}`` and uses the macros of ``_macros.html``: ``search_form``
   (查询/重置), ``toolbar`` (新增/导入/导出), ``pager``, ``dialog``. The table is its own
   ``_table.html`` (htmx swaps it on 查询 and paging). ``breadcrumbs`` is a list of
   ``(label, href)`` in the context.
5. Forms: ``<form method="post">{{ csrf_field() }}…`` (htmx sends the token header itself).
   Money is integer fen: show with ``|money`` (or ``|yuan`` for a service's two-decimal
   string), right-aligned (``class="num"``); dates ``|day``. ID numbers and names masked
   (domain.pii); revealing one needs a reason and is audited (see pages/persons.py).
6. 导出: the list route takes ``export=xlsx`` and returns ``xlsx_response(...)`` with the
   same filter (``export_url(request)`` builds the link).
7. Assets: only vendored files under ``static/vendor/<name>-<version>/``; nothing from
   outside; no inline scripts (the CSP forbids them): put JS in ``static/*.js``.
8. Tests: ``tests/web`` (TestClient) and ``tests/browser`` (Playwright on /usr/bin/chromium,
   axe-core, screenshots under var/screenshots).
"""

from __future__ import annotations

import importlib
import pkgutil
import time
import urllib.parse
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiuzhu.domain.errors import JiuzhuError, SessionEnded
from jiuzhu.web.render import HERE, page

SWAGGER = "/static/vendor/swagger-ui-5.35.0"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
    "script-src 'self'; object-src 'none'; frame-ancestors 'none'; base-uri 'self'; "
    "form-action 'self'"
)


def _is_api(request: Request) -> bool:
    p = request.url.path
    return p.startswith("/api/") or p in ("/openapi.json",)


def _error_page(request: Request, status: int, message: str) -> Response:
    titles = {400: "请求有误", 403: "无权访问", 404: "未找到", 405: "不支持的操作", 500: "系统错误"}
    return page(
        request,
        "error.html",
        {"status": status, "title": titles.get(status, "出错了"), "message": message},
        status_code=status,
    )


def _login_redirect(request: Request, exc: JiuzhuError) -> Response:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    url = "/login?" + urllib.parse.urlencode({"next": target, "why": exc.message})
    if request.headers.get("hx-request"):
        return Response(status_code=200, headers={"HX-Redirect": url})
    return RedirectResponse(url, status_code=303)


def install_html_errors(app: FastAPI) -> None:
    """Pages get an HTML answer, the API keeps its JSON shape (calc-contract §10)."""
    api = dict(app.exception_handlers)

    async def on_jiuzhu(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return await api[JiuzhuError](request, exc)  # type: ignore[no-any-return]
        assert isinstance(exc, JiuzhuError)
        if isinstance(exc, SessionEnded):
            return _login_redirect(request, exc)
        return _error_page(request, exc.http_status, exc.message)

    async def on_validation(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return await api[RequestValidationError](request, exc)  # type: ignore[no-any-return]
        return _error_page(request, 400, "请求参数有误 invalid request parameters")

    async def on_http(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return await api[StarletteHTTPException](request, exc)  # type: ignore[no-any-return]
        assert isinstance(exc, StarletteHTTPException)
        return _error_page(request, exc.status_code, str(exc.detail))

    async def on_any(request: Request, exc: Exception) -> Response:
        if _is_api(request):
            return await api[Exception](request, exc)  # type: ignore[no-any-return]
        return _error_page(request, 500, f"系统内部错误（{type(exc).__name__}），已记录")

    app.add_exception_handler(JiuzhuError, on_jiuzhu)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(StarletteHTTPException, on_http)
    app.add_exception_handler(Exception, on_any)


def page_modules() -> list[str]:
    from jiuzhu.web import pages

    return sorted(
        m.name for m in pkgutil.iter_modules(pages.__path__) if not m.name.startswith("_")
    )


def install(app: FastAPI) -> None:
    """Mount the pages, the vendored assets and the offline /docs on the API's app."""
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")

    @app.get("/docs", include_in_schema=False)
    def docs() -> HTMLResponse:
        return HTMLResponse(
            f"""<!doctype html><html lang="zh-CN"><head><meta charset="utf-8">
<title>jiuzhu API</title><link rel="stylesheet" href="{SWAGGER}/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="{SWAGGER}/swagger-ui-bundle.js"></script>
<script src="/static/docs-init.js"></script></body></html>"""
        )

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        t0 = time.perf_counter()
        resp: Response = await call_next(request)
        if not _is_api(request):
            # the page's server time (make bench reads it; browsers show it in devtools)
            resp.headers["Server-Timing"] = f"app;dur={(time.perf_counter() - t0) * 1000:.1f}"
            resp.headers.setdefault("Content-Security-Policy", CSP)
            resp.headers.setdefault("X-Frame-Options", "DENY")
            resp.headers.setdefault("X-Content-Type-Options", "nosniff")
            resp.headers.setdefault("Referrer-Policy", "same-origin")
            if not request.url.path.startswith("/static/"):
                resp.headers.setdefault("Cache-Control", "no-store")
        return resp

    for name in page_modules():
        mod = importlib.import_module(f"jiuzhu.web.pages.{name}")
        app.include_router(mod.router, include_in_schema=False)
    install_html_errors(app)
