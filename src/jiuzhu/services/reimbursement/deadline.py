"""Working-day deadlines (宁医保发〔2023〕102号 第二十三条: 30 个工作日内核准并发放到位).

Working days follow the State Council's holiday schedule as shipped by ``chinesecalendar``
(法定节假日 and 调休 make-up working days). The receipt day itself is not counted: the
period starts the next day (《民法典》第二百零一条：按照日计算期间的，开始的当日不计入，
自下一日开始计算), so the deadline is the N-th working day *after* the receipt day.
Years the library does not ship are taken from the operator file's ``working_calendar``
(the schedule as 国务院办公厅 published it); without one they fail with
:class:`CalendarUnavailable` — guessing a holiday schedule would put a wrong date on a
legal notice.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import chinese_calendar

from jiuzhu.config import get_settings
from jiuzhu.domain.errors import JiuzhuError
from jiuzhu.policy.loader import load_operator_file

ONE_DAY = dt.timedelta(days=1)


class CalendarUnavailable(JiuzhuError):
    """The working-day calendar does not cover the year asked for."""

    code = "calendar_unavailable"
    http_status = 422


def _years() -> tuple[int, int]:
    days = chinese_calendar.constants.holidays
    return min(days).year, max(days).year


@lru_cache
def _operator_calendar() -> dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]]:
    return load_operator_file(get_settings().operator_file).working_calendar


def is_workday(day: dt.date) -> bool:
    """A working day under the national schedule (weekends off, holidays off, 调休 on)."""
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        year = _operator_calendar().get(day.year)
        if year is not None:
            holidays, workdays = year
            return day in workdays or (day.weekday() < 5 and day not in holidays)
        first, last = _years()
        raise CalendarUnavailable(
            f"工作日历（chinesecalendar {getattr(chinese_calendar, '__version__', '')}）只含 "
            f"{first}–{last} 年的法定节假日安排，无法计算 {day.year} 年的工作日；"
            f"请升级 chinesecalendar，或在 operator 文件 working_calendar.{day.year} 中录入国务院办公厅公布的放假安排 "
            f"(the working-day calendar covers {first}–{last} only; {day} is outside it)",
            field="received_on",
        ) from None


def add_working_days(start: dt.date, n: int) -> dt.date:
    """The ``n``-th working day after ``start`` (``start`` itself not counted)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    day = start
    counted = 0
    while counted < n:
        day += ONE_DAY
        if is_workday(day):
            counted += 1
    return day


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days ``d`` with ``start < d <= end``; negative when ``end`` is before ``start``."""
    if end == start:
        return 0
    sign = 1
    if end < start:
        start, end, sign = end, start, -1
    count = 0
    day = start
    while day < end:
        day += ONE_DAY
        if is_workday(day):
            count += 1
    return sign * count
