"""Architecture: the rules (``policy/``) and the engine (``domain/``) stay free of the
database and the web framework, so that every caller — batch, API, manual
reimbursement — shares one pure calculation. Checked on the AST of every module,
including imports inside functions."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "jiuzhu"
PURE_PACKAGES = ("policy", "domain")
FORBIDDEN = ("sqlalchemy", "fastapi", "starlette", "alembic", "psycopg", "uvicorn")
"""Infrastructure: the database (sqlalchemy, alembic, psycopg) and the web (fastapi…)."""
FORBIDDEN_INTERNAL = ("jiuzhu.adapters", "jiuzhu.api", "jiuzhu.services", "jiuzhu.cli")
"""Outer layers of the project itself; they may import the core, not the other way round."""


def _modules() -> list[Path]:
    files = sorted(p for pkg in PURE_PACKAGES for p in (SRC / pkg).rglob("*.py"))
    assert files, "no modules found: wrong path?"
    return files


def _imported_names(path: Path) -> list[tuple[int, str]]:
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    return _imports_in(path.read_text(encoding="utf-8"), package)


def _imports_in(source: str, package: tuple[str, ...]) -> list[tuple[int, str]]:
    """(line, module) of every import in ``source``, relative ones resolved in ``package``."""
    tree = ast.parse(source)
    names: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.extend((node.lineno, a.name) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative import: resolve against the module's package
                pkg = package[: len(package) - node.level + 1]
                base = ".".join(pkg + ((node.module,) if node.module else ()))
            else:
                base = node.module or ""
            names.append((node.lineno, base))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and getattr(node.func, "attr", getattr(node.func, "id", "")) == "import_module"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            names.append((node.lineno, node.args[0].value))
    return sorted(names)


def _hits(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_no_database_or_web(path: Path) -> None:
    bad = [f"line {n}: {name}" for n, name in _imported_names(path) if _hits(name, FORBIDDEN)]
    assert not bad, f"{path.relative_to(SRC)} imports infrastructure: {bad}"


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_core_imports_no_outer_layer(path: Path) -> None:
    bad = [
        f"line {n}: {name}" for n, name in _imported_names(path) if _hits(name, FORBIDDEN_INTERNAL)
    ]
    assert not bad, f"{path.relative_to(SRC)} imports an outer layer: {bad}"


def test_the_checker_sees_imports() -> None:
    """The AST walk finds plain, from-, nested, relative and importlib imports."""
    assert "jiuzhu.policy.loader" in [n for _, n in _imported_names(SRC / "domain" / "engine" / "__init__.py")]
    source = (
        "import sqlalchemy.orm\n"
        "def f():\n    from fastapi import FastAPI\n"
        "from ..adapters import db\n"
        "import importlib\nimportlib.import_module('psycopg')\n"
    )
    names = [n for _, n in _imports_in(source, ("jiuzhu", "domain"))]
    assert names == ["sqlalchemy.orm", "fastapi", "jiuzhu.adapters", "importlib", "psycopg"]
    assert all(_hits(n, FORBIDDEN + FORBIDDEN_INTERNAL) for n in names if n != "importlib")


# -- the front ends (issue 12 item 7) ----------------------------------------------------
#
# Entry points (API routers, web pages, CLI commands) open the unit of work and format at
# their edge; reads and writes are the services'. So a router or a page imports no table
# and no SQL (only ``UnitOfWork`` from the database adapter), the CLI imports no API or web
# module (it starts the server by name: ``jiuzhu.api.worker:app_factory``), and no service
# imports a front end.

FRONT_END_PAGES = ("api/routers", "web/pages")
TABLES_AND_SQL = ("sqlalchemy", "jiuzhu.adapters.db", "psycopg")
ALLOWED_FROM_DB = {("jiuzhu.adapters.db.uow", "UnitOfWork")}
FRONT_ENDS = ("jiuzhu.api", "jiuzhu.web", "jiuzhu.cli", "jiuzhu.wire")
"""``jiuzhu.wire`` is the JSON form the API and the CLI share: an edge, used by both."""


def _files(*folders: str) -> list[Path]:
    files = sorted(p for f in folders for p in (SRC / f).rglob("*.py"))
    assert files, f"no modules under {folders}"
    return files


def _imported_symbols(path: Path) -> list[tuple[int, str, str | None]]:
    """(line, module, name) of every import; ``name`` None for ``import module``."""
    package = path.relative_to(SRC.parent).with_suffix("").parts[:-1]
    out: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out.extend((node.lineno, a.name, None) for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                pkg = package[: len(package) - node.level + 1]
                base = ".".join(pkg + ((node.module,) if node.module else ()))
            else:
                base = node.module or ""
            out.extend((node.lineno, base, a.name) for a in node.names)
    return out


def _rel(path: Path) -> str:
    return str(path.relative_to(SRC))


@pytest.mark.parametrize("path", _files(*FRONT_END_PAGES), ids=_rel)
def test_routers_and_pages_import_no_tables_or_sql(path: Path) -> None:
    bad = [
        f"line {n}: {mod}" + (f".{name}" if name else "")
        for n, mod, name in _imported_symbols(path)
        if _hits(mod, TABLES_AND_SQL) and (mod, name) not in ALLOWED_FROM_DB
    ]
    assert not bad, f"{_rel(path)} reaches into the database; use a service query: {bad}"


@pytest.mark.parametrize("path", _files("cli"), ids=_rel)
def test_cli_imports_no_api_or_web(path: Path) -> None:
    bad = [f"line {n}: {name}" for n, name in _imported_names(path) if _hits(name, FRONT_ENDS[:2])]
    assert not bad, f"{_rel(path)} imports another front end: {bad}"


@pytest.mark.parametrize("path", _files("services", "adapters"), ids=_rel)
def test_services_and_adapters_import_no_front_end(path: Path) -> None:
    bad = [f"line {n}: {name}" for n, name in _imported_names(path) if _hits(name, FRONT_ENDS)]
    assert not bad, f"{_rel(path)} imports a front end: {bad}"


# -- typed views (issue 12 item 3) ----------------------------------------------------------
#
# Reads return typed views with amounts in fen and dates as dates; the front ends format
# them (``jiuzhu.wire``, ``reports``). The modules converted so far import no formatter.

VIEW_MODULES = (
    "services/registry/queries.py",
    "services/enrolment/queries.py",
    "services/eligibility.py",
    "services/checks/queries.py",
    "services/warning/queries.py",
    "services/fund/clearing/queries.py",
    "services/fund/reconcile/queries.py",
    "services/archives.py",
    "services/reimbursement/views.py",
    "services/reimbursement/queries.py",
    "services/reimbursement/common.py",
)


@pytest.mark.parametrize("path", [SRC / m for m in VIEW_MODULES], ids=_rel)
def test_view_modules_format_no_money(path: Path) -> None:
    bad = [
        f"line {n}: {mod}.{name}"
        for n, mod, name in _imported_symbols(path)
        if mod == "jiuzhu.policy.money" and name == "format_fen"
    ]
    assert not bad, f"{_rel(path)} formats amounts; return fen and format at the edge: {bad}"


def test_the_front_end_checker_sees_names() -> None:
    """A table imported by name from the adapter is caught; ``UnitOfWork`` is allowed."""
    source = (
        "from jiuzhu.adapters.db.uow import UnitOfWork, audit\n"
        "from jiuzhu.adapters.db.tables import Settlement\n"
    )
    found = [
        (m, n)
        for _, m, n in _imported_symbols_of(source)
        if _hits(m, TABLES_AND_SQL) and (m, n) not in ALLOWED_FROM_DB
    ]
    assert found == [
        ("jiuzhu.adapters.db.uow", "audit"),
        ("jiuzhu.adapters.db.tables", "Settlement"),
    ]


def _imported_symbols_of(source: str) -> list[tuple[int, str, str | None]]:
    out: list[tuple[int, str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and not node.level:
            out.extend((node.lineno, node.module or "", a.name) for a in node.names)
    return sorted(out)
