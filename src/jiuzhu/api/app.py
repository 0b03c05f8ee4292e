"""The FastAPI application: ``create_app()`` wires the unit of work, the policy and the routers."""

from __future__ import annotations

import importlib

from fastapi import Depends, FastAPI
from pydantic import BaseModel, Field
from sqlalchemy import Engine

from jiuzhu import __version__
from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import get_uow
from jiuzhu.api.errors import install_error_handlers
from jiuzhu.api.limits import BodyLimit
from jiuzhu.api.logscrub import install_log_scrub
from jiuzhu.api.openapi import install_openapi
from jiuzhu.config import get_settings
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.access.login import login
from jiuzhu.services.parameters import stored_parameters

ROUTERS = (
    "settlements",
    "persons",
    "identities",
    "enrolment",
    "reimbursements",
    "admin",
    "eligibility",
    "warning",
    "checks",
    "simulations",
    "fund_clearing",
    "fund_reconcile",
    "fund_funding",
)


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=60)
    password: str = Field(min_length=1, max_length=200)


def create_app(
    region: str | None = None,
    policy: RegionPolicy | None = None,
    database_url: str | None = None,
    engine: Engine | None = None,
) -> FastAPI:
    """The service for one region (the agency's own policy, with its operator parameters)."""
    region = region or (policy.region if policy else get_settings().region)
    policy = policy or RegionPolicy.load(region)
    app = FastAPI(
        docs_url=None,  # served by jiuzhu.web from vendored Swagger UI (no outside assets)
        redoc_url=None,
        title="jiuzhu 医疗救助经办管理系统",
        version=__version__,
        description=(
            "One-stop settlement (一站式结算) of medical assistance for hospitals, and the agency's "
            "registry, review and fund services. Hospitals authenticate with `X-API-Key`; staff with "
            "`Authorization: Bearer` from `/api/v1/auth/login`. Errors: "
            '`{"error": {"code", "message", "field"}}`. Amounts are strings with two decimals.'
        ),
    )
    app.state.uow = UnitOfWork(engine or make_engine(database_url))
    app.state.base_policy = policy
    app.state.policy = stored_parameters(app.state.uow, policy)
    app.state.region = region
    app.state.key_cache = {}
    install_error_handlers(app)
    install_log_scrub()
    app.state.max_body = get_settings().max_body_bytes
    app.add_middleware(BodyLimit, limit=app.state.max_body)

    @app.get("/api/v1/health", tags=["service"])
    def health() -> dict[str, str]:
        return {"status": "ok", "region": region, "version": __version__}

    @app.post("/api/v1/auth/login", tags=["service"])
    def do_login(body: LoginBody, uow: UnitOfWork = Depends(get_uow)) -> dict[str, str]:
        token, expires = login(uow, body.username, body.password)
        return {"token": token, "expires_at": expires.isoformat()}

    for name in ROUTERS:
        try:
            mod = importlib.import_module(f"jiuzhu.api.routers.{name}")
        except ModuleNotFoundError as exc:
            if exc.name == f"jiuzhu.api.routers.{name}":
                continue
            raise
        app.include_router(mod.router)
    from jiuzhu.web import install as install_web

    install_web(app)
    install_openapi(app)
    return app
