"""Repositories: the queries the services need, one place each."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import PersonIdentity, PersonYearTotals, Settlement
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import Totals
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.money import parse_fen


def identity_spans(session: Session, psn_no: str) -> list[IdentitySpan]:
    """Every identity the registry holds for a person (any source), as engine spans."""
    rows = session.execute(
        select(PersonIdentity.code, PersonIdentity.begndate, PersonIdentity.enddate)
        .where(PersonIdentity.psn_no == psn_no)
        .order_by(PersonIdentity.begndate, PersonIdentity.id)
    )
    return [IdentitySpan(code, b, e) for code, b, e in rows]


def lock_totals(session: Session, psn_no: str, year: int) -> PersonYearTotals:
    """The person-year totals row, created if missing, locked for this transaction.

    PostgreSQL: ``INSERT … ON CONFLICT DO NOTHING`` then ``SELECT … FOR UPDATE``, so
    concurrent settlements of one person serialise and others run in parallel.
    SQLite: the transaction began with ``BEGIN IMMEDIATE`` and already holds the write lock.
    """
    q = (
        select(PersonYearTotals)
        .where(PersonYearTotals.psn_no == psn_no, PersonYearTotals.year == year)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    # the row usually exists: lock it in one round trip; create it only when missing
    row = session.scalars(q).one_or_none()
    if row is not None:
        return row
    dialect = session.get_bind().dialect.name
    ins = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        ins(PersonYearTotals)
        .values(psn_no=psn_no, year=year, s=0, p=0, r=0, tp=0, settlements=0)
        .on_conflict_do_nothing(index_elements=["psn_no", "year"])
    )
    return session.scalars(q).one()


def totals_of(row: PersonYearTotals) -> Totals:
    return Totals(row.s, row.p, row.r, row.tp)


def settlement_by_id(session: Session, setl_id: str, *, lock: bool = False) -> Settlement | None:
    q = select(Settlement).where(Settlement.setl_id == setl_id)
    if lock:
        q = q.with_for_update()
    return session.scalars(q).one_or_none()


def claim_of_row(row: Settlement, setl_id: str | None = None) -> Claim:
    """The claim as it was stored (amounts are two-decimal yuan strings in ``body``)."""
    b = row.body
    return Claim(
        setl_id or row.setl_id,
        row.psn_no,
        row.setl_time,
        row.med_type,
        row.begndate,
        row.enddate,
        parse_fen(b["inscp_scp_amt"]),
        parse_fen(b["hifp_pay"]),
        parse_fen(b["hifmi_pay"]),
        parse_fen(b.get("hifob_pay", "0")),
        bool(b.get("out_of_area", 0)),
        bool(b.get("referral", 0)),
        bool(b.get("emergency", 0)),
        bool(b.get("in_province", 1)),
        str(b.get("dise_codg") or ""),
        int(b["age"]) if b.get("age") is not None else None,
    )
