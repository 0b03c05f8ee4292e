"""Working-day deadlines (宁医保发〔2023〕102号 第二十三条) and the 12-month start (梅州 第十条（二））."""

from __future__ import annotations

import datetime as dt

import pytest

from jiuzhu.domain.identity import months_before
from jiuzhu.services.reimbursement.deadline import (
    CalendarUnavailable,
    add_working_days,
    is_workday,
    working_days_between,
)

D = dt.date


def test_thirty_working_days_across_national_day_2024() -> None:
    # Receipt Fri 2024-09-20; the receipt day is not counted (《民法典》第二百零一条).
    # 2024 schedule: 国庆 10-01..10-07 off; 09-29 (Sun) and 10-12 (Sat) are working days.
    #  1–5   09-23 Mon … 09-27 Fri
    #  6     09-29 Sun (调休上班)          [09-28 Sat off]
    #  7     09-30 Mon
    #        10-01 … 10-07 holiday
    #  8–11  10-08 Tue … 10-11 Fri
    #  12    10-12 Sat (调休上班)
    #  13–17 10-14 … 10-18
    #  18–22 10-21 … 10-25
    #  23–27 10-28 … 11-01
    #  28–30 11-04 Mon, 11-05 Tue, 11-06 Wed
    assert is_workday(D(2024, 9, 29)) and is_workday(D(2024, 10, 12))
    assert not is_workday(D(2024, 10, 1)) and not is_workday(D(2024, 9, 28))
    assert add_working_days(D(2024, 9, 20), 30) == D(2024, 11, 6)
    assert working_days_between(D(2024, 9, 20), D(2024, 11, 6)) == 30


def test_receipt_on_a_holiday_counts_from_the_next_working_day() -> None:
    # received 2024-10-03 (holiday): day 1 is 10-08, day 5 is 10-12 (Sat, 调休上班)
    assert add_working_days(D(2024, 10, 3), 5) == D(2024, 10, 12)
    assert add_working_days(D(2024, 10, 3), 1) == D(2024, 10, 8)


def test_working_days_between_signs() -> None:
    assert working_days_between(D(2024, 11, 1), D(2024, 11, 6)) == 3
    assert working_days_between(D(2024, 11, 6), D(2024, 11, 1)) == -3
    assert working_days_between(D(2024, 11, 6), D(2024, 11, 6)) == 0


def test_outside_the_shipped_calendar_fails_clearly() -> None:
    with pytest.raises(CalendarUnavailable, match="chinesecalendar"):
        add_working_days(D(2099, 1, 5), 3)


@pytest.mark.parametrize(
    ("recognised", "start"),
    [
        (D(2024, 2, 29), D(2023, 2, 28)),  # no 29 Feb in 2023: the day before (前1日)
        (D(2024, 3, 31), D(2023, 3, 31)),
        (D(2024, 1, 15), D(2023, 1, 15)),
    ],
)
def test_twelve_months_before(recognised: dt.date, start: dt.date) -> None:
    assert months_before(recognised, 12) == start
