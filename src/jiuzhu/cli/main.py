"""Entry point of the `jiuzhu` command; each noun registers its own commands."""

from __future__ import annotations

import typer

from jiuzhu.cli import calc as calc_cli
from jiuzhu.cli import policy as policy_cli

app = typer.Typer(
    name="jiuzhu",
    help="医疗救助经办管理系统 — medical assistance administration.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("calc")(calc_cli.calc)
app.add_typer(policy_cli.app, name="policy")


def _register_optional() -> None:
    """Commands of the other nouns (registry, settlement, review…), registered when present."""
    import importlib

    for module, name in (
        ("jiuzhu.cli.db", "db"),
        ("jiuzhu.cli.identities", "identities"),
        ("jiuzhu.cli.persons", "persons"),
        ("jiuzhu.cli.enrol", "enrol"),
        ("jiuzhu.cli.keys", "keys"),
        ("jiuzhu.cli.users", "users"),
        ("jiuzhu.cli.settlements", "settlements"),
        ("jiuzhu.cli.reimburse", "reimburse"),
    ):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        app.add_typer(mod.app, name=name)
    for module in ("jiuzhu.cli.serve", "jiuzhu.cli.demo"):
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name == module:
                continue
            raise
        mod.register(app)


_register_optional()

if __name__ == "__main__":
    app()
