"""A short way in for the hospitals' settlement call (一站式结算, calc-contract §10).

``POST /api/v1/settlements`` is what hospitals call for every discharge, in real time;
the rest of the API is used by people. Through FastAPI's full stack (middleware,
routing, dependency solving, telemetry checks) the framework cost about as much CPU as
the settlement itself. :class:`SettlementFastPath` wraps the application and sends
exactly that method and path straight to the same endpoint functions
(:func:`jiuzhu.api.routers.settlements.caller` and ``post_settlement``), with errors
rendered by the application's own exception handlers — so the answers, status codes,
headers and error shapes are those of the FastAPI route, byte for byte. Every other
request goes through the application unchanged.
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from jiuzhu.api.limits import limited_receive

PATH = "/api/v1/settlements"
log = logging.getLogger("uvicorn.error")


class SettlementFastPath:
    """ASGI wrapper: ``POST /api/v1/settlements`` straight to its endpoint."""

    def __init__(self, app: FastAPI) -> None:
        from jiuzhu.api.routers import settlements

        self.app = app
        self._caller = settlements.caller
        self._endpoint = settlements.post_settlement

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            scope["type"] != "http"
            or scope["path"] != PATH
            or scope["method"] != "POST"
            or scope.get("root_path")
            or self.app.root_path
        ):
            await self.app(scope, receive, send)
            return
        scope["app"] = self.app  # what Starlette sets; the endpoint reads request.app.state
        try:
            # the app's BodyLimit middleware, which this path skips: the same 413
            request = Request(scope, limited_receive(scope, receive, self.app.state.max_body))
            response = await self._endpoint(request, await self._caller(request))
        except Exception as exc:
            response = await self._error(Request(scope, receive), exc)
        await response(scope, receive, send)

    async def _error(self, request: Request, exc: Exception) -> Response:
        """The application's handler for ``exc`` (the nearest registered class)."""
        handlers: dict[Any, Any] = self.app.exception_handlers
        for cls in type(exc).__mro__:
            handler = handlers.get(cls)
            if handler is not None:
                if cls is Exception:  # as Starlette's ServerErrorMiddleware: log the traceback
                    log.error("settlement failed", exc_info=exc)
                return await handler(request, exc)  # type: ignore[no-any-return]
        raise exc


def with_fast_path(app: FastAPI) -> SettlementFastPath:
    return SettlementFastPath(app)
