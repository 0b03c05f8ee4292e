"""`jiuzhu users`: staff accounts and their roles (passwords stored as scrypt hashes)."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import console, reports_errors
from jiuzhu.cli.keys import cli_actor
from jiuzhu.domain.errors import InputError
from jiuzhu.services.access.accounts import create_user, set_active
from jiuzhu.services.access.queries import list_users as staff_accounts
from jiuzhu.services.access.roles import PERMISSIONS as ROLES

app = typer.Typer(help="工作人员账号 staff accounts and roles.", no_args_is_help=True)

PASSWORD_ENV = "JIUZHU_NEW_PASSWORD"


def _password(given: str | None) -> str:
    pw = given or os.environ.get(PASSWORD_ENV)
    if not pw:
        pw = typer.prompt("密码 password", hide_input=True, confirmation_prompt=True)
    if len(pw) < 8:
        raise InputError("password must have at least 8 characters", column="--password")
    return pw


@app.command("create")
@reports_errors
def create(
    username: str = typer.Argument(..., help="login name"),
    role: list[str] = typer.Option(..., "--role", help=f"repeatable; one of: {', '.join(ROLES)}"),
    password: str | None = typer.Option(
        None, "--password", help=f"else ${PASSWORD_ENV}, else asked for"
    ),
    display_name: str | None = typer.Option(None, "--display-name", help="姓名 shown in the UI"),
) -> None:
    """Create a staff account with roles."""
    pw = _password(password)
    uow = UnitOfWork()
    with uow.begin() as s:
        create_user(s, username.strip(), pw, list(role), cli_actor(), display_name)
    console.print(
        f"已创建账号 user created: {username} ({', '.join(ROLES[r] for r in role)})",
        highlight=False,
    )


@app.command("list")
@reports_errors
def list_users() -> None:
    """Staff accounts with their roles."""
    t = Table("账号 username", "姓名 name", "角色 roles", "启用 active")
    with UnitOfWork().read() as s:
        for u in staff_accounts(s):
            t.add_row(u.username, u.display_name, ", ".join(u.roles), "是" if u.active else "否")
    console.print(t)


@app.command("disable")
@reports_errors
def disable(username: str = typer.Argument(...)) -> None:
    """Disable an account (its tokens stop working at once)."""
    with UnitOfWork().begin() as s:
        set_active(s, username, False, cli_actor())
    console.print(f"已停用 disabled: {username}", highlight=False)
