"""Reads of the registry: persons (masked) and their identities, as typed views.

Dates stay dates; the front ends format them (``jiuzhu.wire.registry`` for the API's JSON
and the CLI, the pages' filters). ID numbers and names leave here only masked
(``1****************4``, ``张*``). Multiple identities: the highest valid one on a day
is marked (新疆规程 第五条、双鸭山实施办法 第四条: 多重身份就高不就低; calc-contract §4).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import DataCipher, get_cipher
from jiuzhu.adapters.db.tables import Person, PersonIdentity
from jiuzhu.adapters.db.uow import audit
from jiuzhu.domain.errors import NotFound
from jiuzhu.domain.identity import IDENTITY_ORDER
from jiuzhu.domain.pii import (
    certno_problem,
    looks_like_certno,
    mask_certno,
    mask_name,
    normalise_certno,
)
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.schema import IDENTITY_CODES


@dataclass(frozen=True)
class PersonView:
    """A person as shown anywhere: ID number and name masked."""

    psn_no: str
    certno: str
    name: str
    sex: str | None
    birth_date: dt.date | None
    household_no: str | None
    insured_region: str | None


@dataclass(frozen=True)
class IdentityView:
    """One identity span; ``valid``/``highest`` and the class only in a person's detail."""

    id: int
    psn_no: str
    code: str
    begndate: dt.date
    enddate: dt.date | None
    source: str
    source_doc: str | None
    batch_id: int | None
    ended_by_batch_id: int | None
    valid: bool = False
    highest: bool = False
    class_id: str | None = None
    class_name: str | None = None

    @property
    def name(self) -> str:
        return IDENTITY_CODES.get(self.code, self.code)


@dataclass(frozen=True)
class PersonDetail:
    """A person with every identity on ``as_of``, the highest valid one marked."""

    person: PersonView
    as_of: dt.date
    identities: tuple[IdentityView, ...]

    @property
    def highest_identity(self) -> str | None:
        return next((i.code for i in self.identities if i.highest), None)


def _decrypt(cipher: DataCipher, blob: bytes | None) -> str:
    return cipher.decrypt(blob) if blob else ""


def person_view(p: Person, cipher: DataCipher | None = None) -> PersonView:
    cipher = cipher or get_cipher()
    return PersonView(
        psn_no=p.psn_no,
        certno=mask_certno(_decrypt(cipher, p.certno_enc)),
        name=mask_name(_decrypt(cipher, p.name_enc)),
        sex=p.sex,
        birth_date=p.birth_date,
        household_no=p.household_no,
        insured_region=p.insured_region,
    )


def person_record(v: PersonView) -> dict[str, Any]:
    """The person as the audit trail (and answers still built as records) keep it."""
    return {
        "psn_no": v.psn_no,
        "certno": v.certno,
        "name": v.name,
        "sex": v.sex,
        "birth_date": v.birth_date.isoformat() if v.birth_date else None,
        "household_no": v.household_no,
        "insured_region": v.insured_region,
    }


def person_summary(p: Person, cipher: DataCipher | None = None) -> dict[str, Any]:
    """:func:`person_record` of a person row (masked)."""
    return person_record(person_view(p, cipher))


def identity_view(i: PersonIdentity) -> IdentityView:
    return IdentityView(
        id=i.id,
        psn_no=i.psn_no,
        code=i.code,
        begndate=i.begndate,
        enddate=i.enddate,
        source=i.source,
        source_doc=i.source_doc,
        batch_id=i.batch_id,
        ended_by_batch_id=i.ended_by_batch_id,
    )


def identity_record(v: IdentityView) -> dict[str, Any]:
    """The identity span as the audit trail keeps it (dates ISO)."""
    return {
        "id": v.id,
        "psn_no": v.psn_no,
        "code": v.code,
        "name": v.name,
        "begndate": v.begndate.isoformat(),
        "enddate": v.enddate.isoformat() if v.enddate else None,
        "source": v.source,
        "source_doc": v.source_doc,
        "batch_id": v.batch_id,
        "ended_by_batch_id": v.ended_by_batch_id,
    }


def find_person(
    session: Session, *, psn_no: str | None = None, certno: str | None = None
) -> Person | None:
    """By 人员编号, or by ID number through its keyed hash (never compared in clear)."""
    if psn_no:
        return session.scalar(select(Person).where(Person.psn_no == psn_no.strip()))
    if certno:
        h = get_cipher().lookup_hash(normalise_certno(certno))
        return session.scalar(select(Person).where(Person.certno_hash == h))
    return None


def get_person(session: Session, psn_no: str) -> Person:
    p = find_person(session, psn_no=psn_no)
    if p is None:
        raise NotFound(f"no person with psn_no {psn_no}", field="psn_no")
    return p


def search_persons(
    session: Session,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    actor: str | None = None,
) -> tuple[int, list[PersonView]]:
    """Persons by 人员编号 prefix, household number, or exact ID number (keyed hash).
    Given an ``actor``, a search by ID number is audited as a look at personal data."""
    stmt = select(Person)
    if q and q.strip():
        q = q.strip()
        conds = [Person.psn_no.startswith(q, autoescape=True), Person.household_no == q]
        if certno_problem(q) is None:
            conds.append(Person.certno_hash == get_cipher().lookup_hash(normalise_certno(q)))
        stmt = stmt.where(or_(*conds))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Person.psn_no).limit(limit).offset(offset))
    cipher = get_cipher()
    found = [person_view(p, cipher) for p in rows]
    if actor is not None and q and looks_like_certno(q):
        audit(session, actor, "search", "person", "certno", None, {"found": int(total)})
    return int(total), found


def class_rank(policy: RegionPolicy | None) -> dict[str, tuple[int, str, str]]:
    """code → (rank, class id, class name): the order of the region's benefit classes,
    first = highest (就高不就低, calc-contract §4)."""
    out: dict[str, tuple[int, str, str]] = {}
    if policy is None:
        return out
    for rank, c in enumerate(policy.spec.classes):
        for code in c.identities:
            out[code] = (rank, c.id, c.name)
    return out


def highest_code(codes: Iterable[str], policy: RegionPolicy | None) -> str | None:
    """The identity whose class comes first in the region's policy; identities without a
    class only when nothing else applies (calc-contract §4)."""
    ranks = class_rank(policy)
    best: tuple[int, int] | None = None
    found = None
    for code in codes:
        key = (ranks[code][0] if code in ranks else 1000, IDENTITY_ORDER.get(code, 999))
        if best is None or key < best:
            best, found = key, code
    return found


def resolve_identities(
    identities: Sequence[PersonIdentity], policy: RegionPolicy | None, day: dt.date
) -> list[IdentityView]:
    """Every identity, each marked ``valid`` on ``day``; the highest valid one marked
    ``highest`` (新疆规程 第五条、双鸭山实施办法 第四条: 多重身份就高不就低)."""
    ranks = class_rank(policy)
    valid = [i for i in identities if i.begndate <= day and (i.enddate is None or day <= i.enddate)]
    top = highest_code([i.code for i in valid], policy)
    out = []
    for i in identities:
        ok = i in valid
        rank = ranks.get(i.code)
        class_id, class_name = (rank[1], rank[2]) if rank else (None, None)
        view = identity_view(i)
        out.append(
            replace(
                view,
                valid=ok,
                highest=ok and i.code == top,
                class_id=class_id,
                class_name=class_name,
            )
        )
    return out


def identities_of(session: Session, psn_no: str) -> list[PersonIdentity]:
    return list(
        session.scalars(
            select(PersonIdentity)
            .where(PersonIdentity.psn_no == psn_no)
            .order_by(PersonIdentity.begndate, PersonIdentity.id)
        )
    )


def person_detail(
    session: Session, psn_no: str, policy: RegionPolicy | None = None, day: dt.date | None = None
) -> PersonDetail:
    """A person (masked) with every identity, the highest valid one on ``day`` marked."""
    p = get_person(session, psn_no)
    day = day or dt.date.today()
    ids = resolve_identities(identities_of(session, psn_no), policy, day)
    return PersonDetail(person_view(p), day, tuple(ids))
