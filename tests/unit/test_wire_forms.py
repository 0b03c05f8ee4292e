"""The JSON forms of ``jiuzhu.wire``: amounts in fen become yuan with two decimals (a
reconciliation difference signed), dates ISO, and the shown twins keep their view's fields
in order (the API's key order)."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

from jiuzhu.services.checks.queries import FindingView
from jiuzhu.services.eligibility import CapLeft
from jiuzhu.services.enrolment import EnrolmentFact
from jiuzhu.services.warning.queries import EntryView
from jiuzhu.wire import checks, eligibility, enrolment, fund, warning


def test_signed_amounts() -> None:
    assert (fund.signed(-123456), fund.signed(5), fund.signed(0), fund.signed(None)) == (
        "-1234.56",
        "0.05",
        "0.00",
        None,
    )


def test_enrolment_fact_without_and_with_an_amount() -> None:
    none = EnrolmentFact("P1", 2025, "local", None, None, None)
    paid = EnrolmentFact("P1", 2025, "self_paid", dt.date(2025, 1, 10), 38010, "n")
    assert enrolment.fact_json(none)["self_paid"] is None
    assert enrolment.fact_json(none)["self_paid_on"] is None
    assert (enrolment.fact_json(paid)["self_paid"], enrolment.fact_json(paid)["self_paid_on"]) == (
        "380.10",
        "2025-01-10",
    )


def test_cap_left_forms() -> None:
    """The year's terms unresolved: the year and the error only; no class: what was paid;
    a separate tilt cap: its two figures as well."""
    assert eligibility.cap_json(CapLeft(year=2031, error="no terms")) == {
        "year": 2031,
        "error": "no terms",
    }
    assert eligibility.cap_json(CapLeft(year=2025, paid=100)) == {"year": 2025, "paid": "1.00"}
    full = CapLeft(2025, None, 750000, 7000000, 6250000, "第八条", 0, 11000000)
    assert eligibility.cap_json(full) == {
        "year": 2025,
        "paid": "7500.00",
        "annual_cap": "70000.00",
        "left": "62500.00",
        "ref": "第八条",
        "tilt_paid": "0.00",
        "tilt_left": "110000.00",
    }


def test_shown_twins_keep_the_views_fields_in_order() -> None:
    assert [f.name for f in fields(checks.FindingShown)] == [f.name for f in fields(FindingView)]
    assert [f.name for f in fields(warning.EntryShown)] == [f.name for f in fields(EntryView)]
    v = FindingView(1, "r", "c", "a", "s", None, None, None, -5, {}, "open", "待处理", None, None)
    assert checks.shown(v).amount == "-0.05"
    e = EntryView(1, "nx", "P1", 2025, "l", "S1", "", 1234567, 99, {}, [], "ref", [], "new",
                  "新", None, dt.datetime(2025, 3, 1, 10, 0, 5, 123456))  # fmt: skip
    d = warning.shown(e).as_dict()
    assert (d["amount"], d["threshold"], d["created_at"]) == (
        "12345.67",
        "0.99",
        "2025-03-01 10:00:05",
    )
