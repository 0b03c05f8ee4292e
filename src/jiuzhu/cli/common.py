"""What every command shares: error reporting, the operator's policy, the console."""

from __future__ import annotations

import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console

from jiuzhu.config import get_settings
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.policy.loader import (
    OperatorConfig,
    RegionPolicy,
    load_operator_file,
)

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def fail(message: str, code: int = 2) -> None:
    err_console.print(f"[bold red]错误 error:[/] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(code)


def reports_errors(fn: F) -> F:
    """Turn the system's errors into a one-line message and a non-zero exit status."""

    @wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except JiuzhuError as exc:
            fail(exc.message)
        except KeyboardInterrupt:
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def cli_login(uow: Any, username: str) -> Any:
    """The staff account acting from the command line, authenticated as the API does
    (issue 8 item 5): a bearer token in $JIUZHU_TOKEN (from `POST /api/v1/auth/login`)
    that belongs to ``username``, or the password from $JIUZHU_PASSWORD or asked on the
    terminal — checked by the one login service (lockout, audit)."""
    import getpass
    import os

    from jiuzhu.domain.errors import Unauthorized
    from jiuzhu.services.access.login import logged_in_by_token, verify_login

    token = os.environ.get("JIUZHU_TOKEN")
    if token:
        return logged_in_by_token(uow, token, username)
    password = os.environ.get("JIUZHU_PASSWORD")
    if password is None:
        if not sys.stdin.isatty():
            raise Unauthorized(
                f"--as {username} needs that account's credentials: set $JIUZHU_PASSWORD or "
                "$JIUZHU_TOKEN, or run from a terminal to be asked for the password"
            )
        password = getpass.getpass(f"{username} 的密码 password: ")
    return verify_login(uow, username, password, via="cli")


def operator_config(path: Path | None) -> OperatorConfig:
    return load_operator_file(path or get_settings().operator_file)


def load_policy(region: str, params: list[str] | None, operator_file: Path | None) -> RegionPolicy:
    from jiuzhu.services.parameters import load_policy as load

    return load(region, params, operator_file)


ParamOption = typer.Option(
    None, "--param", help="NAME=VALUE: set a policy parameter for this run (repeatable)"
)
OperatorFileOption = typer.Option(
    None,
    "--operator-file",
    help="YAML with parameters and outside identity codes (default: $JIUZHU_OPERATOR_FILE)",
)
