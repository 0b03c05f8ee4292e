"""Shared pieces of manual reimbursement: parsing, numbering, masking, typed views (amounts
in fen), the preview."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.reimbursement_tables import (
    ReimbApplication,
    ReimbClaim,
    ReimbDecision,
    ReimbPaymentBatch,
    ReimbSequence,
)
from jiuzhu.adapters.db.repositories import identity_spans
from jiuzhu.adapters.db.tables import PersonYearTotals, StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.dates import parse_date
from jiuzhu.domain.engine import Assessment, Totals, assess
from jiuzhu.domain.errors import InputError, NotFound, PermissionDenied
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.domain.pii import mask_account as _mask_account
from jiuzhu.domain.pii import mask_certno, mask_name
from jiuzhu.domain.reimbursement_status import application_zh
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import AmountError, parse_fen
from jiuzhu.services.access.roles import effective_roles
from jiuzhu.services.batch.readers import CLAIM_FLAGS, CLAIM_REQUIRED
from jiuzhu.services.reimbursement.deadline import working_days_between
from jiuzhu.services.reimbursement.rules import LEVEL_ZH, REGION_PREFIX
from jiuzhu.services.reimbursement.views import (
    AgentView,
    ApplicationView,
    ClaimView,
    DecisionView,
    LevelView,
)

OPEN_STATUSES = ("in_review", "approved")
"""Still running against the deadline: 第二十三条 counts until the money is paid (发放到位)."""

# the claim fields of the one-stop path (calc-contract §8), shared with the batch reader
CLAIM_FIELDS = CLAIM_REQUIRED


@dataclass(frozen=True)
class Staff:
    """Who acts: a staff username, display name and roles (from the API principal or CLI)."""

    username: str
    roles: frozenset[str]
    display_name: str | None = None

    @property
    def actor(self) -> str:
        return f"staff:{self.username}"

    def require(self, role: str, what: str) -> None:
        if role not in self.roles and "admin" not in self.roles:
            raise PermissionDenied(f"{what}需要角色 {role}（用户 {self.username} 没有该角色）")


def staff_from_db(uow: UnitOfWork, username: str) -> Staff:
    """The staff account acting from the command line (``--as USER``)."""
    with uow.read() as s:
        u = s.scalar(select(StaffUser).where(StaffUser.username == username))
        if u is None or not u.active:
            raise NotFound(f"没有启用的工作人员账号 {username}", field="as")
        return Staff(u.username, effective_roles(s, u.roles or []), u.display_name)


def now() -> dt.datetime:
    return utcnow()


# -- parsing ---------------------------------------------------------------------------
def _fail(msg: str, where: str, field: str) -> InputError:
    return InputError(msg, file=where or None, column=field)


def parse_day(v: Any, where: str, field: str) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return parse_date(str(v or ""), file=where or None, column=field)


def parse_time(v: Any, where: str, field: str) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    s = str(v or "").strip().replace("T", " ")
    try:
        if len(s) != 19:
            raise ValueError
        return dt.datetime.fromisoformat(s)
    except ValueError:
        raise _fail(f"malformed time {v!r} (expected YYYY-MM-DD HH:MM:SS)", where, field) from None


def parse_money(v: Any, where: str, field: str) -> int:
    if isinstance(v, float):
        raise _fail("write amounts as text or integers, not binary floats", where, field)
    try:
        return parse_fen(str(v).strip() if v is not None else "")
    except AmountError as exc:
        raise _fail(str(exc), where, field) from None


def parse_flag(v: Any, default: bool, where: str, field: str) -> bool:
    if v is None or v == "":
        return default
    if v in (0, 1, "0", "1", True, False):
        return bool(int(v))
    raise _fail(f"flag must be 0 or 1, got {v!r}", where, field)


def parse_claim(raw: dict[str, Any], where: str, prefix: str) -> Claim:
    """One claimed settlement, every field checked; errors name ``claims[i].field``."""
    if not isinstance(raw, dict):
        raise _fail("each claim must be an object", where, prefix)
    for f in CLAIM_FIELDS:
        if raw.get(f) in (None, ""):
            raise _fail(f"missing {f}", where, f"{prefix}.{f}")
    c = Claim(
        setl_id=str(raw["setl_id"]).strip(),
        psn_no=str(raw["psn_no"]).strip(),
        setl_time=parse_time(raw["setl_time"], where, f"{prefix}.setl_time"),
        med_type=str(raw["med_type"]).strip(),
        begndate=parse_day(raw["begndate"], where, f"{prefix}.begndate"),
        enddate=parse_day(raw["enddate"], where, f"{prefix}.enddate"),
        inscp_scp_amt=parse_money(raw["inscp_scp_amt"], where, f"{prefix}.inscp_scp_amt"),
        hifp_pay=parse_money(raw["hifp_pay"], where, f"{prefix}.hifp_pay"),
        hifmi_pay=parse_money(raw["hifmi_pay"], where, f"{prefix}.hifmi_pay"),
        hifob_pay=parse_money(raw.get("hifob_pay", 0) or 0, where, f"{prefix}.hifob_pay"),
        **{
            f: parse_flag(raw.get(f), d, where, f"{prefix}.{f}")  # type: ignore[arg-type]
            for f, d in CLAIM_FLAGS.items()
        },
    )
    if c.enddate < c.begndate:
        raise _fail("enddate is before begndate", where, f"{prefix}.enddate")
    return c


def claim_from_body(body: dict[str, Any]) -> Claim:
    return parse_claim(body, "", "claim")


# -- numbering -------------------------------------------------------------------------
def next_number(s: Session, region: str, kind: str, year: int) -> int:
    """Next serial in (region, kind, year), under a row lock (serialises concurrent intakes)."""
    ins = pg_insert if s.get_bind().dialect.name == "postgresql" else sqlite_insert
    s.execute(
        ins(ReimbSequence)
        .values(region=region, kind=kind, year=year, last=0)
        .on_conflict_do_nothing(index_elements=["region", "kind", "year"])
    )
    row = s.scalars(
        select(ReimbSequence)
        .where(
            ReimbSequence.region == region,
            ReimbSequence.kind == kind,
            ReimbSequence.year == year,
        )
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()
    row.last += 1
    return row.last


def app_number(region: str, year: int, seq: int) -> str:
    """受理编号, e.g. ``NX-2026-000123``."""
    return f"{REGION_PREFIX.get(region, region.upper())}-{year}-{seq:06d}"


def batch_number(region: str, year: int, seq: int) -> str:
    """拨付批次号, e.g. ``NX-ZF-2026-0007``."""
    return f"{REGION_PREFIX.get(region, region.upper())}-ZF-{year}-{seq:04d}"


# -- personal data ---------------------------------------------------------------------
def enc(text: str | None) -> bytes | None:
    return get_cipher().encrypt(text) if text else None


def dec(blob: bytes | None) -> str | None:
    return get_cipher().decrypt(blob) if blob else None


def mask_account(no: str | None) -> str:
    """Bank account ``6222020200112233445`` → ``6222***********3445``."""
    return _mask_account(no) if no else ""


# -- loading and views -----------------------------------------------------------------
def get_app(s: Session, app_no: str, *, lock: bool = False) -> ReimbApplication:
    q = select(ReimbApplication).where(ReimbApplication.app_no == app_no)
    if lock:
        q = q.with_for_update().execution_options(populate_existing=True)
    row = s.scalars(q).one_or_none()
    if row is None:
        raise NotFound(f"没有零星报销申请 {app_no}", field="app_no")
    return row


def claims_of(s: Session, app: ReimbApplication) -> list[ReimbClaim]:
    return list(
        s.scalars(
            select(ReimbClaim).where(ReimbClaim.application_id == app.id).order_by(ReimbClaim.seq)
        )
    )


def decisions_of(s: Session, app: ReimbApplication) -> list[ReimbDecision]:
    return list(
        s.scalars(
            select(ReimbDecision)
            .where(ReimbDecision.application_id == app.id)
            .order_by(ReimbDecision.step)
        )
    )


def app_view(
    s: Session,
    app: ReimbApplication,
    *,
    today: dt.date | None = None,
    detail: bool = True,
) -> ApplicationView:
    """The application as a case worker (or a web page) sees it: personal data masked."""
    today = today or dt.date.today()
    levels: list[str] = list(app.levels or [])
    current = (
        levels[app.current_step]
        if app.status == "in_review" and app.current_step < len(levels)
        else None
    )
    left = None
    overdue = False
    if app.deadline and app.status in OPEN_STATUSES:
        try:
            left = working_days_between(today, app.deadline)
        except Exception:  # a far-away date outside the calendar: show no count
            left = None
        overdue = today > app.deadline
    agent = None
    if app.agent_certno_enc or app.agent_name_enc:
        agent = AgentView(
            mask_name(dec(app.agent_name_enc)),
            mask_certno(dec(app.agent_certno_enc)),
            app.agent_relation,
        )
    batch_no = None
    if app.payment_batch_id:
        b = s.get(ReimbPaymentBatch, app.payment_batch_id)
        batch_no = b.batch_no if b else None
    return ApplicationView(
        app_no=app.app_no,
        region=app.region,
        status=app.status,
        status_zh=application_zh(app.status),
        psn_no=app.psn_no,
        applicant_name=mask_name(dec(app.applicant_name_enc)),
        applicant_certno=mask_certno(dec(app.applicant_certno_enc)),
        agent=agent,
        bank_name=app.bank_name,
        account_name=mask_name(dec(app.account_name_enc)),
        account_no=mask_account(dec(app.account_no_enc)),
        received_on=app.received_on,
        deadline=app.deadline,
        deadline_working_days=app.deadline_days,
        working_days_left=left,
        overdue=overdue,
        levels=tuple(
            LevelView(
                lv,
                LEVEL_ZH.get(lv, lv),
                "done" if i < app.current_step else ("current" if lv == current else "pending"),
            )
            for i, lv in enumerate(levels)
        ),
        current_level=current,
        current_level_zh=LEVEL_ZH.get(current, "") if current else None,
        flow_ref=app.flow_ref,
        retro=app.retro,
        retro_anchor=app.retro_anchor,
        retro_window_start=app.retro_window_start,
        account_year=app.account_year,
        claimed_total=app.claimed_total,
        approved_maf=app.approved_maf,
        approved_tilt=app.approved_tilt,
        approved_total=app.approved_total,
        decided_at=app.decided_at,
        decision_reason=app.decision_reason,
        payment_batch=batch_no,
        paid_at=app.paid_at,
        problems=list(app.problems or []),
        intake_by=app.intake_by,
        created_at=app.created_at,
        materials=list(app.materials or []) if detail else None,
        claims=tuple(claim_view(c) for c in claims_of(s, app)) if detail else None,
        decisions=tuple(decision_view(d) for d in decisions_of(s, app)) if detail else None,
    )


def claim_view(c: ReimbClaim) -> ClaimView:
    answer = c.answer or {}
    return ClaimView(
        c.seq,
        dict(c.body),
        c.base,
        c.maf_pay,
        c.tilt_pay,
        answer.get("reason"),
        answer.get("identity"),
    )


def decision_view(d: ReimbDecision) -> DecisionView:
    return DecisionView(
        step=d.step + 1,
        level=d.level,
        level_zh=LEVEL_ZH.get(d.level, d.level),
        decision=d.decision,
        decision_zh="同意" if d.decision == "approve" else "不同意",
        reason=d.reason,
        actor=d.actor,
        actor_name=d.actor_name,
        amount_shown=d.amount_shown,
        at=d.at,
    )


# -- the preview: the one engine, applied in order on the person's running totals -------
def granted_spans(
    policy: RegionPolicy, retro: bool, window: dt.date | None, anchor: dt.date | None
) -> list[IdentitySpan]:
    """Identity a retro application grants for its window (双鸭山 第十二条: 申请之日前12个月;
    梅州 第十条（二）: 资格认定之日前12个月的同日), for the region's expense-type codes."""
    r = policy.spec.retro_application
    if not retro or r is None or window is None or anchor is None:
        return []
    return [IdentitySpan(c, window, anchor) for c in r.identities]


def assess_in_order(
    s: Session,
    policy: RegionPolicy,
    psn_no: str,
    claims: Sequence[Claim],
    *,
    extra_spans: Sequence[IdentitySpan] = (),
    account_year: int | None = None,
    terms_day: dt.date | None = None,
) -> list[Assessment]:
    """What the claims would earn now, each after the ones before it (same engine as
    settle(); unlike calling trial() per claim, the second claim sees the first's share
    of the deductible and cap). Returned in the order given."""
    spans = [*identity_spans(s, psn_no), *extra_spans]
    totals: dict[int, Totals] = {}
    out: dict[str, Assessment] = {}
    for c in sorted(claims, key=lambda c: c.order_key()):
        year = account_year or c.year
        if year not in totals:
            row = s.get(PersonYearTotals, (psn_no, year))
            totals[year] = Totals(row.s, row.p, row.r, row.tp) if row else Totals()
        a = assess(c, spans, totals[year], policy.terms_on(terms_day or c.enddate))
        totals[year] = a.after
        out[c.setl_id] = a
    return [out[c.setl_id] for c in claims]
