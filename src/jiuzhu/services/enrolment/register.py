"""资助参保台账 (免缴台账): the subsidy register of a year, one line per beneficiary.

The rules are in the package docstring (``services/enrolment/__init__.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.enrolment_tables import PersonEnrolment
from jiuzhu.adapters.db.tables import Person, PersonIdentity
from jiuzhu.domain.errors import PolicyError
from jiuzhu.domain.pii import mask_certno, mask_name
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen, to_decimal, yuan_to_fen_half_up
from jiuzhu.policy.schema import ParamRef, PremiumSubsidy
from jiuzhu.services.enrolment.cases import CASES, REPORT_DAY
from jiuzhu.services.registry import class_rank, highest_code


@dataclass
class SubsidyRegisterLine:
    """One beneficiary in the subsidy register (masked)."""

    psn_no: str
    certno: str
    name: str
    identities: list[str]
    highest: str
    class_id: str | None
    class_name: str | None
    subsidy_identity: str
    kind: str
    share: Decimal
    premium: int
    subsidy: int
    personal: int
    recognised_on: dt.date
    left_on: dt.date | None
    status: str | None
    case: str
    case_text: str
    case_ref: str
    subsidised_year: int | None
    refund: int = 0
    notes: list[str] = field(default_factory=list)
    share_ref: str = ""
    cash: int = 0
    """paid to the person instead of a subsidised enrolment (新疆规程 第十一条)"""

    def as_dict(self) -> dict[str, Any]:
        return {
            "psn_no": self.psn_no,
            "certno": self.certno,
            "name": self.name,
            "identities": self.identities,
            "highest": self.highest,
            "class_id": self.class_id,
            "class_name": self.class_name,
            "subsidy_identity": self.subsidy_identity,
            "kind": self.kind,
            "share": str(self.share),
            "share_ref": self.share_ref,
            "premium": format_fen(self.premium),
            "subsidy": format_fen(self.subsidy),
            "personal": format_fen(self.personal),
            "recognised_on": self.recognised_on.isoformat(),
            "left_on": self.left_on.isoformat() if self.left_on else None,
            "status": self.status,
            "case": self.case,
            "case_text": self.case_text,
            "case_ref": self.case_ref,
            "subsidised_year": self.subsidised_year,
            "refund": format_fen(self.refund),
            "cash": format_fen(self.cash),
            "notes": self.notes,
        }


@dataclass
class MidYearEntry:
    """梅州规程 第七条（二）: a beneficiary recognised after the year began."""

    month: str
    deadline: dt.date
    line: SubsidyRegisterLine


@dataclass
class SubsidyRegister:
    region: str
    year: int
    premium: int
    premium_ref: str
    lines: list[SubsidyRegisterLine]
    mid_year: list[MidYearEntry]

    def totals(self) -> dict[str, Any]:
        return {
            "persons": len(self.lines),
            "premium": format_fen(sum(ln.premium for ln in self.lines)),
            "subsidy": format_fen(sum(ln.subsidy for ln in self.lines)),
            "personal": format_fen(sum(ln.personal for ln in self.lines)),
            "refund": format_fen(sum(ln.refund for ln in self.lines)),
            "by_case": {c: sum(1 for ln in self.lines if ln.case == c) for c in CASES},
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "year": self.year,
            "premium": format_fen(self.premium),
            "premium_ref": self.premium_ref,
            "totals": self.totals(),
            "lines": [ln.as_dict() for ln in self.lines],
            "mid_year": [
                {"month": m.month, "deadline": m.deadline.isoformat(), "psn_no": m.line.psn_no}
                for m in self.mid_year
            ],
        }


def _resolve_share(
    policy: RegionPolicy, s: PremiumSubsidy, day: dt.date
) -> tuple[Decimal, str] | None:
    e = s.share.at(day)
    if e is None:
        return None  # no subsidy in force that year
    v = e.value
    if isinstance(v, dict):
        raise PolicyError(f"region {policy.region}: premium_subsidy share must be one ratio")
    if isinstance(v, ParamRef):
        raw, _ = policy.param_value(v.param, day)
        d = to_decimal(raw) * (v.times if v.times is not None else Decimal(1))
        return d, f"{e.ref}（参数 {v.param}）"
    return to_decimal(v), e.ref


def premium_of(policy: RegionPolicy, year: int) -> tuple[int, str]:
    """The personal premium of the year in fen (operator parameter ``personal_premium``)."""
    if "personal_premium" not in policy.spec.parameters:
        raise PolicyError(
            f"region {policy.region} declares no parameter 'personal_premium'", field="region"
        )
    raw, ref = policy.param_value("personal_premium", dt.date(year, 1, 1))
    return yuan_to_fen_half_up(to_decimal(raw)), ref


def half_up_fen(premium: int, share: Decimal) -> int:
    return yuan_to_fen_half_up(Decimal(premium) * share / 100)


def _month_and_deadline(day: dt.date) -> tuple[str, dt.date]:
    """The month whose list carries a person recognised on ``day``, and its deadline:
    that month's 25th, or the next month's if recognised after the 25th."""
    if day.day <= REPORT_DAY:
        return f"{day:%Y-%m}", day.replace(day=REPORT_DAY)
    nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=REPORT_DAY)
    return f"{nxt:%Y-%m}", nxt


@dataclass
class RegisterRules:
    """What every line of a year's register is worked out from (the policy's shares, the
    premium, the classes); :func:`register_line` applies them to one person."""

    policy: RegionPolicy
    year: int
    premium: int
    premium_ref: str
    entries: dict[str, list[PremiumSubsidy]]
    ranks: dict[str, Any]
    elsewhere_rule: str
    shares: dict[int, tuple[Decimal, str] | None] = field(default_factory=dict)

    @property
    def first(self) -> dt.date:
        return dt.date(self.year, 1, 1)

    @property
    def last(self) -> dt.date:
        return dt.date(self.year, 12, 31)

    def share_of(self, s: PremiumSubsidy) -> tuple[Decimal, str] | None:
        k = id(s)
        if k not in self.shares:
            self.shares[k] = _resolve_share(self.policy, s, self.first)
        return self.shares[k]

    def best_shares(self) -> dict[str, Decimal | PolicyError]:
        """Each identity code's highest share in force in the year (codes with none left
        out), or the error resolving it gives (a parameter not set: raised only when a
        person holds the code, as :func:`register_line` does)."""
        out: dict[str, Decimal | PolicyError] = {}
        for code, entries in self.entries.items():
            for x in entries:
                try:
                    r = self.share_of(x)
                except PolicyError as exc:
                    out[code] = exc
                    break
                best = out.get(code)
                if r is not None and (best is None or r[0] > best):  # type: ignore[operator]
                    out[code] = r[0]
        return out


def register_rules(policy: RegionPolicy, year: int) -> RegisterRules:
    premium, premium_ref = premium_of(policy, year)
    entries: dict[str, list[PremiumSubsidy]] = {}
    for s in policy.spec.premium_subsidy:
        for code in s.identities:
            entries.setdefault(code, []).append(s)
    ie = policy.spec.insured_elsewhere
    return RegisterRules(
        policy, year, premium, premium_ref, entries, class_rank(policy),
        ie.rule if ie else "subsidise_next_year",
    )  # fmt: skip


Span = tuple[str, dt.date, dt.date | None]


def register_spans(
    session: Session, rules: RegisterRules, psn_nos: Sequence[str] | None = None
) -> dict[str, list[Span]]:
    """The identity spans of the year that a subsidy entry names, by person (all persons,
    or those of ``psn_nos``), each person's in date order."""
    q = select(
        PersonIdentity.psn_no, PersonIdentity.code, PersonIdentity.begndate, PersonIdentity.enddate
    ).where(
        PersonIdentity.code.in_(sorted(rules.entries)),
        PersonIdentity.begndate <= rules.last,
        (PersonIdentity.enddate.is_(None)) | (PersonIdentity.enddate >= rules.first),
    )
    if psn_nos is not None:
        q = q.where(PersonIdentity.psn_no.in_(list(psn_nos)))
    spans: dict[str, list[Span]] = {}
    for psn, code, b, e in session.execute(
        q.order_by(PersonIdentity.psn_no, PersonIdentity.begndate)
    ):
        spans.setdefault(psn, []).append((code, b, e))
    return spans


def register_statuses(
    session: Session, year: int, psn_nos: Sequence[str] | None = None
) -> dict[tuple[str, int], PersonEnrolment]:
    q = select(PersonEnrolment).where(PersonEnrolment.year.in_((year - 1, year)))
    if psn_nos is not None:
        q = q.where(PersonEnrolment.psn_no.in_(list(psn_nos)))
    return {(e.psn_no, e.year): e for e in session.scalars(q)}


def register_people(session: Session, psn_nos: Sequence[str]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    names = list(psn_nos)
    for i in range(0, len(names), 900):
        for p in session.scalars(select(Person).where(Person.psn_no.in_(names[i : i + 900]))):
            people[p.psn_no] = p
    return people


def build_register(session: Session, policy: RegionPolicy, year: int) -> SubsidyRegister:
    """The 免缴台账 of ``year`` (see the module docstring for the rules)."""
    rules = register_rules(policy, year)
    spans = register_spans(session, rules)
    statuses = register_statuses(session, year)
    people = register_people(session, list(spans))
    cipher = get_cipher()
    lines: list[SubsidyRegisterLine] = []
    mid: list[MidYearEntry] = []
    for psn in sorted(spans):
        ln = register_line(rules, psn, spans[psn], statuses, people.get(psn), cipher)
        if ln is None:
            continue
        lines.append(ln)
        if ln.recognised_on > rules.first:
            month, deadline = _month_and_deadline(ln.recognised_on)
            mid.append(MidYearEntry(month, deadline, ln))
    mid.sort(key=lambda m: (m.month, m.line.recognised_on, m.line.psn_no))
    return SubsidyRegister(policy.region, year, rules.premium, rules.premium_ref, lines, mid)


def register_line(
    rules: RegisterRules,
    psn: str,
    sp: list[Span],
    statuses: dict[tuple[str, int], PersonEnrolment],
    person: Person | None,
    cipher: Any,
) -> SubsidyRegisterLine | None:
    """One person's register line (None: no subsidy in force that year for their identities)."""
    policy, year, premium = rules.policy, rules.year, rules.premium
    last, ranks, elsewhere_rule = rules.last, rules.ranks, rules.elsewhere_rule
    codes = list(dict.fromkeys(c for c, _, _ in sp))
    best: tuple[Decimal, str, PremiumSubsidy, str] | None = None
    for code in codes:
        for s in rules.entries[code]:
            r = rules.share_of(s)
            if r is not None and (best is None or r[0] > best[0]):
                best = (r[0], r[1], s, code)
    if best is None:
        return None  # subsidy not in force in that year for any of the identities
    share, share_ref, entry, sub_code = best
    recognised = min(b for _, b, _ in sp)
    ends = [e for _, _, e in sp]
    left = None if any(e is None or e >= last for e in ends) else max(e for e in ends if e)
    top = highest_code(codes, policy) or sub_code
    cert = cipher.decrypt(person.certno_enc) if person and person.certno_enc else ""
    name = cipher.decrypt(person.name_enc) if person and person.name_enc else ""
    subsidy = half_up_fen(premium, share)
    rec = statuses.get((psn, year))
    status = rec.status if rec else None
    notes: list[str] = []
    refund = 0
    cash = 0
    subsidised_year: int | None = year
    if status == "employee":
        case = "employee"
        subsidy, subsidised_year = 0, None
    elif status in ("elsewhere", "elsewhere_return") and elsewhere_rule == "return_or_cash":
        # 新疆规程 第十一条
        if status == "elsewhere_return":
            case = "elsewhere_return"
            notes.append("原参保地退费成功后办理参保；待遇享受期开始后原则上不予退费")
        else:
            case = "elsewhere_cash"
            own = rec.self_paid_fen if rec else None
            if own is None:
                notes.append("个人在外地的缴费额未登记：支付前核实，不得超过该额")
            else:
                subsidy = min(subsidy, own)
            cash = subsidy
    elif status in ("elsewhere", "elsewhere_return"):
        case = "elsewhere"
        subsidy, subsidised_year = 0, year + 1
    elif status == "self_paid":
        paid_on = rec.self_paid_on if rec else None
        if paid_on is not None and paid_on < recognised:
            case = "self_paid_before"
            subsidy, subsidised_year = 0, year + 1
        else:
            case = "self_paid_after"
            paid = rec.self_paid_fen if rec and rec.self_paid_fen is not None else premium
            refund = min(paid, subsidy)
    elif status == "local":
        case = "local"
    else:
        case = "enrol_now"
        if status is None:
            notes.append("无参保记录，按未参保办理")
    prev = statuses.get((psn, year - 1))
    if prev is not None and prev.status == "elsewhere":
        notes.append(f"{year - 1}年度已参加本市以外居民医保，按第六条（二）资助本年度")
    elif (
        prev is not None
        and prev.status == "self_paid"
        and prev.self_paid_on is not None
        and prev.self_paid_on < recognised
    ):
        notes.append(f"{year - 1}年度认定前已自行参保，按第六条（三）资助本年度")
    if left is not None:
        notes.append(f"{left} 身份终止退出资助范围，当期已享受的资助不再退还（新疆规程 第十二条）")
    text, ref = CASES[case]
    ln = SubsidyRegisterLine(
        psn_no=psn,
        certno=mask_certno(cert),
        name=mask_name(name),
        identities=codes,
        highest=top,
        class_id=ranks[top][1] if top in ranks else None,
        class_name=ranks[top][2] if top in ranks else None,
        subsidy_identity=sub_code,
        kind=entry.kind,
        share=share,
        share_ref=share_ref,
        premium=premium,
        subsidy=subsidy,
        personal=premium - subsidy,
        recognised_on=recognised,
        left_on=left,
        status=status,
        case=case,
        case_text=text,
        case_ref=ref,
        subsidised_year=subsidised_year,
        refund=refund,
        notes=notes,
    )
    ln.cash = cash
    if case in ("employee", "elsewhere", "elsewhere_cash"):
        ln.personal = 0  # not in this city's resident scheme this year
    return ln
