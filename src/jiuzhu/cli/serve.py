"""`jiuzhu serve`: the HTTP service (一站式结算 and the agency's API) under uvicorn.

The region's policy is loaded and checked before the server starts: a benefit parameter
the operator has not set stops it with the MissingParameter message naming it. Workers
are separate processes; each builds its app from the environment set here
(:func:`jiuzhu.api.worker.app_factory`), so every worker serves the same policy and database.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import typer

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import OperatorFileOption, ParamOption, console, load_policy, reports_errors
from jiuzhu.config import ENV_MASTER, ENV_PARAMS, ENV_REGION, get_settings
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.services.parameters import stored_parameters


class DatabaseNotReady(JiuzhuError):
    code = "database_not_ready"


def check_database(url: str) -> None:
    """The database must be reachable and migrated before hospitals are told to call."""
    from sqlalchemy import inspect

    from jiuzhu.adapters.db.engine import make_engine

    engine = make_engine(url)
    try:
        with engine.connect() as c:
            if not inspect(c).has_table("settlement"):
                raise DatabaseNotReady(
                    "the database has no schema yet: run `jiuzhu db upgrade` first"
                )
    except JiuzhuError:
        raise
    except Exception as exc:
        raise DatabaseNotReady(f"cannot open the database: {type(exc).__name__}: {exc}") from None
    finally:
        engine.dispose()


@reports_errors
def serve(
    region: str | None = typer.Option(None, "--region", help="default: $JIUZHU_REGION"),
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port"),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    workers: int = typer.Option(1, "--workers", min=1, help="uvicorn worker processes"),
    access_log: bool = typer.Option(False, "--access-log", help="log every request"),
) -> None:
    """Serve the API (OpenAPI at /docs) for one region on $JIUZHU_DATABASE_URL."""
    region = region or get_settings().region
    policy = load_policy(region, param, operator_file)
    url = get_settings().database_url
    check_database(url)
    from jiuzhu.adapters.db.engine import make_engine

    probe = make_engine(url)
    try:
        policy = stored_parameters(UnitOfWork(probe), policy)
    finally:
        probe.dispose()
    policy.require_parameters()  # MissingParameter names what the operator must set
    os.environ[ENV_REGION] = region
    os.environ[ENV_PARAMS] = json.dumps(list(param or []))
    if operator_file is not None:
        os.environ["JIUZHU_OPERATOR_FILE"] = str(operator_file)
    os.environ[ENV_MASTER] = str(os.getpid())
    serve_app(host, port, workers, access_log, region)


def serve_app(host: str, port: int, workers: int, access_log: bool, region: str) -> None:
    import uvicorn

    console.print(
        f"jiuzhu {region}: http://{host}:{port}/  (OpenAPI /docs, {workers} worker(s))",
        highlight=False,
    )
    uvicorn.run(
        "jiuzhu.api.worker:app_factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=access_log,
        log_level="info" if access_log else "warning",
        loop="auto",
        http="auto",
        timeout_graceful_shutdown=5,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
