"""The registry as the API answers it and the CLI shows it: persons (masked) and their
identities, dates ISO. The use cases are ``jiuzhu.services.registry``'s (re-exported so a
front end imports one name); the reads are answered here in their JSON form."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiuzhu.services import registry as svc
from jiuzhu.services.registry import (
    IDENTITY_NAMES,
    SOURCE_ZH,
    SOURCES,
    IdentityView,
    PersonDetail,
    PersonView,
    add_identity,
    change_identity,
    create_person,
    end_identity,
    find_person,
    get_person,
    highest_code,
    identity_key,
    resolve_identity_code,
)
from jiuzhu.wire import counted, formatted


def _day(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def person_json(v: PersonView) -> dict[str, Any]:
    return {
        "psn_no": v.psn_no,
        "certno": v.certno,
        "name": v.name,
        "sex": v.sex,
        "birth_date": _day(v.birth_date),
        "household_no": v.household_no,
        "insured_region": v.insured_region,
    }


def identity_json(v: IdentityView, *, marked: bool = False) -> dict[str, Any]:
    """An identity span; ``marked`` (in a person's detail): valid, highest and its class."""
    out: dict[str, Any] = {
        "id": v.id,
        "psn_no": v.psn_no,
        "code": v.code,
        "name": v.name,
        "begndate": v.begndate.isoformat(),
        "enddate": _day(v.enddate),
        "source": v.source,
        "source_doc": v.source_doc,
        "batch_id": v.batch_id,
        "ended_by_batch_id": v.ended_by_batch_id,
    }
    if marked:
        out |= {
            "valid": v.valid,
            "highest": v.highest,
            "class_id": v.class_id,
            "class_name": v.class_name,
        }
    return out


def detail_json(d: PersonDetail) -> dict[str, Any]:
    return person_json(d.person) | {
        "as_of": d.as_of.isoformat(),
        "identities": [identity_json(i, marked=True) for i in d.identities],
        "highest_identity": d.highest_identity,
    }


# -- the reads, answered as JSON ------------------------------------------------------------


search_persons = formatted(svc.search_persons, counted(person_json))


person_detail = formatted(svc.person_detail, detail_json)


__all__ = [
    "IDENTITY_NAMES",
    "SOURCES",
    "SOURCE_ZH",
    "add_identity",
    "change_identity",
    "create_person",
    "detail_json",
    "end_identity",
    "find_person",
    "get_person",
    "highest_code",
    "identity_json",
    "identity_key",
    "person_detail",
    "person_json",
    "resolve_identity_code",
    "search_persons",
]
