"""Shared fixtures: a fresh database per test on SQLite, and on PostgreSQL when
``JIUZHU_TEST_DATABASE_URL`` is set (the tests create and drop their own database)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("JIUZHU_DATA_KEY", "00" * 31 + "01")
os.environ.setdefault("JIUZHU_AUDIT_KEY", "00" * 31 + "02")

PG_URL = os.environ.get("JIUZHU_TEST_DATABASE_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def _pg_admin_url() -> str:
    from jiuzhu.adapters.db.engine import normalise_url

    assert PG_URL
    return normalise_url(PG_URL)


def create_pg_database() -> str:
    """Create an empty PostgreSQL database; returns its URL."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    name = f"jiuzhu_test_{secrets.token_hex(6)}"
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return make_url(_pg_admin_url()).set(database=name).render_as_string(hide_password=False)


def drop_pg_database(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = make_url(url).database
    admin = create_engine(_pg_admin_url(), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """URL of a fresh, migrated database (SQLite file, or PostgreSQL if configured)."""
    from jiuzhu.adapters.db import migrate

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'jiuzhu.db'}"
        migrate.upgrade(url)
        yield url
        return
    if not PG_URL:
        pytest.skip("JIUZHU_TEST_DATABASE_URL not set")
    url = create_pg_database()
    try:
        migrate.upgrade(url)
        yield url
    finally:
        from jiuzhu.adapters.db.engine import default_engine

        default_engine.cache_clear()
        drop_pg_database(url)


@pytest.fixture
def uow(db_url: str) -> Iterator[object]:
    """A unit of work on the fresh database."""
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork

    engine = make_engine(db_url)
    yield UnitOfWork(engine)
    engine.dispose()


def pytest_terminal_summary(terminalreporter: object) -> None:
    """Say which tests were skipped and why (e.g. no PostgreSQL on this machine: set
    JIUZHU_TEST_DATABASE_URL), and when the browser tests could not run."""
    import sys
    from collections import Counter

    reasons: Counter[str] = Counter()
    for rep in terminalreporter.stats.get("skipped", []):  # type: ignore[attr-defined]
        longrepr = getattr(rep, "longrepr", None)
        reason = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else "skipped"
        reasons[str(reason).removeprefix("Skipped: ")] += 1
    for reason, n in reasons.most_common():
        terminalreporter.write_line(f"skipped {n} test(s): {reason}")  # type: ignore[attr-defined]

    sys.path.insert(0, str(Path(__file__).parent / "browser"))
    from browser_support import unavailable

    why = unavailable()
    if why:
        terminalreporter.write_line(f"browser tests (tests/browser) skipped: {why}")  # type: ignore[attr-defined]
