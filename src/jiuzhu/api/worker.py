"""The app of one uvicorn worker of `jiuzhu serve`, built from the environment the
command set (region, operator parameters, the master's pid), so that every worker serves
the same policy and database; uvicorn imports it by name (``jiuzhu.api.worker:app_factory``).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import threading
import time
from pathlib import Path

from sqlalchemy import Engine
from starlette.types import ASGIApp

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.api.fastpath import with_fast_path
from jiuzhu.config import ENV_MASTER, ENV_PARAMS, ENV_REGION, get_settings
from jiuzhu.services.parameters import load_policy, stored_parameters


def app_factory() -> ASGIApp:
    """The app of one worker, from the settings `jiuzhu serve` put in the environment."""
    die_with_master()
    region = os.environ.get(ENV_REGION) or get_settings().region
    params = json.loads(os.environ.get(ENV_PARAMS) or "[]")
    operator_file = os.environ.get("JIUZHU_OPERATOR_FILE")
    policy = load_policy(region, params, Path(operator_file) if operator_file else None)
    engine = service_engine()
    policy = stored_parameters(UnitOfWork(engine), policy)  # 系统管理 → 政策参数
    policy.require_parameters()
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


