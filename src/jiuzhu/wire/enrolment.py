"""资助参保 as the API answers it and the CLI shows it: a person's enrolment facts, the
self-paid amount in yuan with two decimals, the day ISO. The use cases are
``jiuzhu.services.enrolment``'s (re-exported so a front end imports one name); the facts are
answered here in their JSON form. The subsidy register keeps its own form
(``SubsidyRegister.as_dict``, ``register_sheets``)."""

from __future__ import annotations

from typing import Any

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
from jiuzhu.wire import each, formatted


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


enrolment_of = formatted(svc.enrolment_of, each(fact_json))


set_enrolment = formatted(svc.set_enrolment, fact_json)


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
