"""The region's policy as a table for the staff pages: classes and their numbers, rules,
parameters, each with its article (the same reading as ``jiuzhu policy show``)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from jiuzhu.domain.errors import MissingParameter
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.schema import (
    IDENTITY_CODES,
    IDENTITY_RULE_ZH,
    VISIT_TYPE_ZH,
    DatedSeries,
    ParamRef,
)
from jiuzhu.services.reimbursement.rules import LEVEL_ZH


def _is_ratio(text: str) -> bool:
    try:
        return Decimal("0") <= Decimal(text) <= Decimal("1")
    except InvalidOperation:
        return False


def value_text(
    series: DatedSeries | None, day: dt.date, policy: RegionPolicy, money: bool
) -> dict[str, str]:
    """{"text", "ref", "missing"} of a series on ``day`` (parameters resolved)."""
    e = series.at(day) if series is not None else None
    if e is None:
        return {"text": "—", "ref": "", "missing": ""}
    vals = e.value if isinstance(e.value, dict) else {"": e.value}
    parts, missing = [], ""
    for vt, v in vals.items():
        label = f"{VISIT_TYPE_ZH.get(vt, vt)} " if vt else ""
        if isinstance(v, ParamRef):
            try:
                raw, _ = policy.param_value(v.param, day)
                shown = f"{raw}×{v.times}" if v.times is not None else raw
            except MissingParameter:
                shown, missing = "未设置", v.param
            parts.append(f"{label}参数 {v.param} = {shown}")
        else:
            text = str(v)
            if money and text.isdigit():
                text = f"{int(text):,}.00"
            elif not money and _is_ratio(text):
                text = f"{(Decimal(text) * 100).normalize():f}%"
            parts.append(f"{label}{text}")
    return {"text": "；".join(parts), "ref": e.ref, "missing": missing}


def policy_table(policy: RegionPolicy, day: dt.date) -> dict[str, Any]:
    spec = policy.spec
    classes = [
        {
            "id": c.id,
            "name": c.name,
            "identities": [f"{IDENTITY_CODES[i]}（{i}）" for i in c.identities],
            "deductible": value_text(c.deductible, day, policy, True),
            "ratio": value_text(c.ratio, day, policy, False),
            "cap": value_text(c.annual_cap, day, policy, True),
            "tilt": bool(c.tilt or (spec.tilt and spec.tilt.eligible != "listed_classes")),
        }
        for c in spec.classes
    ]
    rules = [
        {
            "name": "身份认定",
            "text": IDENTITY_RULE_ZH.get(spec.identity_rule.value, spec.identity_rule.value),
            "ref": spec.identity_rule.ref,
        },
        {"name": "计入年度", "text": "出院（enddate）所在年度", "ref": spec.year_rule.ref},
        {
            "name": "救助范围",
            "text": "全部"
            if spec.covered_visit_types.value == "all"
            else "、".join(VISIT_TYPE_ZH[v] for v in spec.covered_visit_types.value),
            "ref": spec.covered_visit_types.ref,
        },
    ]
    if spec.tilt:
        for name, series, money in (
            ("倾斜救助门槛（元）", spec.tilt.threshold, True),
            ("倾斜救助比例", spec.tilt.ratio, False),
            ("倾斜救助年度限额（元）", spec.tilt.annual_cap, True),
        ):
            if series is not None:
                v = value_text(series, day, policy, money)
                rules.append({"name": name, "text": v["text"], "ref": v["ref"]})
    if spec.review_flow:
        rules.append(
            {
                "name": "零星报销审核",
                "text": " → ".join(LEVEL_ZH.get(x, x) for x in spec.review_flow.levels)
                + (
                    f"，{spec.review_flow.deadline_working_days} 个工作日"
                    if spec.review_flow.deadline_working_days
                    else ""
                ),
                "ref": spec.review_flow.ref,
            }
        )
    missing = set(policy.missing_parameters())
    params = []
    for name, decl in spec.parameters.items():
        series = policy._params.get(name)
        cur = series.at(day) if series else None
        params.append(
            {
                "name": name,
                "description": decl.description,
                "unit": decl.unit,
                "source": decl.source,
                "choices": decl.choices or [],
                "value": str(cur.value) if cur else None,
                "ref": cur.ref if cur else None,
                "entries": [
                    {"from": e.from_, "value": str(e.value), "ref": e.ref}
                    for e in (series.entries if series else [])
                ],
                "missing": name in missing,
            }
        )
    return {
        "name": spec.name,
        "document": f"{spec.document.title} {spec.document.number}",
        "outside": [f"{d.number} {d.title}" for d in spec.outside_documents],
        "classes": classes,
        "rules": rules,
        "params": params,
    }
