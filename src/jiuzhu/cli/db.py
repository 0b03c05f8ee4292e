"""`jiuzhu db`: schema migrations."""

from __future__ import annotations

import typer

from jiuzhu.adapters.db import migrate
from jiuzhu.adapters.db.engine import normalise_url
from jiuzhu.cli.common import console, reports_errors
from jiuzhu.config import get_settings

app = typer.Typer(help="Database schema (Alembic).", no_args_is_help=True)


def _shown(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(normalise_url(url)).render_as_string(hide_password=True)


@app.command("upgrade")
@reports_errors
def upgrade(
    revision: str = typer.Argument(
        "heads", help="target revision (default: newest of every branch)"
    ),
) -> None:
    """Create or upgrade the database schema ($JIUZHU_DATABASE_URL; default SQLite under ./var)."""
    url = get_settings().database_url
    migrate.upgrade(url, revision)
    console.print(f"数据库已升级 database upgraded: {_shown(url)}", highlight=False)


@app.command("current")
@reports_errors
def current() -> None:
    """Show the database's current revision(s)."""
    migrate.current(get_settings().database_url)
