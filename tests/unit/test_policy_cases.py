"""Runs every policy case in ``tests/policy_cases/<region>/*.yaml`` (openfisca style).

A case file holds ``cases:``; each case gives the identities, the claims in input
order, optional operator ``params`` (the numbers that live in documents outside
shared/regulations) and the expected ``identity`` / ``maf_pay`` / ``tilt_pay`` of every
claim, worked out by hand in the comment above it. The runner checks those figures
through ``jiuzhu.services.batch.reference.run_claims`` and again through ``run_batch`` (the path
of ``jiuzhu calc``), and the optional person-year ``totals`` after the run.

``expect_error: TEXT``: the run must stop with a policy error containing TEXT.

``evaluate_under: DAY`` runs the claims through the engine directly under the terms
in force on DAY (used where a case needs dates before a region's 规程 took effect).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from calc_helpers import claim, fen, identities

from jiuzhu.domain.engine import Totals, assess
from jiuzhu.domain.errors import PolicyError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services.batch.reference import run_batch, run_claims
from jiuzhu.services.batch.results import RESULT_COLUMNS

CASES_DIR = Path(__file__).resolve().parents[1] / "policy_cases"


def _load() -> list[Any]:
    out = []
    for path in sorted(CASES_DIR.glob("*/*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        region = doc.get("region", path.parent.name)
        for i, case in enumerate(doc["cases"]):
            params = {**(doc.get("params") or {}), **(case.get("params") or {})}
            case_id = f"{path.parent.name}/{path.stem}:{case.get('name', i)}"
            out.append(pytest.param(region, params, case, id=case_id))
    return out


ALL_CASES = _load()


def test_cases_were_found() -> None:
    regions = {p.values[0] for p in ALL_CASES}
    assert regions == {"ningxia", "shuangyashan", "xinjiang", "meizhou", "liuzhou"}
    assert len(ALL_CASES) >= 40


def _param_text(v: Any) -> str:
    if isinstance(v, float):
        raise TypeError(f"parameter {v!r} is a binary float: quote it")
    return str(v)


@pytest.mark.parametrize(("region", "params", "case"), ALL_CASES)
def test_policy_case(region: str, params: dict[str, Any], case: dict[str, Any]) -> None:
    assert str(case.get("description", "")).strip(), "every case cites its article"
    policy = RegionPolicy.load(region, None, {k: _param_text(v) for k, v in params.items()})
    policy.require_parameters()
    claims = [claim(c) for c in case["claims"]]
    spans = identities(case.get("identities") or [])
    if "expect_error" in case:
        # the run stops with the message (e.g. a 规程 past its period of validity)
        with pytest.raises(PolicyError) as err:
            run_claims(claims, spans, policy)
        assert str(case["expect_error"]) in str(err.value)
        return
    expected = case["expected"]
    assert [str(e["setl_id"]) for e in expected] == [c.setl_id for c in claims], (
        "expected results are listed in input order, one per claim"
    )

    if "evaluate_under" in case:
        terms = policy.terms_on(dt.date.fromisoformat(str(case["evaluate_under"])))
        running: dict[tuple[str, int], Totals] = {}
        got = []
        for c in sorted(claims, key=lambda c: (c.setl_time, c.setl_id)):
            key = (c.psn_no, c.year)
            a = assess(c, spans.get(c.psn_no, []), running.get(key, Totals()), terms)
            running[key] = a.after
            got.append(a)
        by_id = {a.setl_id: a for a in got}
        results = [by_id[c.setl_id] for c in claims]
        totals = running
    else:
        run = run_claims(claims, spans, policy)
        results, totals = run.assessments, run.totals
        # the batch path of `jiuzhu calc` gives the same figures, in the same order
        batch = run_batch(claims, spans, policy)
        cols = {name: i for i, name in enumerate(RESULT_COLUMNS)}
        for a, line in zip(results, batch.lines, strict=True):
            cells = line.rstrip("\n").split(",")
            assert cells[cols["setl_id"]] == a.setl_id
            assert cells[cols["maf_pay"]] == format_fen(a.maf_pay)
            assert cells[cols["tilt_pay"]] == format_fen(a.tilt_pay)
            assert cells[cols["identity"]] == a.identity
        assert batch.totals == totals

    for a, e in zip(results, expected, strict=True):
        where = f"settlement {a.setl_id}"
        assert a.identity == (e.get("identity") or ""), where
        assert format_fen(a.maf_pay) == format_fen(fen(e["maf_pay"])), where
        assert format_fen(a.tilt_pay) == format_fen(fen(e["tilt_pay"])), where
        if "reason" in e:
            assert a.reason == e["reason"], where
        if "class" in e:
            assert a.class_id == (str(e["class"]) if e["class"] is not None else None), where

    for t in case.get("totals") or []:
        key = (str(t["psn_no"]), int(t["year"]))
        assert key in totals, f"no totals for {key}"
        got_t = totals[key]
        for name in ("S", "P", "R", "TP"):
            if name in t:
                assert format_fen(getattr(got_t, name)) == format_fen(fen(t[name])), (key, name)
