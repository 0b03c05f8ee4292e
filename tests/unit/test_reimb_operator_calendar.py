"""Years the bundled calendar does not know come from the operator file (宁医保发〔2023〕102号 第二十三条)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest

from jiuzhu.config import get_settings
from jiuzhu.services.reimbursement import deadline


@pytest.fixture
def operator_calendar(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    f = tmp_path / "operator.yaml"
    # a made-up schedule for a year far beyond the bundled calendar: 1-3 Jan off, Sat 9 Jan worked
    f.write_text(
        "working_calendar:\n  2099:\n    holidays: [2099-01-01, 2099-01-02]\n    workdays: [2099-01-10]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("JIUZHU_OPERATOR_FILE", str(f))
    get_settings.cache_clear()
    deadline._operator_calendar.cache_clear()
    yield
    get_settings.cache_clear()
    deadline._operator_calendar.cache_clear()


def test_operator_calendar_fills_unknown_year(operator_calendar: None) -> None:
    # 2099-01-01 is a Thursday. Working days after it: Mon 5, Tue 6, Wed 7, Thu 8, Fri 9, Sat 10 (make-up)
    assert not deadline.is_workday(dt.date(2099, 1, 2))
    assert deadline.is_workday(dt.date(2099, 1, 10))
    assert not deadline.is_workday(dt.date(2099, 1, 11))
    assert deadline.add_working_days(dt.date(2099, 1, 1), 6) == dt.date(2099, 1, 10)


def test_unknown_year_without_operator_calendar_fails_clearly() -> None:
    deadline._operator_calendar.cache_clear()
    with pytest.raises(deadline.CalendarUnavailable, match="working_calendar.2099"):
        deadline.is_workday(dt.date(2099, 3, 2))
