"""The 工作台 figures: settlements of a day, spending of a month by assistance class.

Only settled (not reversed) settlements count; amounts in fen.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import Settlement


def _span(start: dt.date, end: dt.date) -> tuple[dt.datetime, dt.datetime]:
    return dt.datetime.combine(start, dt.time()), dt.datetime.combine(end, dt.time())


def day_figures(session: Session, day: dt.date) -> dict[str, int]:
    lo, hi = _span(day, day + dt.timedelta(days=1))
    n, maf, tilt = session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(Settlement.maf_pay), 0),
            func.coalesce(func.sum(Settlement.tilt_pay), 0),
        ).where(
            Settlement.setl_time >= lo, Settlement.setl_time < hi, Settlement.status == "settled"
        )
    ).one()
    return {"count": int(n), "maf_pay": int(maf), "tilt_pay": int(tilt)}


def month_by_class(session: Session, day: dt.date) -> list[dict[str, Any]]:
    """Spending of ``day``'s month so far (to the end of ``day``), by class."""
    lo, hi = _span(day.replace(day=1), day + dt.timedelta(days=1))
    rows = session.execute(
        select(
            Settlement.class_id,
            func.count(),
            func.coalesce(func.sum(Settlement.maf_pay), 0),
            func.coalesce(func.sum(Settlement.tilt_pay), 0),
        )
        .where(
            Settlement.setl_time >= lo, Settlement.setl_time < hi, Settlement.status == "settled"
        )
        .group_by(Settlement.class_id)
        .order_by(Settlement.class_id)
    )
    return [
        {"class_id": c or "", "count": int(n), "maf_pay": int(m), "tilt_pay": int(t)}
        for c, n, m, t in rows
    ]


def latest_settlement_day(session: Session) -> dt.date | None:
    t = session.scalar(select(func.max(Settlement.setl_time)))
    return t.date() if t else None
