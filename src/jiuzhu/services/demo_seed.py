"""Demonstration data (演示数据) written through the same tables as real work: persons with
encrypted ID numbers, their identities, late identities, the staff and hospital logins.

Used by ``jiuzhu demo`` only; every row is audited as ``demo``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.crypto import api_key_hash, get_cipher, hash_secret, verify_secret
from jiuzhu.adapters.db.tables import ApiKey, ImportBatch, Person, PersonIdentity, StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.pii import birth_date_of, mask_certno, mask_name, sex_of
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.api_keys import create_api_key


def load_registry(uow: UnitOfWork, people: list[dict[str, Any]]) -> int:
    """Persons (ID number and name encrypted, found by keyed hash) and identities."""

    cipher = get_cipher()
    added = 0
    with uow.begin() as s:
        have = set(s.scalars(select(Person.psn_no)))
        for p in people:
            if p["psn_no"] in have:
                continue
            row = Person(
                psn_no=p["psn_no"],
                certno_enc=cipher.encrypt(p["certno"]),
                certno_hash=cipher.lookup_hash(p["certno"]),
                name_enc=cipher.encrypt(p["name"]),
                sex=sex_of(p["certno"]),
                birth_date=birth_date_of(p["certno"]),
                insured_region="640100",
            )
            s.add(row)
            s.flush()
            for code, b, e in p["spans"]:
                s.add(
                    PersonIdentity(
                        person_id=row.id,
                        psn_no=p["psn_no"],
                        code=code,
                        begndate=b,
                        enddate=e,
                        source="yibao",
                        source_doc="演示数据 demonstration",
                    )
                )
            audit(
                s,
                "demo",
                "create",
                "person",
                p["psn_no"],
                None,
                {
                    "certno": mask_certno(p["certno"]),
                    "name": mask_name(p["name"]),
                    "identities": [c for c, _, _ in p["spans"]],
                },
            )
            added += 1
    return added


def add_late_identities(uow: UnitOfWork, late: list[tuple[str, str, dt.date]]) -> None:

    with uow.begin() as s:
        for psn, code, begin in late:
            if s.scalar(select(PersonIdentity.id).where(PersonIdentity.psn_no == psn)):
                continue
            pid = s.scalar(select(Person.id).where(Person.psn_no == psn))
            s.add(
                PersonIdentity(
                    person_id=pid,
                    psn_no=psn,
                    code=code,
                    begndate=begin,
                    enddate=None,
                    source="yibao",
                    source_doc="演示：迟到的身份推送",
                )
            )
            audit(
                s,
                "demo",
                "add",
                "person_identity",
                psn,
                None,
                {"code": code, "begndate": str(begin)},
            )


def ensure_login(
    uow: UnitOfWork, username: str, password: str, roles: list[str], display_name: str
) -> None:
    """A staff account with this password (created, or its password set back)."""
    with uow.begin() as s:
        u = s.scalar(select(StaffUser).where(StaffUser.username == username))
        if u is None:
            create_user(s, username, password, roles, "demo", display_name)
        elif not verify_secret(password, u.password_hash):
            u.password_hash = hash_secret(password)


def ensure_api_key(uow: UnitOfWork, key: str | None, institution: str, label: str) -> str:
    """``key`` if it is still valid, else a new key for ``institution``."""
    with uow.begin() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == api_key_hash(key))) if key else None
        if row is None or row.revoked_at is not None or key is None:
            return create_api_key(s, institution, "demo", label)
        return key


def demo_loaded(uow: UnitOfWork) -> bool:
    with uow.read() as s:
        return s.scalar(select(ImportBatch.id).where(ImportBatch.kind == "demo")) is not None


def mark_demo_loaded(uow: UnitOfWork, counts: dict[str, Any]) -> None:
    with uow.begin() as s:
        s.add(ImportBatch(kind="demo", source="yibao", actor="demo", counts=counts))
