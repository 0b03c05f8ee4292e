"""Every error becomes ``{"error": {"code", "message", "field"}}`` (calc-contract §10)."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from jiuzhu.domain.errors import JiuzhuError


def error_body(code: str, message: str, field: str | None = None) -> dict[str, object]:
    return {"error": {"code": code, "message": message, "field": field}}


def unstorable_input(exc: BaseException) -> str | None:
    """Why an input the validators let through cannot be stored or read (a number beyond
    a column's range, a NUL byte, JSON nested too deep), or None for a real fault. The
    database refused it inside the use case's transaction, so nothing was written."""
    from sqlalchemy.exc import DataError, StatementError

    if isinstance(exc, RecursionError):
        return "malformed JSON: nested too deep"
    orig = getattr(exc, "orig", None) if isinstance(exc, StatementError) else None
    if isinstance(exc, OverflowError) or isinstance(orig, OverflowError):
        return "a number is beyond the range the service stores"
    if isinstance(exc, DataError):
        return "a value is out of range or holds characters the database cannot store"
    if isinstance(exc, ValueError) and "NUL" in str(exc):
        return "NUL characters are not allowed"
    return None


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(JiuzhuError)
    async def _jiuzhu(_: Request, exc: JiuzhuError) -> JSONResponse:
        return JSONResponse(
            error_body(exc.code, exc.message, exc.field), status_code=exc.http_status
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        first = errs[0] if errs else {"loc": (), "msg": "invalid request"}
        loc = [str(p) for p in first.get("loc", ()) if p not in ("body", "query", "path", "header")]
        field = ".".join(loc) or None
        msg = f"{field}: {first.get('msg')}" if field else str(first.get("msg"))
        return JSONResponse(error_body("invalid_request", msg, field), status_code=422)

    from sqlalchemy.exc import DataError, StatementError

    async def _unstorable(request: Request, exc: Exception) -> JSONResponse:
        refused = unstorable_input(exc)
        if refused:  # the transaction rolled back: nothing was written
            return JSONResponse(error_body("invalid_request", refused), status_code=422)
        return await _unexpected(request, exc)

    # handled inside the app (not by the server-error layer, which re-raises)
    for cls in (OverflowError, RecursionError, DataError, StatementError):
        app.add_exception_handler(cls, _unstorable)

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        refused = unstorable_input(exc)
        if refused:
            return JSONResponse(error_body("invalid_request", refused), status_code=422)
        # never a bare text 500: callers always get the error shape (nothing is leaked)
        return JSONResponse(
            error_body("internal_error", f"internal error ({type(exc).__name__})"),
            status_code=500,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        codes = {
            401: "unauthorized",
            403: "forbidden",
            404: "not_found",
            405: "method_not_allowed",
            409: "conflict",
            413: "too_large",
        }
        return JSONResponse(
            error_body(codes.get(exc.status_code, "http_error"), str(exc.detail)),
            status_code=exc.status_code,
            headers=getattr(exc, "headers", None),
        )
