"""What every funding step shares: income sources, checks of amount, document and county,
and posting one step (its journal entry and its ``fund_move`` row) in the open transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db import journal
from jiuzhu.adapters.db.funding_tables import FundMove
from jiuzhu.adapters.db.uow import audit
from jiuzhu.domain.errors import Conflict, InputError
from jiuzhu.domain.journal import Entry, Line
from jiuzhu.policy.accounts import Account, Chart, chart
from jiuzhu.policy.money import format_fen


@dataclass(frozen=True, slots=True)
class Source:
    key: str
    role: str
    label: str
    ref: str


SOURCES: dict[str, Source] = {
    s.key: s
    for s in (
        Source("upper", "income_upper", "上级补助", "双鸭山实施办法 第十五条 上级财政医疗救助资金"),
        Source("own", "income_own_finance", "本级财政", "双鸭山实施办法 第十五条 本级财政安排的医疗救助预算资金"),
        Source("lottery", "income_lottery", "彩票公益金", "双鸭山实施办法 第十五条 上年度彩票公益金"),
        Source("donation", "income_donation", "社会捐赠", "双鸭山实施办法 第十五条 社会各界自愿捐赠的资金"),
        Source("interest", "income_interest", "利息", "双鸭山实施办法 第十五条 利息收入; 宁医保发〔2023〕102号 第二十七条"),
        Source("other", "income_other", "其他", "双鸭山实施办法 第十五条 按规定可用于城乡医疗救助的其他资金"),
    )
}  # fmt: skip
"""收入来源 (source key → income account role)."""


@dataclass(frozen=True, slots=True)
class MoveView:
    """A funding step as stored (amount in fen)."""

    id: int
    region: str
    kind: str
    document: str
    county: str | None
    source: str | None
    amount: int
    day: dt.date
    entry_id: int | None
    memo: str
    actor: str


def move_view(m: FundMove) -> MoveView:
    return MoveView(m.id, m.region, m.kind, m.document, m.county, m.source, m.amount, m.day,
                    m.entry_id, m.memo, m.actor)  # fmt: skip


def positive(amount: int, field: str = "amount") -> int:
    if not isinstance(amount, int) or isinstance(amount, bool):
        raise InputError("amount must be integer fen", column=field)
    if amount <= 0:
        raise InputError(f"amount must be positive, got {format_fen(amount)}", column=field)
    return amount


def document_no(text: str, field: str = "document") -> str:
    doc = (text or "").strip()
    if not doc:
        raise InputError("the document number is required (文号)", column=field)
    if len(doc) > 60:
        raise InputError("the document number is longer than 60 characters", column=field)
    return doc


def county_code(c: Chart, county: str | None, *, required: bool) -> str | None:
    """A 6-digit division code that one of the region's agencies serves (if it lists them)."""
    if county is None or not county.strip():
        if required and c.agencies():
            raise InputError("county is required (市、县分账)", column="county")
        return None
    county = county.strip()
    if len(county) != 6 or not county.isdigit():
        raise InputError(f"county must be a 6-digit division code, got {county!r}", column="county")
    c.expenditure(county)  # refuses a county no agency serves
    return county


def agency_of(c: Chart, county: str | None) -> Account | None:
    """The agency (its 支出户 account) a county belongs to; a posting without a county is
    the city's (市级统收统支: the first agency listed)."""
    agencies = c.agencies()
    if not agencies:
        return None
    if county is None:
        return agencies[0]
    for a in agencies:
        if county in a.counties:
            return a
    return None


def agency_key(c: Chart, county: str | None) -> str:
    """The agency's own code (first division code), or the county itself when not split."""
    a = agency_of(c, county)
    if a is not None:
        return a.counties[0]
    return county or ""


def post_move(
    s: Session,
    *,
    region: str,
    kind: str,
    document: str,
    day: dt.date,
    memo: str,
    lines: tuple[Line, ...],
    amount: int,
    actor: str,
    county: str | None = None,
    source: str | None = None,
    request_id: int | None = None,
) -> FundMove:
    """The step's journal entry (a closed month refuses it) and its ``fund_move`` row."""
    q = select(FundMove.id).where(
        FundMove.region == region, FundMove.kind == kind, FundMove.document == document
    )
    if s.execute(q).first() is not None:
        raise Conflict(f"{kind} {document} 已登记 (already recorded)", field="document")
    entry = Entry(region, day, "manual", f"{kind}/{document}"[:80], memo, lines)
    entry_id = journal.post(s, entry, actor, strict_day=True)
    row = FundMove(
        region=region, kind=kind, document=document, county=county, source=source,
        amount=amount, day=day, entry_id=entry_id, request_id=request_id, memo=memo[:300],
        actor=actor,
    )  # fmt: skip
    s.add(row)
    s.flush()
    audit(s, actor, f"fund_{kind}", "fund_move", str(row.id), None,
          {"document": document, "amount": format_fen(amount), "county": county,
           "entry": entry_id})  # fmt: skip
    return row


__all__ = [
    "MoveView",
    "move_view",
    "SOURCES",
    "Source",
    "agency_key",
    "agency_of",
    "chart",
    "county_code",
    "post_move",
]
