"""资助参保: a person's enrolment facts as typed views (amounts in fen, dates as dates).

The front ends format them: ``jiuzhu.wire.enrolment`` for the API's JSON, the CLI's table
and the own-records answer, the person page's filters."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.enrolment_tables import PersonEnrolment


@dataclass(frozen=True)
class EnrolmentFact:
    """A person's enrolment in a year (梅州规程 第六条 cases); ``self_paid_fen`` the premium
    paid here (self_paid) or the own contribution in the other scheme (elsewhere)."""

    psn_no: str
    year: int
    status: str
    self_paid_on: dt.date | None
    self_paid_fen: int | None
    note: str | None


def enrolment_fact(e: PersonEnrolment) -> EnrolmentFact:
    return EnrolmentFact(
        psn_no=e.psn_no,
        year=e.year,
        status=e.status,
        self_paid_on=e.self_paid_on,
        self_paid_fen=e.self_paid_fen,
        note=e.note,
    )


def enrolment_of(session: Session, psn_no: str) -> list[EnrolmentFact]:
    """A person's enrolment facts, by year."""
    return [
        enrolment_fact(e)
        for e in session.scalars(
            select(PersonEnrolment)
            .where(PersonEnrolment.psn_no == psn_no)
            .order_by(PersonEnrolment.year)
        )
    ]
