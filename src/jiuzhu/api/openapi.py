"""The OpenAPI document says what the server enforces (issue 8 item 6): the two security
schemes (hospital ``X-API-Key``, staff ``Authorization: Bearer``), and on every operation
the error answers 400/401/403/404/409/413/422 in the one error shape (calc-contract §10)."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from jiuzhu.api.schemas import ErrorBody

OPEN = {"/api/v1/health", "/api/v1/auth/login"}
ERRORS = {
    "400": "bad input (field named); nothing written",
    "401": "missing or invalid X-API-Key / bearer token",
    "403": "not allowed for this caller",
    "404": "not found (or not this caller's)",
    "409": "conflict with what is stored",
    "413": "body larger than the service accepts",
    "422": "malformed request (field named); nothing written",
}


def install_openapi(app: FastAPI) -> None:
    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = get_openapi(
            title=app.title, version=app.version, description=app.description, routes=app.routes
        )
        comps = schema.setdefault("components", {})
        comps.setdefault("securitySchemes", {}).update(
            {
                "ApiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "Bearer": {"type": "http", "scheme": "bearer"},
            }
        )
        schemas = comps.setdefault("schemas", {})
        body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
        for name, sub in body.pop("$defs", {}).items():
            schemas.setdefault(name, sub)
        schemas["ErrorBody"] = body
        ref = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}
        for path, ops in schema.get("paths", {}).items():
            for op in ops.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                if path not in OPEN:
                    op["security"] = [{"ApiKey": []}, {"Bearer": []}]
                for code, text in ERRORS.items():
                    if code in ("401", "403") and path == "/api/v1/health":
                        continue
                    if code == "422" or code not in op["responses"]:
                        op["responses"][code] = {"description": text, "content": ref}
        schemas.pop("HTTPValidationError", None)
        schemas.pop("ValidationError", None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
