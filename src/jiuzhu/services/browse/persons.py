"""Persons for the staff pages: list by 人员编号 prefix, household, identity; one person by
ID number (keyed hash, never compared in clear), optionally checked against the name;
the person page's parts (identities with the one that applies, enrolment, year totals,
settlements, reimbursements, audit history). Personal data masked unless revealed
(with a reason, audited)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Any

from sqlalchemy import Select, exists, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.tables import (
    AuditLog,
    ImportBatch,
    Person,
    PersonIdentity,
    PersonYearTotals,
    Settlement,
)
from jiuzhu.adapters.db.uow import audit
from jiuzhu.domain.errors import InputError, NotFound
from jiuzhu.domain.pii import certno_problem, normalise_certno
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import registry
from jiuzhu.services.browse import capped_count, prefix_range
from jiuzhu.services.enrolment import EnrolmentFact, enrolment_of


@dataclass(frozen=True)
class BatchRef:
    """The import batch an identity span came from."""

    id: int
    file_name: str | None
    created_at: dt.datetime


@dataclass(frozen=True)
class PageIdentity(registry.IdentityView):
    """An identity span on the person page, with its import batch (None: entered by hand)."""

    batch: BatchRef | None = None


@dataclass(frozen=True)
class PersonPage:
    """The person page's parts: the person (masked) with every identity on ``as_of``,
    enrolment facts, year totals (newest first), the last 200 settlements and the last 100
    audit records about the person. Amounts in fen; the page formats them."""

    person: registry.PersonView
    as_of: dt.date
    highest_identity: str | None
    identities: tuple[PageIdentity, ...]
    enrolment: tuple[EnrolmentFact, ...]
    totals: tuple[PersonYearTotals, ...]
    settlements: tuple[Settlement, ...]
    audit: tuple[AuditLog, ...]


def person_query(
    psn_no: str | None = None, household_no: str | None = None, identity: str | None = None
) -> Select[Any]:
    q = select(Person)
    if psn_no:
        q = q.where(prefix_range(Person.psn_no, psn_no.strip()))
    if household_no:
        q = q.where(Person.household_no == household_no.strip())
    if identity:
        q = q.where(
            exists().where(PersonIdentity.psn_no == Person.psn_no, PersonIdentity.code == identity)
        )
    return q


def list_persons(
    session: Session, q: Select[Any], limit: int, offset: int
) -> tuple[int, bool, list[registry.PersonView]]:
    total, capped = capped_count(session, q)
    cipher = get_cipher()
    rows = session.scalars(q.order_by(Person.psn_no).limit(limit).offset(offset))
    return total, capped, [registry.person_view(p, cipher) for p in rows]


def all_persons(session: Session, q: Select[Any], limit: int = 100000) -> list[registry.PersonView]:
    cipher = get_cipher()
    return [
        registry.person_view(p, cipher)
        for p in session.scalars(q.order_by(Person.psn_no).limit(limit))
    ]


def find_by_certno(
    session: Session, certno: str, name: str | None, actor: str
) -> registry.PersonView | None:
    """One person by full ID number through its keyed hash; with ``name``, the stored name
    must match too. The look-up is audited with the number masked."""
    text = (certno or "").strip().upper()
    problem = certno_problem(text)
    if problem:
        raise InputError(f"身份证号码有误：{problem}", column="certno")
    p = registry.find_person(session, certno=normalise_certno(text))
    cipher = get_cipher()
    if p is not None and name and name.strip():
        stored = cipher.decrypt(p.name_enc) if p.name_enc else ""
        if stored != name.strip():
            p = None
    audit(
        session,
        actor,
        "lookup",
        "person",
        p.psn_no if p else "-",
        None,
        {"by": "certno+name" if name else "certno", "found": p is not None},
    )
    return registry.person_view(p, cipher) if p else None


def reveal(session: Session, psn_no: str, reason: str, actor: str) -> dict[str, str]:
    """The clear ID number and name of one person, for a stated reason (audited)."""
    reason = (reason or "").strip()
    if len(reason) < 4:
        raise InputError("请填写查看原因（至少 4 个字）", column="reason")
    p = registry.get_person(session, psn_no)
    cipher = get_cipher()
    audit(session, actor, "reveal", "person", psn_no, None, {"reason": reason[:200]})
    return {
        "certno": cipher.decrypt(p.certno_enc) if p.certno_enc else "",
        "name": cipher.decrypt(p.name_enc) if p.name_enc else "",
    }


def person_page(
    session: Session, psn_no: str, policy: RegionPolicy, day: dt.date, actor: str
) -> PersonPage:
    """The person page (see :class:`PersonPage`); the view is audited."""
    detail = registry.person_detail(session, psn_no, policy, day)
    batches = {
        b.id: BatchRef(b.id, b.file_name, b.created_at)
        for b in session.scalars(
            select(ImportBatch).where(
                ImportBatch.id.in_([i.batch_id for i in detail.identities if i.batch_id])
            )
        )
    }
    identities = tuple(
        PageIdentity(
            **{f.name: getattr(i, f.name) for f in fields(i)},
            batch=batches.get(i.batch_id) if i.batch_id else None,
        )
        for i in detail.identities
    )
    totals = session.scalars(
        select(PersonYearTotals)
        .where(PersonYearTotals.psn_no == psn_no)
        .order_by(PersonYearTotals.year.desc())
    )
    settlements = session.scalars(
        select(Settlement)
        .where(Settlement.psn_no == psn_no)
        .order_by(Settlement.setl_time.desc())
        .limit(200)
    )
    trail = session.scalars(
        select(AuditLog)
        .where(AuditLog.entity == "person", AuditLog.entity_id == psn_no)
        .order_by(AuditLog.id.desc())
        .limit(100)
    )
    page = PersonPage(
        person=detail.person,
        as_of=detail.as_of,
        highest_identity=detail.highest_identity,
        identities=identities,
        enrolment=tuple(enrolment_of(session, psn_no)),
        totals=tuple(totals),
        settlements=tuple(settlements),
        audit=tuple(trail),
    )
    audit(session, actor, "view", "person", psn_no)
    return page


def require_person(session: Session, psn_no: str) -> None:
    if registry.find_person(session, psn_no=psn_no) is None:
        raise NotFound(f"没有人员编号为 {psn_no} 的人员", field="psn_no")
