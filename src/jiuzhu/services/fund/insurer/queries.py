"""Reads of the insurer schedule: each step with its due date and status (逾期 computed)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from jiuzhu.adapters.db.funding_tables import InsurerEvent
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.clock import today as clock_today
from jiuzhu.services.fund.insurer.schedule import EventView, view

__all__ = ["EventView", "schedule"]


def schedule(
    uow: UnitOfWork, region: str, *, year: int | None = None, today: dt.date | None = None
) -> list[EventView]:
    """The steps of ``year`` (every year when None), in the order they were planned."""
    now = today or clock_today()
    with uow.read() as s:
        q = select(InsurerEvent).where(InsurerEvent.region == region)
        if year is not None:
            q = q.where(InsurerEvent.year == year)
        rows = list(s.scalars(q.order_by(InsurerEvent.year, InsurerEvent.id)))
        return [view(e, now) for e in rows]
