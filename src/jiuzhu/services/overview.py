"""The 工作台 figures: settlements of a day, spending of a month by assistance class.

Only settled (not reversed) settlements count; amounts in fen. Both read the daily summary
(``settlement_day``, kept with each settlement and reversal), not the settlements.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.summary_tables import SettlementDay
from jiuzhu.adapters.db.tables import Settlement


def day_figures(session: Session, day: dt.date) -> dict[str, int]:
    n, maf, tilt = session.execute(
        select(
            func.coalesce(func.sum(SettlementDay.n), 0),
            func.coalesce(func.sum(SettlementDay.maf_pay), 0),
            func.coalesce(func.sum(SettlementDay.tilt_pay), 0),
        ).where(SettlementDay.day == day)
    ).one()
    return {"count": int(n), "maf_pay": int(maf), "tilt_pay": int(tilt)}


def month_by_class(session: Session, day: dt.date) -> list[dict[str, Any]]:
    """Spending of ``day``'s month so far (to the end of ``day``), by class."""
    rows = session.execute(
        select(
            SettlementDay.class_id,
            func.sum(SettlementDay.n),
            func.sum(SettlementDay.maf_pay),
            func.sum(SettlementDay.tilt_pay),
        )
        .where(SettlementDay.day >= day.replace(day=1), SettlementDay.day <= day)
        .group_by(SettlementDay.class_id)
        .order_by(SettlementDay.class_id)
    )
    # a class whose settlements were all reversed keeps rows summing to nought: not shown
    return [
        {"class_id": c, "count": int(n), "maf_pay": int(m), "tilt_pay": int(t)}
        for c, n, m, t in rows
        if n
    ]


def latest_settlement_day(session: Session) -> dt.date | None:
    t = session.scalar(select(func.max(Settlement.setl_time)))
    return t.date() if t else None
