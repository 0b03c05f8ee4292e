"""Who is covered, and how much is left: the hospital's eligibility query and a person's
own records.

- The hospital asks before admission, as with the national platform's 1101 (人员信息获取):
  the identity that applies on a day (就高不就低, the region's class order), its class, the
  span it is valid on (the union of its rows, calc-contract §10), whether 先诊疗后付费
  applies (双鸭山实施办法 第二十二条, 柳州任务清单 七（五）, 梅州规程 第十三条: region data)
  and the cap left this year (calc-contract §5 totals). Every query is an access to
  personal data and is audited (宁医保发〔2023〕102号 第九条 全程痕迹管理).
- A person may query their own enrolment and benefit records (梅州规程 第九条 查询服务)
  by 人员编号 together with the ID number; a mismatch says nothing about which was wrong.

Both answer typed views (amounts in fen, dates as dates); ``jiuzhu.wire.eligibility`` gives
them the API's JSON form.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.repositories import identity_spans
from jiuzhu.adapters.db.tables import Person, PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import audit
from jiuzhu.domain.errors import InputError, JiuzhuError, NotFound
from jiuzhu.domain.identity import IdentitySpan, union_of
from jiuzhu.domain.pii import certno_problem, normalise_certno
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services.enrolment import EnrolmentFact, enrolment_of
from jiuzhu.services.registry import PersonView, find_person, highest_code, person_view

NOT_FOUND = "no person with this 人员编号 and ID number"


@dataclass(frozen=True)
class IdentityInterval:
    """An identity on one interval of the union of its rows (calc-contract §10)."""

    code: str
    begndate: dt.date
    enddate: dt.date | None

    @property
    def name(self) -> str:
        return IDENTITY_CODES.get(self.code, self.code)


@dataclass(frozen=True)
class DepositFree:
    """先诊疗后付费: whether it applies to the identity, its conditions and reference;
    ``applies`` None where the region's rules do not provide for it."""

    applies: bool | None
    conditions: tuple[str, ...]
    ref: str


@dataclass(frozen=True)
class CapLeft:
    """The class's annual cap this year and what is left of it (and of a separate tilt
    cap); fen. ``error`` instead when the year's terms cannot be resolved."""

    year: int
    error: str | None = None
    paid: int = 0
    annual_cap: int | None = None
    left: int | None = None
    ref: str | None = None
    tilt_paid: int | None = None
    tilt_left: int | None = None


@dataclass(frozen=True)
class Eligibility:
    """The hospital's answer: the identity that applies on ``on`` and its class, the span it
    is valid on, 先诊疗后付费 and the cap left (person masked)."""

    person: PersonView
    on: dt.date
    identity: str | None
    class_id: str | None
    class_name: str | None
    covered: bool
    valid_span: tuple[dt.date, dt.date | None] | None
    identities: tuple[IdentityInterval, ...]
    deposit_free: DepositFree
    cap: CapLeft

    @property
    def identity_name(self) -> str | None:
        return IDENTITY_CODES.get(self.identity, self.identity) if self.identity else None


@dataclass(frozen=True)
class OwnSettlement:
    setl_id: str
    setl_time: dt.datetime
    year: int
    med_type: str
    identity: str | None
    class_id: str | None
    maf_pay: int
    tilt_pay: int
    status: str
    source: str


@dataclass(frozen=True)
class OwnYearTotals:
    """calc-contract §5's year totals S, P, R, TP in fen."""

    year: int
    s: int
    p: int
    r: int
    tp: int


@dataclass(frozen=True)
class OwnRecords:
    """梅州规程 第九条: a person's own records (masked)."""

    person: PersonView
    identities: tuple[IdentityInterval, ...]
    enrolment: tuple[EnrolmentFact, ...]
    settlements: tuple[OwnSettlement, ...]
    totals: tuple[OwnYearTotals, ...]
    ref: str = "梅州规程 第九条（查询核对医疗保险参保和享受医疗救助待遇记录）"


def _person(s: Session, psn_no: str | None, certno: str | None) -> Person:
    if certno is not None:
        problem = certno_problem(certno)
        if problem:
            raise InputError(problem, column="certno")
    if not psn_no and not certno:
        raise InputError("give psn_no or certno", column="psn_no")
    p = find_person(s, psn_no=psn_no) if psn_no else find_person(s, certno=certno)
    if p is None or (psn_no and certno and not _same_certno(p, certno)):
        raise NotFound("no such person", field="psn_no")
    return p


def _same_certno(p: Person, certno: str) -> bool:
    return p.certno_hash == get_cipher().lookup_hash(normalise_certno(certno))


def _intervals(spans: list[IdentitySpan]) -> tuple[IdentityInterval, ...]:
    """Each identity on the union of its rows (calc-contract §10)."""
    return tuple(
        IdentityInterval(code, b, e)
        for code in sorted({sp.code for sp in spans})
        for b, e in union_of((sp.begndate, sp.enddate) for sp in spans if sp.code == code)
    )


def _cap_left(
    s: Session, policy: RegionPolicy, psn_no: str, day: dt.date, code: str | None
) -> CapLeft:
    """The annual cap of the class and what is left of it (and of the tilt cap)."""
    try:
        terms = policy.terms_on(day)
    except JiuzhuError as exc:
        return CapLeft(year=day.year, error=str(exc))
    cls = terms.class_of_identity.get(code or "")
    t = s.get(PersonYearTotals, (psn_no, day.year))
    paid, tp = (t.p, t.tp) if t else (0, 0)
    tilt_paid = tilt_left = None
    tt = terms.tilt
    if tt is not None and tt.cap_kind == "separate" and tt.annual_cap is not None:
        tilt_paid, tilt_left = tp, max(0, tt.annual_cap - tp)
    return CapLeft(
        year=day.year,
        paid=paid,
        annual_cap=cls.annual_cap if cls else None,
        left=max(0, cls.annual_cap - paid) if cls else None,
        ref=cls.annual_cap_ref.text() if cls else None,
        tilt_paid=tilt_paid,
        tilt_left=tilt_left,
    )


def eligibility(
    s: Session,
    policy: RegionPolicy,
    *,
    actor: str,
    day: dt.date,
    psn_no: str | None = None,
    certno: str | None = None,
) -> Eligibility:
    """The hospital's query (see the module docstring); audited in the caller's
    transaction."""
    p = _person(s, psn_no, certno)
    spans = identity_spans(s, p.psn_no)
    valid = [sp for sp in spans if sp.valid_on(day)]
    code = highest_code([sp.code for sp in valid], policy)
    terms_class = None
    span: tuple[dt.date, dt.date | None] | None = None
    if code is not None:
        for b, e in union_of((sp.begndate, sp.enddate) for sp in spans if sp.code == code):
            if b <= day and (e is None or day <= e):
                span = (b, e)
        for c in policy.spec.classes:
            if code in c.identities:
                terms_class = c
    df = policy.spec.deposit_free
    deposit = (
        DepositFree(code is not None and code in df.identities, tuple(df.conditions), df.ref)
        if df is not None
        else DepositFree(None, (), "本地区规程未规定先诊疗后付费")
    )
    out = Eligibility(
        person=person_view(p),
        on=day,
        identity=code,
        class_id=terms_class.id if terms_class else None,
        class_name=terms_class.name if terms_class else None,
        covered=terms_class is not None,
        valid_span=span,
        identities=_intervals(spans),
        deposit_free=deposit,
        cap=_cap_left(s, policy, p.psn_no, day, code),
    )
    audit(
        s,
        actor,
        "look",
        "person",
        p.psn_no,
        None,
        {"query": "eligibility", "on": day.isoformat(), "by": "certno" if certno else "psn_no"},
    )
    return out


def own_records(s: Session, policy: RegionPolicy, psn_no: str, certno: str) -> OwnRecords:
    """梅州规程 第九条: a person's own enrolment and benefit records, masked; audited."""
    if not psn_no.strip() or not certno.strip():
        raise InputError("give psn_no and the ID number", column="psn_no")
    p = find_person(s, psn_no=psn_no)
    if p is None or certno_problem(certno) or not _same_certno(p, certno):
        raise NotFound(NOT_FOUND, field="psn_no")
    rows = s.scalars(
        select(Settlement)
        .where(Settlement.psn_no == p.psn_no)
        .order_by(Settlement.setl_time, Settlement.setl_id)
    )
    settlements = tuple(
        OwnSettlement(
            setl_id=r.setl_id,
            setl_time=r.setl_time,
            year=r.year,
            med_type=r.med_type,
            identity=r.identity or None,
            class_id=r.class_id,
            maf_pay=r.maf_pay,
            tilt_pay=r.tilt_pay,
            status=r.status,
            source=r.source,
        )
        for r in rows
    )
    totals = tuple(
        OwnYearTotals(year=t.year, s=t.s, p=t.p, r=t.r, tp=t.tp)
        for t in s.scalars(
            select(PersonYearTotals)
            .where(PersonYearTotals.psn_no == p.psn_no)
            .order_by(PersonYearTotals.year)
        )
    )
    out = OwnRecords(
        person=person_view(p),
        identities=_intervals(identity_spans(s, p.psn_no)),
        enrolment=tuple(enrolment_of(s, p.psn_no)),
        settlements=settlements,
        totals=totals,
    )
    audit(s, f"person:{p.psn_no}", "look", "person", p.psn_no, None, {"query": "own_records"})
    return out


__all__ = [
    "CapLeft",
    "DepositFree",
    "Eligibility",
    "IdentityInterval",
    "OwnRecords",
    "OwnSettlement",
    "OwnYearTotals",
    "eligibility",
    "own_records",
]
