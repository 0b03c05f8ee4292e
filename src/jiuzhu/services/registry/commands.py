"""Changes to the registry: register a person, add, change and end identity spans.

ID numbers and names are stored encrypted (AES-GCM), found by keyed hash, and leave the
registry only masked. Every change is audited with masked before/after
(宁医保发〔2023〕102号 第九条 全程痕迹管理).

Identity spans of the same code for the same person must not overlap: an overlapping
span is refused (not merged), because two departments' dates for the same identity
disagreeing is a fact the case worker has to resolve, not the program.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import DataCipher, get_cipher
from jiuzhu.adapters.db.tables import Person, PersonIdentity
from jiuzhu.adapters.db.uow import audit
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import Conflict, InputError, NotFound
from jiuzhu.domain.pii import birth_date_of, certno_problem, mask_certno, normalise_certno, sex_of
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services.registry.names import source_problem
from jiuzhu.services.registry.queries import (
    IdentityView,
    PersonView,
    find_person,
    get_person,
    identities_of,
    identity_record,
    identity_view,
    person_record,
    person_view,
)


def _audit_record(i: PersonIdentity) -> dict[str, Any]:
    return identity_record(identity_view(i))


# -- persons ----------------------------------------------------------------------------


def person_values(
    cipher: DataCipher,
    psn_no: str,
    certno: str,
    name: str,
    household_no: str | None = None,
    insured_region: str | None = None,
) -> dict[str, Any]:
    """Column values of a new person: ID number and name encrypted, sex and birth date
    derived from the ID number (GB 11643-1999). The ID number must be valid."""
    c = normalise_certno(certno)
    now = utcnow()
    return {
        "psn_no": psn_no,
        "certno_enc": cipher.encrypt(c),
        "certno_hash": cipher.lookup_hash(c),
        "name_enc": cipher.encrypt(name.strip()) if name.strip() else None,
        "sex": sex_of(c),
        "birth_date": birth_date_of(c),
        "household_no": household_no or None,
        "insured_region": insured_region or None,
        "created_at": now,
        "updated_at": now,
    }


def create_person(
    session: Session,
    actor: str,
    psn_no: str,
    certno: str,
    name: str,
    household_no: str | None = None,
    insured_region: str | None = None,
) -> PersonView:
    """Register a person; the ID number's check digit is verified (GB 11643-1999)."""
    psn_no = psn_no.strip()
    if not psn_no:
        raise InputError("psn_no is empty", column="psn_no")
    problem = certno_problem(certno)
    if problem:
        raise InputError(problem, column="certno")
    if not name.strip():
        raise InputError("name is empty", column="psn_name")
    if find_person(session, psn_no=psn_no) is not None:
        raise Conflict(f"person {psn_no} exists", field="psn_no")
    other = find_person(session, certno=certno)
    if other is not None:
        raise Conflict(
            f"ID number {mask_certno(certno)} belongs to person {other.psn_no}", field="certno"
        )
    cipher = get_cipher()
    p = Person(**person_values(cipher, psn_no, certno, name, household_no, insured_region))
    session.add(p)
    session.flush()
    view = person_view(p, cipher)
    audit(session, actor, "create", "person", psn_no, None, person_record(view))
    return view


# -- identities -------------------------------------------------------------------------


def _overlapping(
    spans: Iterable[PersonIdentity], code: str, beg: dt.date, end: dt.date | None, skip: int | None
) -> PersonIdentity | None:
    for s in spans:
        if s.code != code or s.id == skip:
            continue
        if s.begndate <= (end or dt.date.max) and (s.enddate or dt.date.max) >= beg:
            return s
    return None


def _span_text(s: PersonIdentity) -> str:
    return f"{s.begndate}–{s.enddate or '至今'}"


def add_identity(
    session: Session,
    actor: str,
    psn_no: str,
    code: str,
    begndate: dt.date,
    enddate: dt.date | None = None,
    source: str = "yibao",
    source_doc: str | None = None,
) -> IdentityView:
    """Record an identity (宁医保发〔2023〕102号 第十一条 资格维护). Overlapping spans of the
    same identity are refused."""
    p = get_person(session, psn_no)
    if code not in IDENTITY_CODES:
        raise InputError(f"unknown identity code '{code}'", column="identity")
    problem = source_problem(source, code)
    if problem:
        raise InputError(problem, column="source")
    if enddate is not None and enddate < begndate:
        raise InputError(f"enddate {enddate} is before begndate {begndate}", column="enddate")
    clash = _overlapping(identities_of(session, psn_no), code, begndate, enddate, None)
    if clash is not None:
        raise Conflict(
            f"{psn_no} already has {code} for {_span_text(clash)}, overlapping "
            f"{begndate}–{enddate or '至今'}; end or change that span instead",
            field="begndate",
        )
    i = PersonIdentity(
        person_id=p.id,
        psn_no=psn_no,
        code=code,
        begndate=begndate,
        enddate=enddate,
        source=source,
        source_doc=source_doc,
    )
    session.add(i)
    session.flush()
    audit(
        session,
        actor,
        "add",
        "person_identity",
        identity_key(psn_no, code, begndate),
        None,
        _audit_record(i),
    )
    return identity_view(i)


def identity_key(psn_no: str, code: str, begndate: dt.date) -> str:
    """The audit trail's id of an identity span: person, code and start (stable across
    bulk imports, which insert without reading ids back)."""
    return f"{psn_no}:{code}:{begndate.isoformat()}"


def _get_identity(session: Session, identity_id: int) -> PersonIdentity:
    i = session.get(PersonIdentity, identity_id, with_for_update=True)
    if i is None:
        raise NotFound(f"no identity with id {identity_id}", field="id")
    return i


def change_identity(
    session: Session,
    actor: str,
    identity_id: int,
    *,
    begndate: dt.date | None = None,
    enddate: dt.date | None = None,
    clear_enddate: bool = False,
    source_doc: str | None = None,
    action: str = "change",
) -> IdentityView:
    """Change an identity's dates (动态调整); the result must not overlap another span."""
    i = _get_identity(session, identity_id)
    before = _audit_record(i)
    beg = begndate or i.begndate
    end = None if clear_enddate else (enddate if enddate is not None else i.enddate)
    if end is not None and end < beg:
        raise InputError(f"enddate {end} is before begndate {beg}", column="enddate")
    clash = _overlapping(identities_of(session, i.psn_no), i.code, beg, end, i.id)
    if clash is not None:
        raise Conflict(
            f"{i.psn_no} has {i.code} also for {_span_text(clash)}; the spans would overlap",
            field="enddate",
        )
    i.begndate, i.enddate = beg, end
    if source_doc:
        i.source_doc = source_doc
    session.flush()
    after = _audit_record(i)
    if after != before:
        key = identity_key(i.psn_no, i.code, dt.date.fromisoformat(before["begndate"]))
        audit(session, actor, action, "person_identity", key, before, after)
    return identity_view(i)


def end_identity(
    session: Session,
    actor: str,
    identity_id: int,
    enddate: dt.date,
    source_doc: str | None = None,
) -> IdentityView:
    """End an identity on ``enddate`` (included) — 新疆规程 第六条 动态调整."""
    return change_identity(
        session, actor, identity_id, enddate=enddate, source_doc=source_doc, action="end"
    )
