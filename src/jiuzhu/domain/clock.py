"""The one clock: every "now" and "today" of the system comes from here.

Times are stored as naive UTC (the tables' convention); days are the calendar day of the
agency (the process's local time zone, as the staff read dates). Tests may replace
:data:`CLOCK` to run on a fixed day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass
class Clock:
    """Now as naive UTC, today as the local calendar day; ``fixed`` freezes both."""

    fixed: dt.datetime | None = None

    def now(self) -> dt.datetime:
        if self.fixed is not None:
            return self.fixed
        return dt.datetime.now(dt.UTC).replace(tzinfo=None)

    def today(self) -> dt.date:
        if self.fixed is not None:
            return self.fixed.date()
        return dt.date.today()

    def local_now(self) -> dt.datetime:
        """Local wall time, for file names and stamps a person reads."""
        if self.fixed is not None:
            return self.fixed
        return dt.datetime.now()


CLOCK = Clock()


def utcnow() -> dt.datetime:
    """Now, naive UTC (what every ``*_at`` column holds)."""
    return CLOCK.now()


def today() -> dt.date:
    """Today's calendar day at the agency."""
    return CLOCK.today()
