"""资助参保: the exemption ledger (免缴台账) of a year, and the enrolment facts it needs.

- Who: every beneficiary with an identity the region subsidises (policy ``premium_subsidy``)
  valid on at least one day of the year. Several identities: the one with the highest
  share (就高不就低; 双鸭山实施办法 第四条, 新疆规程 第五条).
- How much: the personal premium (operator parameter ``personal_premium``, dated, from the
  year's resident-insurance financing document) × the share, rounded half-up to the fen
  (双鸭山实施办法 第五条: 100% / 60% / 60%; other regions' shares are operator parameters).
- Which case (梅州规程 第六条): 未参保 → enrol and subsidise this year （一）; enrolled in
  another city's resident scheme → subsidise next year （二）; self-paid this year's premium
  before recognition → subsidise next year （三）; employee insurance → no subsidy （四）.
  Self-paid after recognition → a refund line (梅州规程 第七条（三））.
- Leaving within the year: no claw-back (新疆规程 第十二条).
- Mid-year additions by month, reported by the 25th (梅州规程 第七条（二））.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.enrolment_tables import ENROLMENT_STATUSES, PersonEnrolment
from jiuzhu.adapters.db.tables import Person, PersonIdentity
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import InputError, JiuzhuError, PolicyError
from jiuzhu.domain.pii import mask_certno, mask_name
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import AmountError, format_fen, parse_fen, to_decimal, yuan_to_fen_half_up
from jiuzhu.policy.schema import ParamRef, PremiumSubsidy
from jiuzhu.services.registry import class_rank, get_person, highest_code

STATUS_NAMES: dict[str, str] = {v: k for k, v in ENROLMENT_STATUSES.items()} | {
    "未参保": "unenrolled",
    "本市居民医保": "local",
    "本市以外居民医保": "elsewhere",
    "外地居民医保": "elsewhere",
    "回认定地参保": "elsewhere_return",
    "自行缴费": "self_paid",
    "职工医保": "employee",
}
REPORT_DAY = 25
"""梅州规程 第七条（二）: 每月25日前报送当月新增的中途参保人员名单"""

CASES: dict[str, tuple[str, str]] = {
    "enrol_now": ("未参保：办理当年度参保登记，按标准资助", "梅州规程 第六条（一）"),
    "local": ("已在本市参加居民医保：按标准资助当年度", "梅州规程 第七条"),
    "elsewhere": (
        "已参加本市以外居民医保：征得本人同意后资助参加下一年度",
        "梅州规程 第六条（二）",
    ),
    "elsewhere_return": (
        "已参加外地居民医保，选择回身份认定地参保：待遇享受期开始前向原参保地申请退费，"
        "退费成功后在本地参保并按规定资助",
        "新疆规程 第十一条",
    ),
    "elsewhere_cash": (
        "已参加外地居民医保，选择不回身份认定地参保：按本地标准向个人支付资助参保费用，"
        "不超过个人缴费部分",
        "新疆规程 第十一条",
    ),
    "self_paid_before": (
        "认定前已自行参加当年度居民医保：资助参加下一年度",
        "梅州规程 第六条（三）",
    ),
    "self_paid_after": (
        "纳入保障期后自行缴费：主动通知退费，按资助参保流程核定免缴台账",
        "梅州规程 第七条（三）",
    ),
    "employee": ("已参加职工基本医疗保险：不予资助参加居民医保", "梅州规程 第六条（四）"),
}


def parse_status(text: str) -> str | None:
    t = text.strip()
    if t in ENROLMENT_STATUSES:
        return t
    return STATUS_NAMES.get(t)


@dataclass
class SubsidyRegisterLine:
    """One beneficiary in the exemption ledger (masked)."""

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


def _half_up_fen(premium: int, share: Decimal) -> int:
    return yuan_to_fen_half_up(Decimal(premium) * share / 100)


def _month_and_deadline(day: dt.date) -> tuple[str, dt.date]:
    """The month whose list carries a person recognised on ``day``, and its deadline:
    that month's 25th, or the next month's if recognised after the 25th."""
    if day.day <= REPORT_DAY:
        return f"{day:%Y-%m}", day.replace(day=REPORT_DAY)
    nxt = (day.replace(day=1) + dt.timedelta(days=32)).replace(day=REPORT_DAY)
    return f"{nxt:%Y-%m}", nxt


@dataclass
class LedgerRules:
    """What every line of a year's ledger is worked out from (the policy's shares, the
    premium, the classes); :func:`ledger_line` applies them to one person."""

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
        person holds the code, as :func:`ledger_line` does)."""
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


def ledger_rules(policy: RegionPolicy, year: int) -> LedgerRules:
    premium, premium_ref = premium_of(policy, year)
    entries: dict[str, list[PremiumSubsidy]] = {}
    for s in policy.spec.premium_subsidy:
        for code in s.identities:
            entries.setdefault(code, []).append(s)
    ie = policy.spec.insured_elsewhere
    return LedgerRules(
        policy, year, premium, premium_ref, entries, class_rank(policy),
        ie.rule if ie else "subsidise_next_year",
    )  # fmt: skip


Span = tuple[str, dt.date, dt.date | None]


def ledger_spans(
    session: Session, rules: LedgerRules, psn_nos: Sequence[str] | None = None
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


def ledger_statuses(
    session: Session, year: int, psn_nos: Sequence[str] | None = None
) -> dict[tuple[str, int], PersonEnrolment]:
    q = select(PersonEnrolment).where(PersonEnrolment.year.in_((year - 1, year)))
    if psn_nos is not None:
        q = q.where(PersonEnrolment.psn_no.in_(list(psn_nos)))
    return {(e.psn_no, e.year): e for e in session.scalars(q)}


def ledger_people(session: Session, psn_nos: Sequence[str]) -> dict[str, Person]:
    people: dict[str, Person] = {}
    names = list(psn_nos)
    for i in range(0, len(names), 900):
        for p in session.scalars(select(Person).where(Person.psn_no.in_(names[i : i + 900]))):
            people[p.psn_no] = p
    return people


def build_ledger(session: Session, policy: RegionPolicy, year: int) -> SubsidyRegister:
    """The 免缴台账 of ``year`` (see the module docstring for the rules)."""
    rules = ledger_rules(policy, year)
    spans = ledger_spans(session, rules)
    statuses = ledger_statuses(session, year)
    people = ledger_people(session, list(spans))
    cipher = get_cipher()
    lines: list[SubsidyRegisterLine] = []
    mid: list[MidYearEntry] = []
    for psn in sorted(spans):
        ln = ledger_line(rules, psn, spans[psn], statuses, people.get(psn), cipher)
        if ln is None:
            continue
        lines.append(ln)
        if ln.recognised_on > rules.first:
            month, deadline = _month_and_deadline(ln.recognised_on)
            mid.append(MidYearEntry(month, deadline, ln))
    mid.sort(key=lambda m: (m.month, m.line.recognised_on, m.line.psn_no))
    return SubsidyRegister(policy.region, year, rules.premium, rules.premium_ref, lines, mid)


def ledger_line(
    rules: LedgerRules,
    psn: str,
    sp: list[Span],
    statuses: dict[tuple[str, int], PersonEnrolment],
    person: Person | None,
    cipher: Any,
) -> SubsidyRegisterLine | None:
    """One person's ledger line (None: no subsidy in force that year for their identities)."""
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
    subsidy = _half_up_fen(premium, share)
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


# -- enrolment facts ----------------------------------------------------------------------


def _enrolment_dict(e: PersonEnrolment) -> dict[str, Any]:
    return {
        "psn_no": e.psn_no,
        "year": e.year,
        "status": e.status,
        "self_paid_on": e.self_paid_on.isoformat() if e.self_paid_on else None,
        "self_paid": format_fen(e.self_paid_fen) if e.self_paid_fen is not None else None,
        "note": e.note,
    }


def set_enrolment(
    session: Session,
    actor: str,
    psn_no: str,
    year: int,
    status: str,
    self_paid_on: dt.date | None = None,
    self_paid_fen: int | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Record a person's enrolment in ``year`` (梅州规程 第六条 cases); audited."""
    get_person(session, psn_no)
    if status not in ENROLMENT_STATUSES:
        raise InputError(
            f"unknown status '{status}'; one of: "
            + ", ".join(f"{k} ({v})" for k, v in ENROLMENT_STATUSES.items()),
            column="status",
        )
    if not 1990 <= year <= 2100:
        raise InputError(f"year {year} out of range", column="year")
    if status != "self_paid" and self_paid_on:
        raise InputError("the self-paid date goes with status self_paid", column="status")
    if status not in ("self_paid", "elsewhere") and self_paid_fen is not None:
        raise InputError(
            "an amount goes with status self_paid (paid here) or elsewhere (the own "
            "contribution in the other scheme, 新疆规程 第十一条)",
            column="status",
        )
    e = session.get(PersonEnrolment, (psn_no, year), with_for_update=True)
    before = _enrolment_dict(e) if e else None
    if e is None:
        e = PersonEnrolment(psn_no=psn_no, year=year, status=status, updated_by=actor)
        session.add(e)
    e.status, e.self_paid_on, e.self_paid_fen, e.note = status, self_paid_on, self_paid_fen, note
    e.updated_by = actor
    session.flush()
    after = _enrolment_dict(e)
    if after != before:
        audit(session, actor, "set", "person_enrolment", f"{psn_no}:{year}", before, after)
    return after


ENROL_HEADERS: dict[str, str] = {
    "psn_no": "psn_no",
    "人员编号": "psn_no",
    "year": "year",
    "年度": "year",
    "status": "status",
    "参保状态": "status",
    "参保情况": "status",
    "self_paid_on": "self_paid_on",
    "自行缴费日期": "self_paid_on",
    "self_paid_amount": "self_paid_amount",
    "自行缴费金额": "self_paid_amount",
    "note": "note",
    "备注": "note",
}


def import_enrolment(uow: UnitOfWork, name: str, data: bytes, actor: str) -> int:
    """Enrolment facts from a CSV (``psn_no,year,status[,self_paid_on,self_paid_amount,note]``
    or 人员编号,年度,参保状态,自行缴费日期,自行缴费金额,备注). All rows or none."""
    from jiuzhu.services.identity_import import parse_date

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    idx: dict[str, int] = {}
    for i, h in enumerate(header):
        f = ENROL_HEADERS.get(h)
        if f and f not in idx:
            idx[f] = i
    for f in ("psn_no", "year", "status"):
        if f not in idx:
            raise InputError(f"missing column {f}", file=name, line=1, column=f)
    parsed: list[tuple[int, str, int, str, dt.date | None, int | None, str | None]] = []
    errors: list[str] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        cells = cells + [""] * (len(header) - len(cells))

        def get(f: str, cells: list[str] = cells) -> str:
            return cells[idx[f]].strip() if f in idx else ""

        psn = get("psn_no")
        try:
            year = int(get("year"))
        except ValueError:
            errors.append(f"{name}, line {line}, column year: not a year: '{get('year')}'")
            continue
        status = parse_status(get("status"))
        if status is None:
            errors.append(f"{name}, line {line}, column status: unknown status '{get('status')}'")
            continue
        paid_on = None
        if get("self_paid_on"):
            paid_on = parse_date(get("self_paid_on"))
            if paid_on is None:
                errors.append(f"{name}, line {line}, column self_paid_on: malformed date")
                continue
        paid: int | None = None
        if get("self_paid_amount"):
            try:
                paid = parse_fen(get("self_paid_amount"))
            except AmountError as exc:
                errors.append(f"{name}, line {line}, column self_paid_amount: {exc}")
                continue
        parsed.append((line, psn, year, status, paid_on, paid, get("note") or None))
    if errors:
        raise InputError(
            "; ".join(errors[:20]) + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else "")
        )
    with uow.begin() as s:
        for line, psn, year, status, paid_on, paid, note in parsed:
            try:
                set_enrolment(s, actor, psn, year, status, paid_on, paid, note)
            except JiuzhuError as exc:
                raise InputError(exc.message, file=name, line=line, column=exc.field) from exc
    return len(parsed)


def enrolment_of(session: Session, psn_no: str) -> list[dict[str, Any]]:
    return [
        _enrolment_dict(e)
        for e in session.scalars(
            select(PersonEnrolment)
            .where(PersonEnrolment.psn_no == psn_no)
            .order_by(PersonEnrolment.year)
        )
    ]


def status_label(status: str | None) -> str:
    return ENROLMENT_STATUSES.get(status or "", "无参保记录")


__all__ = [
    "CASES",
    "KIND_ZH",
    "LEDGER_HEADERS",
    "SubsidyRegister",
    "SubsidyRegisterLine",
    "build_ledger",
    "enrolment_of",
    "import_enrolment",
    "ledger_row",
    "ledger_sheets",
    "parse_status",
    "premium_of",
    "set_enrolment",
    "status_label",
]


# the workbook (enrolment_xlsx.py) imports this module's lines: imported last, re-exported
from jiuzhu.services.enrolment_xlsx import (  # noqa: E402
    KIND_ZH,
    LEDGER_HEADERS,
    ledger_row,
    ledger_sheets,
)
