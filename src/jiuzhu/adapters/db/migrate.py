"""Run the Alembic migrations programmatically (``jiuzhu db upgrade``)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from jiuzhu.adapters.db.engine import normalise_url
from jiuzhu.config import get_settings

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str | None = None) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", normalise_url(url or get_settings().database_url))
    return cfg


def upgrade(url: str | None = None, revision: str = "heads") -> None:
    """Bring the database to the newest revision of every branch."""
    command.upgrade(alembic_config(url), revision)


def current(url: str | None = None) -> None:
    command.current(alembic_config(url), verbose=False)
