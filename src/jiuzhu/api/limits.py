"""Request body size limit (413, issue 8 item 6): by ``Content-Length`` before anything
is read, and by counting for a chunked body. The settings give the limit
(``JIUZHU_MAX_BODY_BYTES``)."""

from __future__ import annotations

import re

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from jiuzhu.domain.errors import JiuzhuError


class PayloadTooLarge(JiuzhuError):
    code = "too_large"
    http_status = 413


def _too_large(limit: int) -> PayloadTooLarge:
    return PayloadTooLarge(f"request body larger than {limit} bytes")


def limited_receive(scope: Scope, receive: Receive, limit: int) -> Receive:
    """``receive`` that raises :class:`PayloadTooLarge` once the body passes ``limit``
    (at once when the declared ``Content-Length`` does)."""
    for name, value in scope.get("headers", ()):
        if name == b"content-length":
            try:
                declared = int(value)
            except ValueError:
                declared = 0
            if declared > limit:
                raise _too_large(limit)
            break
    seen = 0

    async def receive_limited() -> Message:
        nonlocal seen
        message = await receive()
        if message["type"] == "http.request":
            seen += len(message.get("body", b""))
            if seen > limit:
                raise _too_large(limit)
        return message

    return receive_limited


_CTRL_ESC = re.compile(rb"%(?:[01][0-9A-Fa-f]|7[Ff])")


def url_problem(scope: Scope) -> str | None:
    """A URL with control characters (NUL, newline …) in its path or query: no stored
    value has them, and some databases cannot even compare them."""
    path = scope.get("path", "")
    if any(ord(ch) < 32 or ord(ch) == 127 for ch in path):
        return "control characters in the URL path"
    if _CTRL_ESC.search(scope.get("query_string", b"")):
        return "control characters in the query string"
    return None


class BodyLimit:
    """ASGI middleware: the app's own error shape for a body over the limit (413)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from starlette.responses import JSONResponse

        from jiuzhu.api.errors import error_body

        bad = url_problem(scope)
        if bad:
            await JSONResponse(error_body("invalid_request", bad), status_code=400)(
                scope, receive, send
            )
            return
        try:
            wrapped = limited_receive(scope, receive, self.limit)
        except PayloadTooLarge as exc:
            await JSONResponse(error_body(exc.code, exc.message), status_code=413)(
                scope, receive, send
            )
            return
        await self.app(scope, wrapped, send)
