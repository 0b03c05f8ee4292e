"""资助参保 postings: the year's exemption ledger, per county, as the fund's spending.

梅州规程 第六条 (and 双鸭山实施办法 第六条): the subsidy of the personal premium is paid from the
medical-assistance fund into the resident insurance fund. Each run posts, per county, the
ledger's subsidy for the year less what earlier runs of that year posted — so mid-year
additions (梅州规程 第七条（二）) post only the difference, and a second run of the same
ledger posts nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import Conflict, InputError
from jiuzhu.domain.events import Subsidised
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services import enrolment, messagebus


@dataclass(frozen=True, slots=True)
class SubsidyPosting:
    county: str | None
    persons: int
    ledger: int
    posted_before: int
    posted_now: int


def post_subsidies(
    uow: UnitOfWork,
    policy: RegionPolicy,
    year: int,
    *,
    document: str,
    actor: str,
    day: dt.date,
) -> list[SubsidyPosting]:
    """Post the year's subsidies (per county) not posted yet; one transaction."""
    document = document.strip()
    if not document or "/" in document:
        raise InputError("the funding document number is required (no '/')", column="document")
    out: list[SubsidyPosting] = []
    with uow.begin() as s:
        ledger = enrolment.build_register(s, policy, year)
        lines = [ln for ln in ledger.lines if ln.subsidised_year == year and ln.subsidy > 0]
        counties = dict(
            s.execute(
                select(Person.psn_no, Person.county).where(
                    Person.psn_no.in_([ln.psn_no for ln in lines])
                )
            ).all()
        )
        per: dict[str | None, list[int]] = {}
        for ln in lines:
            acc = per.setdefault(counties.get(ln.psn_no), [0, 0])
            acc[0] += 1
            acc[1] += ln.subsidy
        code = chart(policy.region).code("expense_subsidy")
        posted_q = (
            select(JournalLine.county, func.sum(JournalLine.debit - JournalLine.credit))
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(
                JournalEntry.kind == "subsidy",
                JournalEntry.region == policy.region,
                JournalEntry.source_id.like(f"{year}/%"),
                JournalLine.account == code,
            )
            .group_by(JournalLine.county)
        )
        posted = {c: int(v or 0) for c, v in s.execute(posted_q)}
        used = select(JournalEntry.id).where(
            JournalEntry.kind == "subsidy", JournalEntry.source_id.like(f"{year}/{document}/%")
        )
        if s.execute(used.limit(1)).first() is not None and any(
            per.get(c, [0, 0])[1] != posted.get(c, 0) for c in set(per) | set(posted)
        ):
            raise Conflict(f"document {document} was already posted for {year}", field="document")
        for county in sorted(set(per) | set(posted), key=lambda c: c or ""):
            persons, amount = per.get(county, [0, 0])
            before = posted.get(county, 0)
            delta = amount - before
            if delta:
                messagebus.publish(
                    s, Subsidised(document, policy.region, year, county, persons, delta, day)
                )
            out.append(SubsidyPosting(county, persons, amount, before, delta))
        audit(
            s,
            actor,
            "post_subsidies",
            "fund",
            f"{year}/{document}",
            None,
            {"year": year, "posted": format_fen(sum(p.posted_now for p in out))},
        )
    return out
