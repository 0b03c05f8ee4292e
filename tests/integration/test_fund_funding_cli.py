"""`jiuzhu fund funding | insurer | budget | report | drill` from the command line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from jiuzhu.adapters.db.engine import default_engine
from jiuzhu.config import get_settings


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[CliRunner]:
    monkeypatch.setenv("JIUZHU_DATABASE_URL", db_url)
    monkeypatch.setenv("JIUZHU_REGION", "shuangyashan")
    get_settings.cache_clear()
    default_engine.cache_clear()
    from jiuzhu.cli.main import app

    runner = CliRunner()
    runner.app = app  # type: ignore[attr-defined]
    yield runner
    default_engine().dispose()
    default_engine.cache_clear()
    get_settings.cache_clear()


def run(r: CliRunner, *args: str) -> tuple[int, str]:
    res = r.invoke(r.app, ["fund", *args])  # type: ignore[attr-defined]
    return res.exit_code, res.output


def test_funding_steps_and_reports(cli: CliRunner, tmp_path: Path) -> None:
    ok = [
        ("funding", "income", "--source", "own", "--amount", "500000.00", "--document", "双财-1",
         "--date", "2025-01-10", "--county", "230500"),
        ("funding", "plan", "--month", "2025-02", "--county", "230521", "--amount", "120000.50"),
        ("funding", "request", "--month", "2025-02", "--document", "双医保-2"),
        ("funding", "transfer", "--county", "230521", "--amount", "120000.50", "--document", "拨-1",
         "--date", "2025-02-05", "--request-month", "2025-02"),
        ("funding", "list", "--year", "2025"),
        ("funding", "gap", "--year", "2025"),
        ("budget", "execution", "--year", "2025", "--month", "2"),
        ("report", "balance_sheet", "--period", "2025-02", "--out", str(tmp_path / "bs.xlsx")),
        ("report", "analysis", "--period", "2025", "--out", str(tmp_path / "a.pdf")),
        ("drill", "src=journal&region=shuangyashan&account=100402&end=2025-12-31"),
    ]  # fmt: skip
    for args in ok:
        code, out = run(cli, *args)
        assert code == 0, (args, out)
    code, out = run(cli, "drill", "src=journal&region=shuangyashan&account=100402&end=2025-12-31")
    assert "120000.50" in out
    assert (tmp_path / "bs.xlsx").read_bytes()[:2] == b"PK"
    assert (tmp_path / "a.pdf").read_bytes()[:4] == b"%PDF"
    # bad input: a clear message, exit 2
    for args, words in (
        (("funding", "transfer", "--county", "999999", "--amount", "1", "--document", "x",
          "--date", "2025-02-05"), "county"),
        (("funding", "income", "--source", "own", "--amount", "-5", "--document", "x"), "negative"),
        (("funding", "income", "--source", "own", "--amount", "5", "--document", "x", "--date", "2025-2-1"),
         "YYYY-MM-DD"),
        (("report", "spending", "--period", "2025-13", "--out", str(tmp_path / "x.xlsx")), "period"),
        (("insurer", "plan-subsidy", "--year", "2026", "--approved", "1"), "insurer"),
    ):  # fmt: skip
        code, out = run(cli, *args)
        assert code == 2 and words in out, (args, out)
