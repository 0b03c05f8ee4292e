"""资助参保 as the API answers it and the CLI shows it: a person's enrolment facts, the
self-paid amount in yuan with two decimals, the day ISO. The use cases are
``jiuzhu.services.enrolment``'s (re-exported so a front end imports one name); the facts are
answered here in their JSON form. The subsidy register keeps its own form
(``SubsidyRegister.as_dict``, ``register_sheets``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy.orm import Session

from jiuzhu.policy.money import format_fen
from jiuzhu.services import enrolment as svc
from jiuzhu.services.enrolment import (
    CASES,
    KIND_ZH,
    REGISTER_HEADERS,
    REPORT_DAY,
    STATUS_NAMES,
    EnrolmentFact,
    MidYearEntry,
    RegisterRules,
    SubsidyRegister,
    SubsidyRegisterLine,
    build_register,
    import_enrolment,
    parse_status,
    premium_of,
    register_line,
    register_row,
    register_rules,
    register_sheets,
    status_label,
)


def fact_json(f: EnrolmentFact) -> dict[str, Any]:
    return {
        "psn_no": f.psn_no,
        "year": f.year,
        "status": f.status,
        "self_paid_on": f.self_paid_on.isoformat() if f.self_paid_on else None,
        "self_paid": format_fen(f.self_paid_fen) if f.self_paid_fen is not None else None,
        "note": f.note,
    }


# -- the use cases, answered as JSON --------------------------------------------------------


def enrolment_of(session: Session, psn_no: str) -> list[dict[str, Any]]:
    return [fact_json(f) for f in svc.enrolment_of(session, psn_no)]


def set_enrolment(
    session: Session,
    actor: str,
    psn_no: str,
    year: int,
    status: str,
    self_paid_on: dt.date | None = None,
    self_paid_fen: int | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    return fact_json(
        svc.set_enrolment(session, actor, psn_no, year, status, self_paid_on, self_paid_fen, note)
    )


__all__ = [
    "CASES",
    "KIND_ZH",
    "REGISTER_HEADERS",
    "REPORT_DAY",
    "STATUS_NAMES",
    "MidYearEntry",
    "RegisterRules",
    "SubsidyRegister",
    "SubsidyRegisterLine",
    "build_register",
    "enrolment_of",
    "fact_json",
    "import_enrolment",
    "parse_status",
    "premium_of",
    "register_line",
    "register_row",
    "register_rules",
    "register_sheets",
    "set_enrolment",
    "status_label",
]
