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
    assert "jiuzhu.policy.loader" in [n for _, n in _imported_names(SRC / "domain" / "engine.py")]
    source = (
        "import sqlalchemy.orm\n"
        "def f():\n    from fastapi import FastAPI\n"
        "from ..adapters import db\n"
        "import importlib\nimportlib.import_module('psycopg')\n"
    )
    names = [n for _, n in _imports_in(source, ("jiuzhu", "domain"))]
    assert names == ["sqlalchemy.orm", "fastapi", "jiuzhu.adapters", "importlib", "psycopg"]
    assert all(_hits(n, FORBIDDEN + FORBIDDEN_INTERNAL) for n in names if n != "importlib")
