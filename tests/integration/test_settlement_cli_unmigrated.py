"""`jiuzhu settlements import/backpay/show` on a database never migrated: the message of
`jiuzhu serve` (run `jiuzhu db upgrade`), a non-zero status, no traceback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiuzhu.adapters.db.engine import default_engine
from jiuzhu.config import get_settings


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("JIUZHU_DATABASE_URL", f"sqlite:///{tmp_path / 'never_migrated.db'}")
    monkeypatch.setenv("JIUZHU_REGION", "ningxia")
    get_settings.cache_clear()
    default_engine.cache_clear()
    yield tmp_path
    default_engine.cache_clear()
    get_settings.cache_clear()


@pytest.mark.parametrize(
    "args",
    [
        ["settlements", "import", "CLAIMS.csv"],
        ["settlements", "backpay", "list"],
        ["settlements", "backpay", "run", "--evidence", "民政证明2024-1"],
        ["settlements", "show", "S1"],
    ],
)
def test_unmigrated_database_says_run_db_upgrade(bare: Path, args: list[str]) -> None:
    from jiuzhu.cli.main import app

    (bare / "CLAIMS.csv").write_text("setl_id,psn_no\n", encoding="utf-8")
    args = [str(bare / a) if a == "CLAIMS.csv" else a for a in args]
    res = CliRunner().invoke(app, args)
    assert res.exit_code != 0
    assert "jiuzhu db upgrade" in res.output
    assert "Traceback" not in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit)
