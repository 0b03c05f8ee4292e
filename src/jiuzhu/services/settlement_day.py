"""The daily summary of settlements (adapters/db/summary_tables.py): a reversal takes its
settlement out, in the reversal's transaction (a handler of ``Reversed`` on the message
bus); a settlement goes in inside its own statement (settlement_sql.Raw.record_settlement).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from jiuzhu.adapters.db.settlement_sql import Raw, day_row
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.domain.events import Reversed


def on_reversed(s: Session, ev: Reversed) -> None:
    row = s.get(Settlement, ev.setl_id)
    if row is None:  # pragma: no cover - Reversed is published for a stored settlement
        raise AssertionError(f"settlement {ev.setl_id} not found")
    values = {
        "setl_id": row.setl_id,
        "setl_time": row.setl_time,
        "region": row.region,
        "county": row.county,
        "class_id": row.class_id,
        "med_type": row.med_type,
        "base": row.base,
        "maf_pay": row.maf_pay,
        "tilt_pay": row.tilt_pay,
    }
    Raw(s).add_day(day_row(values, -1))
