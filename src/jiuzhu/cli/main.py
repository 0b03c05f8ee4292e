"""Entry point of the `jiuzhu` command; each noun registers its own commands.

Only the module of the command being run is imported (the others pull in SQLAlchemy,
FastAPI and more, about two seconds of start-up that `jiuzhu calc` does not need);
``--help`` and unknown commands import them all.
"""

from __future__ import annotations

import importlib
import sys

import typer

app = typer.Typer(
    name="jiuzhu",
    help="医疗救助经办管理系统 — medical assistance administration.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root() -> None:
    """医疗救助经办管理系统 — medical assistance administration."""


# command name → (module, how it registers): "command" a function, "group" a Typer app,
# "register" a module-level register(app)
COMMANDS: dict[str, tuple[str, str]] = {
    "calc": ("jiuzhu.cli.calc", "command"),
    "simulate": ("jiuzhu.cli.simulate", "command"),
    "policy": ("jiuzhu.cli.policy", "group"),
    "db": ("jiuzhu.cli.db", "group"),
    "identities": ("jiuzhu.cli.identities", "group"),
    "persons": ("jiuzhu.cli.persons", "group"),
    "enrol": ("jiuzhu.cli.enrol", "group"),
    "keys": ("jiuzhu.cli.keys", "group"),
    "users": ("jiuzhu.cli.users", "group"),
    "audit": ("jiuzhu.cli.audit", "group"),
    "archive": ("jiuzhu.cli.archive", "group"),
    "settlements": ("jiuzhu.cli.settlements", "group"),
    "reimburse": ("jiuzhu.cli.reimburse", "group"),
    "warning": ("jiuzhu.cli.warning", "group"),
    "checks": ("jiuzhu.cli.checks", "group"),
    "fund": ("jiuzhu.cli.fund", "group"),
    "serve": ("jiuzhu.cli.serve", "register"),
    "demo": ("jiuzhu.cli.demo", "register"),
}


def _register(name: str) -> None:
    module, kind = COMMANDS[name]
    mod = importlib.import_module(module)
    if kind == "command":
        app.command(name)(getattr(mod, name))
    elif kind == "group":
        app.add_typer(mod.app, name=name)
    else:
        mod.register(app)


def _invoked(argv: list[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg if arg in COMMANDS else None
        return None
    return None


def _register_for(argv: list[str]) -> None:
    name = _invoked(argv)
    for n in [name] if name else list(COMMANDS):
        _register(n)


_register_for(sys.argv[1:])

if __name__ == "__main__":
    app()
