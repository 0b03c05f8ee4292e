"""`jiuzhu serve`: the HTTP service (一站式结算 and the agency's API) under uvicorn.

The region's policy is loaded and checked before the server starts: a benefit parameter
the operator has not set stops it with the MissingParameter message naming it. Workers
are separate processes; each builds its app from the environment set here
(:func:`app_factory`), so every worker serves the same policy and database.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path

import typer
from sqlalchemy import Engine
from starlette.types import ASGIApp

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import OperatorFileOption, ParamOption, console, load_policy, reports_errors
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.policy.loader import RegionPolicy

ENV_REGION = "JIUZHU_SERVE_REGION"
ENV_PARAMS = "JIUZHU_SERVE_PARAMS"
ENV_MASTER = "JIUZHU_SERVE_MASTER_PID"


class DatabaseNotReady(JiuzhuError):
    code = "database_not_ready"


def app_factory() -> ASGIApp:
    """The app of one worker, from the settings `jiuzhu serve` put in the environment."""
    from jiuzhu.api.app import create_app

    die_with_master()
    region = os.environ.get(ENV_REGION) or get_settings().region
    params = json.loads(os.environ.get(ENV_PARAMS) or "[]")
    operator_file = os.environ.get("JIUZHU_OPERATOR_FILE")
    policy = load_policy(region, params, Path(operator_file) if operator_file else None)
    engine = service_engine()
    policy = with_stored_parameters(policy, engine)
    policy.require_parameters()
    from jiuzhu.api.fastpath import with_fast_path

    app = create_app(region=region, policy=policy, engine=engine)
    start_sealer(app.state.uow)
    return with_fast_path(app)


def start_sealer(uow: UnitOfWork, every: float = 1.0) -> None:
    """Chain the audit records the service writes (the settlement hot path signs each
    record but does not wait to chain it), once a second, in a daemon thread of each
    worker; the workers take turns on the chain head (issue 8 item 5)."""

    def loop() -> None:
        while True:
            time.sleep(every)
            uow.seal()

    threading.Thread(target=loop, name="jiuzhu-audit-sealer", daemon=True).start()


def with_stored_parameters(policy: RegionPolicy, engine: Engine) -> RegionPolicy:
    """The operator parameters set from the staff pages count as set (系统管理 → 政策参数)."""
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.api.app import stored_parameters

    return stored_parameters(UnitOfWork(engine), policy)


def die_with_master() -> None:
    """A worker process ends when the `jiuzhu serve` process that started it ends, even by
    SIGKILL (which the master cannot pass on): no orphan keeps serving or holding the port.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; everywhere: a daemon thread that notices
    the parent has changed (re-parented to init or a subreaper) within half a second.
    """
    master = os.environ.get(ENV_MASTER)
    if not master or int(master) == os.getpid():
        return  # one process: uvicorn serves in the master itself
    master_pid = int(master)
    with contextlib.suppress(Exception):
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    if os.getppid() != master_pid:  # the master died before prctl took effect
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(0.5)
            if os.getppid() != master_pid:
                os._exit(1)

    threading.Thread(target=watch, name="jiuzhu-master-watch", daemon=True).start()


def service_engine() -> Engine:
    """The worker's engine, without SQLAlchemy's pre-ping: that is one more round trip per
    request (a tenth of a settlement's CPU). A connection the database dropped fails its
    first statement instead; a settlement then retries once on a fresh connection
    (services.settlement.settle: idempotent by setl_id), and the pool is renewed."""
    from jiuzhu.adapters.db.engine import is_sqlite, make_engine

    url = get_settings().database_url
    if is_sqlite(url):
        return make_engine(url)
    return make_engine(url, pool_pre_ping=False, pool_recycle=1800)


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
        policy = with_stored_parameters(policy, probe)
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
        "jiuzhu.cli.serve:app_factory",
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
