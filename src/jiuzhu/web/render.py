"""Rendering: Jinja2 templates, the filters every page shares, paging and XLSX export.

Routes return data; :func:`page` puts it into the noun's template (or, for an htmx
request, into its ``_partial.html`` piece). Amounts are integer fen formatted here only
(``money``: two decimals, thousands separators); dates ``YYYY-MM-DD``.
"""

from __future__ import annotations

import datetime as dt
import math
import urllib.parse
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates
from jinja2 import pass_context
from markupsafe import Markup, escape

from jiuzhu.policy.money import format_fen
from jiuzhu.reports.xlsx import Sheet, xlsx_bytes
from jiuzhu.services.browse import COUNT_CAP  # lists say "1000+"
from jiuzhu.web.menu import menu_for

HERE = Path(__file__).parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
ASSET_VERSION = "5"


def money(fen: int | None) -> str:
    """Integer fen → ``12,345.67`` (no float anywhere)."""
    if fen is None:
        return ""
    text = format_fen(int(fen))
    sign = "-" if text.startswith("-") else ""
    whole, _, frac = text.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}.{frac}"


def day(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, dt.datetime):
        return v.date().isoformat()
    if isinstance(v, dt.date):
        return v.isoformat()
    return str(v)[:10]


def when(v: Any) -> str:
    if v is None or v == "":
        return ""
    if isinstance(v, dt.datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    return str(v)[:19]


def yuan(text: Any) -> str:
    """A two-decimal amount string from a service view (``"1234.50"``) with separators."""
    s = str(text) if text else ""  # None, "" and jinja's Undefined show nothing
    if not s:
        return ""
    sign = "-" if s.startswith("-") else ""
    whole, _, frac = s.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}.{(frac + '00')[:2]}"


def identity_zh(code: str | None) -> str:
    """An identity code with its Chinese name (calc-contract §1), e.g. ``低保对象（dibao）``."""
    from jiuzhu.policy.schema import IDENTITY_CODES

    if not code:
        return "无"
    name = IDENTITY_CODES.get(code, code)
    short = name.split("（")[-1].rstrip("）") if "（" in name else name
    return f"{short}（{code}）"


templates.env.filters.update(money=money, day=day, when=when, yuan=yuan, identity_zh=identity_zh)


@pass_context
def csrf_field(ctx: Any) -> Markup:
    """The hidden CSRF input every ``<form method="post">`` carries."""
    return Markup(f'<input type="hidden" name="csrf_token" value="{escape(ctx.get("csrf", ""))}">')


templates.env.globals["csrf_field"] = csrf_field

PREFS = ("large", "contrast")


def prefs_class(request: Request) -> str:
    """大字模式 / 高对比度 from the ``jz_prefs`` cookie (rendered server-side: no flash)."""
    chosen = request.cookies.get("jz_prefs", "").split(".")
    return " ".join(p for p in PREFS if p in chosen)


templates.env.globals["prefs_class"] = prefs_class


@dataclass
class Pager:
    """Page ``page`` (from 1) of ``size`` rows; ``total`` may be capped (``capped``)."""

    page: int
    size: int
    total: int
    capped: bool = False

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.size))

    def link(self, request: Request, page: int) -> str:
        q = dict(request.query_params)
        q["page"] = str(page)
        return f"{request.url.path}?{urllib.parse.urlencode(q)}"


SIZES = (10, 20, 50, 100)


def pager(page: int | str | None, size: int | str | None) -> Pager:
    try:
        p = max(1, int(page or 1))
    except ValueError:
        p = 1
    try:
        sz = int(size or 20)
    except ValueError:
        sz = 20
    return Pager(p, sz if sz in SIZES else 20, 0)


def page(
    request: Request,
    template: str,
    ctx: dict[str, Any] | None = None,
    *,
    partial: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    """Render a page for the signed-in user; an htmx request gets ``partial`` only."""
    user = getattr(request.state, "web_user", None)
    menu = menu_for(user) if user else []
    path = request.url.path
    hrefs = [it.href for _, items in menu for it in items]
    hits = [h for h in hrefs if path == h or (h != "/" and path.startswith(h + "/"))]
    data = {
        "request": request,
        "user": user,
        "menu": menu,
        "current_href": max(hits, key=len) if hits else None,
        "csrf": user.csrf if user else "",
        "breadcrumbs": [],
        "asset_version": ASSET_VERSION,
        "path": request.url.path,
        **(ctx or {}),
    }
    name = template
    if partial and request.headers.get("hx-request") and not request.headers.get("hx-boosted"):
        name = partial
    return templates.TemplateResponse(request, name, data, status_code=status_code)


def export_url(request: Request) -> str:
    """The current list's URL with ``export=xlsx``: 导出 writes the current filter."""
    q = {k: v for k, v in request.query_params.items() if k not in ("page", "export")}
    q["export"] = "xlsx"
    return f"{request.url.path}?{urllib.parse.urlencode(q)}"


templates.env.globals["export_url"] = export_url


def xlsx_response(
    filename: str,
    title: str,
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    notes: Sequence[str] = (),
) -> Response:
    data = xlsx_bytes([Sheet(title, headers, rows, notes=notes)])
    quoted = urllib.parse.quote(filename)
    return Response(
        data,
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"},
    )


def safe_next(target: str | None) -> str:
    """Only a local path may follow a login (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return "/"


__all__ = ["COUNT_CAP", "Markup", "Pager", "page", "pager", "templates", "xlsx_response", "money", "day"]
