"""The insurer schedule's rules as data (``policy/accounts/insurer.yaml``) and its date
arithmetic: working days (``chinesecalendar``) and calendar months.

"N 个工作日内": the N-th working day after the day of arrival (that day not counted, 《民法典》
第二百零一条). "1个月内": the same day of the next month, or its last day when it has none
(《民法典》第二百零二条). "每年9月份" / "8月底前": the last day of that month.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import Ratio
from jiuzhu.services.reimbursement.deadline import add_working_days

__all__ = ["InsurerRules", "add_months", "add_working_days", "month_end", "rules"]


@dataclass(frozen=True, slots=True)
class Advance:
    month: int
    share: Ratio
    ref: str


@dataclass(frozen=True)
class InsurerRules:
    region: str
    source: str
    insurer: str
    insurer_name: str
    request_month: int
    advance_share: Ratio
    pass_on_working_days: int
    addition_working_days: int
    subsidy_clearing_by: tuple[int, int]
    subsidy_difference_months: int
    premium_advances: tuple[Advance, ...]
    premium_clearing_by: tuple[int, int]
    premium_difference_months: int
    refs: dict[str, str]


def month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def add_months(day: dt.date, months: int) -> dt.date:
    """The corresponding day ``months`` later, or that month's last day (民法典 第二百零二条)."""
    m = day.month - 1 + months
    y, m = day.year + m // 12, m % 12 + 1
    return dt.date(y, m, min(day.day, calendar.monthrange(y, m)[1]))


def _md(text: str) -> tuple[int, int]:
    m, d = str(text).split("-")
    return int(m), int(d)


@cache
def rules(region: str) -> InsurerRules:
    """The region's insurer model; a region that has none is refused."""
    text = resources.files("jiuzhu.policy").joinpath("accounts/insurer.yaml").read_text("utf-8")
    data: dict[str, Any] = (yaml.safe_load(text).get("regions") or {}).get(region) or {}
    if not data:
        raise InputError(
            f"region {region} has no insurer-run model (承办商业保险机构)", column="region"
        )
    sub, pre = data["subsidy"], data["premium"]
    refs = {
        "request": sub["request_month"]["ref"],
        "advance_share": sub["advance_share"]["ref"],
        "pass_on": sub["pass_on_working_days"]["ref"],
        "addition": sub["addition_working_days"]["ref"],
        "subsidy_clearing": sub["clearing_by"]["ref"],
        "subsidy_difference": sub["difference_months"]["ref"],
        "premium_budget": pre["budget_ref"],
        "premium_clearing": pre["clearing_by"]["ref"],
        "premium_difference": pre["difference_months"]["ref"],
        "revolving": data["revolving"]["ref"],
    }
    return InsurerRules(
        region=region,
        source=str(data["source"]),
        insurer=str(data["insurer"]["code"]),
        insurer_name=str(data["insurer"]["name"]),
        request_month=int(sub["request_month"]["value"]),
        advance_share=Ratio(str(sub["advance_share"]["value"])),
        pass_on_working_days=int(sub["pass_on_working_days"]["value"]),
        addition_working_days=int(sub["addition_working_days"]["value"]),
        subsidy_clearing_by=_md(sub["clearing_by"]["value"]),
        subsidy_difference_months=int(sub["difference_months"]["value"]),
        premium_advances=tuple(
            Advance(int(a["month"]), Ratio(str(a["share"])), str(a["ref"])) for a in pre["advances"]
        ),
        premium_clearing_by=_md(pre["clearing_by"]["value"]),
        premium_difference_months=int(pre["difference_months"]["value"]),
        refs=refs,
    )
