"""A person's year (个人年度累计): the four running totals and the settlements behind them,
in settlement order, amounts in fen (calc-contract §5). Front ends format at their edge.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from jiuzhu.adapters.db.tables import PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import NotFound


@dataclass(frozen=True)
class YearSettlement:
    setl_id: str
    setl_time: dt.datetime
    med_type: str
    identity: str | None
    class_id: str | None
    reason: str | None
    base: int
    maf_pay: int
    tilt_pay: int
    status: str
    source: str
    institution: str | None
    backpay_of: str | None


@dataclass(frozen=True)
class PersonYearView:
    psn_no: str
    year: int
    s: int
    p: int
    r: int
    tp: int
    settlements: list[YearSettlement]


def person_year(uow: UnitOfWork, psn_no: str, year: int, own: str | None) -> PersonYearView:
    """Totals of a person-year and its settlements (a hospital, ``own``: only its own)."""
    with uow.read() as s:
        row = s.get(PersonYearTotals, (psn_no, year))
        q = (
            select(Settlement)
            .where(Settlement.psn_no == psn_no, Settlement.year == year)
            .order_by(Settlement.setl_time, Settlement.setl_id)
        )
        if own is not None:
            q = q.where(Settlement.institution == own)
        rows = list(s.scalars(q))
        if row is None and not rows:
            raise NotFound(f"no settlements of {psn_no} in {year}", field="psn_no")
        settlements = [
            YearSettlement(
                r.setl_id,
                r.setl_time,
                r.med_type,
                r.identity or None,
                r.class_id,
                r.reason,
                r.base,
                r.maf_pay,
                r.tilt_pay,
                r.status,
                r.source,
                r.institution,
                r.backpay_of,
            )
            for r in rows
        ]
        if row is None:
            return PersonYearView(psn_no, year, 0, 0, 0, 0, settlements)
        return PersonYearView(psn_no, year, row.s, row.p, row.r, row.tp, settlements)
