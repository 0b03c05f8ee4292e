"""资格查询 as the API answers it: the hospital's eligibility query (like the national
platform's 1101) and a person's own records (梅州规程 第九条) — the typed views of
``jiuzhu.services.eligibility`` with amounts in yuan (two decimals), days ISO, times
``YYYY-MM-DD HH:MM:SS``, the person masked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiuzhu.policy.money import format_fen
from jiuzhu.services import eligibility as svc
from jiuzhu.services.eligibility import (
    CapLeft,
    Eligibility,
    IdentityInterval,
    OwnRecords,
    OwnSettlement,
    OwnYearTotals,
)
from jiuzhu.wire import formatted
from jiuzhu.wire.enrolment import fact_json
from jiuzhu.wire.registry import person_json


def _day(d: dt.date | None) -> str | None:
    return d.isoformat() if d else None


def interval_json(i: IdentityInterval) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "begndate": i.begndate.isoformat(),
            "enddate": _day(i.enddate)}  # fmt: skip


def cap_json(c: CapLeft) -> dict[str, Any]:
    if c.error is not None:
        return {"year": c.year, "error": c.error}
    out: dict[str, Any] = {"year": c.year, "paid": format_fen(c.paid)}
    if c.annual_cap is not None and c.left is not None:
        out |= {"annual_cap": format_fen(c.annual_cap), "left": format_fen(c.left), "ref": c.ref}
    if c.tilt_paid is not None and c.tilt_left is not None:
        out["tilt_paid"] = format_fen(c.tilt_paid)
        out["tilt_left"] = format_fen(c.tilt_left)
    return out


def eligibility_json(e: Eligibility) -> dict[str, Any]:
    span = e.valid_span
    return person_json(e.person) | {
        "on": e.on.isoformat(),
        "identity": e.identity,
        "identity_name": e.identity_name,
        "class": e.class_id,
        "class_name": e.class_name,
        "covered": e.covered,
        "valid_span": {"begndate": span[0].isoformat(), "enddate": _day(span[1])} if span else None,
        "identities": [interval_json(i) for i in e.identities],
        "deposit_free": {
            "applies": e.deposit_free.applies,
            "conditions": list(e.deposit_free.conditions),
            "ref": e.deposit_free.ref,
        },
        "cap": cap_json(e.cap),
    }


def settlement_json(r: OwnSettlement) -> dict[str, Any]:
    return {
        "setl_id": r.setl_id,
        "setl_time": r.setl_time.isoformat(sep=" "),
        "year": r.year,
        "med_type": r.med_type,
        "identity": r.identity,
        "class": r.class_id,
        "maf_pay": format_fen(r.maf_pay),
        "tilt_pay": format_fen(r.tilt_pay),
        "status": r.status,
        "source": r.source,
    }


def totals_json(t: OwnYearTotals) -> dict[str, Any]:
    return {"year": t.year, "S": format_fen(t.s), "P": format_fen(t.p), "R": format_fen(t.r),
            "TP": format_fen(t.tp)}  # fmt: skip


def own_records_json(o: OwnRecords) -> dict[str, Any]:
    return person_json(o.person) | {
        "identities": [interval_json(i) for i in o.identities],
        "enrolment": [fact_json(f) for f in o.enrolment],
        "settlements": [settlement_json(r) for r in o.settlements],
        "totals": [totals_json(t) for t in o.totals],
        "ref": o.ref,
    }


# -- the use cases, answered as JSON --------------------------------------------------------


eligibility = formatted(svc.eligibility, eligibility_json)


own_records = formatted(svc.own_records, own_records_json)


__all__ = [
    "cap_json",
    "eligibility",
    "eligibility_json",
    "interval_json",
    "own_records",
    "own_records_json",
]
