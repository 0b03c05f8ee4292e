"""Settlement of medical assistance against the stored running totals (一站式结算).

One path for every source — the hospitals' real-time calls, bulk imports, manual
reimbursement and back-pay — so that all count in the same person-year totals.
Each settlement is one transaction: the person-year totals row is locked
(``SELECT … FOR UPDATE``), the engine assesses, the settlement, the new totals and
the audit record are written together. Idempotent by ``setl_id``.

What follows from a settlement or a reversal — the fund's postings, the early-warning
sums (calc-contract §11) — is a handler of its money event on the message bus
(``services/messagebus.py``), in the same transaction; this module names neither.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm import Session

from jiuzhu.adapters.db import journal
from jiuzhu.adapters.db.repositories import identity_spans, lock_totals, settlement_by_id, totals_of
from jiuzhu.adapters.db.settlement_sql import (
    DBAPI_INTEGRITY_ERRORS,
    DBAPI_OPERATIONAL_ERRORS,
    Raw,
    take_ride,
)
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.warning_tables import ClawBack
from jiuzhu.domain.claim import Claim, medfee_of
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.engine import Assessment, Totals, assess
from jiuzhu.domain.errors import Conflict, NotFound
from jiuzhu.domain.events import Reversed, Settled
from jiuzhu.domain.explain import trace_json
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services import messagebus

SOURCES = ("one_stop", "import", "manual", "backpay")
_DUPLICATE: tuple[type[Exception], ...] = (IntegrityError, *DBAPI_INTEGRITY_ERRORS)
_LOST_CONNECTION: tuple[type[Exception], ...] = (OperationalError, *DBAPI_OPERATIONAL_ERRORS)
T = TypeVar("T")


def claim_fingerprint(claim: Claim, extra: dict[str, Any] | None = None) -> str:
    """A hash of the settlement's content, to tell a retry from a different body."""
    d = {
        "setl_id": claim.setl_id,
        "psn_no": claim.psn_no,
        "setl_time": claim.setl_time.isoformat(sep=" "),
        "med_type": claim.med_type,
        "begndate": claim.begndate.isoformat(),
        "enddate": claim.enddate.isoformat(),
        "amounts": [claim.inscp_scp_amt, claim.hifp_pay, claim.hifmi_pay, claim.hifob_pay],
        "flags": [claim.out_of_area, claim.referral, claim.emergency, claim.in_province],
        "extra": extra or {},
    }
    return hashlib.sha256(json.dumps(d, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def claim_body(claim: Claim, extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The claim as stored (amounts as two-decimal strings)."""
    return {
        "setl_id": claim.setl_id,
        "psn_no": claim.psn_no,
        "setl_time": claim.setl_time.isoformat(sep=" "),
        "med_type": claim.med_type,
        "begndate": claim.begndate.isoformat(),
        "enddate": claim.enddate.isoformat(),
        "inscp_scp_amt": format_fen(claim.inscp_scp_amt),
        "hifp_pay": format_fen(claim.hifp_pay),
        "hifmi_pay": format_fen(claim.hifmi_pay),
        "hifob_pay": format_fen(claim.hifob_pay),
        "out_of_area": int(claim.out_of_area),
        "referral": int(claim.referral),
        "emergency": int(claim.emergency),
        "in_province": int(claim.in_province),
        **(extra or {}),
    }


def totals_json(t: Totals) -> dict[str, str]:
    return {
        "S": format_fen(t.S),
        "P": format_fen(t.P),
        "R": format_fen(t.R),
        "TP": format_fen(t.TP),
    }


def answer_json(a: Assessment, year: int, status: str, source: str) -> dict[str, Any]:
    """The answer a caller gets (calc-contract §10: amounts as two-decimal strings)."""
    return {
        "setl_id": a.setl_id,
        "psn_no": a.psn_no,
        "identity": a.identity or None,
        "class": a.class_id,
        "year": year,
        "reason": a.reason,
        "base": format_fen(a.base),
        "deductible": format_fen(a.deductible),
        "maf_pay": format_fen(a.maf_pay),
        "tilt_pay": format_fen(a.tilt_pay),
        "totals_after": totals_json(a.after),
        "trace": trace_json(a),
        "status": status,
        "source": source,
    }


@dataclass
class SettlementOutcome:
    answer: dict[str, Any]
    """the answer in the contract's shape (§10: amounts as yuan text), for the front ends"""
    replayed: bool
    """True when this setl_id was already settled with the same content."""
    maf_pay: int
    """救助 paid, in fen (what services add up; never parsed back from the answer)"""
    tilt_pay: int
    """倾斜救助 paid, in fen"""


def trial(
    uow: UnitOfWork,
    policy: RegionPolicy,
    claim: Claim,
    *,
    account_year: int | None = None,
    terms_day: dt.date | None = None,
    institution: str | None = None,
    extra: dict[str, Any] | None = None,
    extra_spans: Sequence[IdentitySpan] = (),
) -> dict[str, Any]:
    """预结算: what the settlement would earn now; writes nothing.

    For a ``setl_id`` already settled it answers as :func:`settle` would: the stored
    answer for the same body, a conflict for another body or another institution.
    """
    year = account_year or claim.year
    with uow.read() as s:
        existing = settlement_by_id(s, claim.setl_id)
        if existing is not None and existing.status == "settled":
            return _replay_or_conflict(
                existing, claim_fingerprint(claim, extra), institution
            ).answer
        from jiuzhu.adapters.db.tables import PersonYearTotals

        row = s.get(PersonYearTotals, (claim.psn_no, year))
        totals = totals_of(row) if row else Totals()
        a = assess(
            claim,
            [*identity_spans(s, claim.psn_no), *extra_spans],
            totals,
            policy.terms_on(terms_day or claim.enddate),
        )
    return answer_json(a, year, "trial", "trial")


@dataclass(frozen=True)
class SettleClaim:
    """The command 结算: one claim from one source, settled once.

    ``account_year``/``terms_day`` let manual reimbursement put retroactive costs of two
    years on one deductible and cap at the discharge year's standard (梅州 第十二条（三）2–3).
    ``extra_spans`` are identity spans granted by a decision rather than held in the
    registry (双鸭山 第十二条: costs within 12 months before a retro application).
    """

    claim: Claim
    source: str
    actor: str
    institution: str | None = None
    extra: dict[str, Any] | None = None
    account_year: int | None = None
    terms_day: dt.date | None = None
    backpay_of: str | None = None
    extra_spans: Sequence[IdentitySpan] = ()

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown source {self.source}")


def settle(
    uow: UnitOfWork, policy: RegionPolicy, claim: Claim, **options: Any
) -> SettlementOutcome:
    """结算 in a transaction of its own: ``settle(uow, policy, claim, source=…, actor=…)``,
    the options being the fields of :class:`SettleClaim`."""
    return settle_claim(uow, policy, SettleClaim(claim, **options))


def settle_claim(uow: UnitOfWork, policy: RegionPolicy, cmd: SettleClaim) -> SettlementOutcome:
    """Assess and record one settlement, once, in a transaction of its own (the entry
    point's), retried once when the same ``setl_id`` races in or the connection was lost."""
    return with_retry(uow, lambda s: settle_in(s, policy, cmd))


def with_retry(uow: UnitOfWork, work: Callable[[Session], T]) -> T:
    """The one retry rule of a money transaction: run ``work`` in a transaction; once more
    if it lost a race on a primary key (the twin is then replayed) or the pooled connection
    had been dropped (nothing of the attempt committed, or the retry finds and replays it)."""
    for attempt in (1, 2):
        try:
            with uow.begin() as s:
                return work(s)
        except _DUPLICATE:
            if attempt == 2:
                raise
        except _LOST_CONNECTION as exc:
            # the service runs without a pre-ping round trip; an invalidated connection is
            # a restart or idle timeout of the server, anything else is a real error
            if attempt == 2 or (
                isinstance(exc, OperationalError) and not exc.connection_invalidated
            ):
                raise
    raise AssertionError("unreachable")


def settle_in(s: Session, policy: RegionPolicy, cmd: SettleClaim) -> SettlementOutcome:
    """:func:`settle_claim` inside the caller's transaction, so that several settlements and
    the caller's own records (e.g. an approval, 宁医保发〔2023〕102号 第二十条) commit or roll
    back together. The caller's transaction must not already hold other people's locks out
    of order; a concurrent insert of the same ``setl_id`` fails the whole transaction."""
    return _settle_in(s, policy, cmd, claim_fingerprint(cmd.claim, cmd.extra))


def _replay_or_conflict(
    existing: Settlement, fingerprint: str, institution: str | None = None
) -> SettlementOutcome:
    if existing.body_hash != fingerprint:
        raise Conflict(
            f"setl_id {existing.setl_id} was already settled with a different body", field="setl_id"
        )
    if institution is not None and existing.institution != institution:
        # the same setl_id from another institution must not see (or claim) this settlement
        raise Conflict(
            f"setl_id {existing.setl_id} was already settled by another institution",
            field="setl_id",
        )
    return SettlementOutcome(replay_answer(existing), True, existing.maf_pay, existing.tilt_pay)


def replay_answer(row: Settlement) -> dict[str, Any]:
    """The answer as first given; once reversed, with its status and time of reversal."""
    out = dict(row.answer)
    if row.status != "settled":
        out["status"] = row.status
        out["reversed_at"] = row.reversed_at.isoformat(sep=" ") if row.reversed_at else None
    return out


def _settle_in(
    s: Session, policy: RegionPolicy, cmd: SettleClaim, fingerprint: str
) -> SettlementOutcome:
    claim, source, actor, institution, extra = (
        cmd.claim, cmd.source, cmd.actor, cmd.institution, cmd.extra
    )  # fmt: skip
    year = cmd.account_year or claim.year
    raw = Raw(s)  # plain SQL on this transaction's connection (settlement_sql: why)
    # the totals locked, the setl_id checked and the identities read (one round trip on
    # PostgreSQL); a twin committed while we waited for the lock is either seen here or
    # refused by the primary key on insert, and settle() then retries and replays it
    locked, exists, spans, person_county = raw.begin_settlement(claim.setl_id, claim.psn_no, year)
    before = Totals(*locked)
    if exists:
        existing = settlement_by_id(s, claim.setl_id)
        assert existing is not None
        return _replay_or_conflict(existing, fingerprint, institution)
    a = assess(
        claim,
        [*spans, *cmd.extra_spans],
        before,
        policy.terms_on(cmd.terms_day or claim.enddate),
    )
    answer = answer_json(a, year, "settled", source)
    d = a.delta
    county = (extra or {}).get("county") or person_county
    event = Settled(
        claim.setl_id,
        claim.psn_no,
        policy.region,
        source,
        institution,
        county,
        claim.setl_time.date(),
        claim.med_type,
        claim.out_of_area,
        a.maf_pay,
        a.tilt_pay,
        cmd.backpay_of,
        (extra or {}).get("reimb_app_no"),
        claim,
        medfee_of(extra),
        a.identity,
        actor,
        policy,
    )
    record_settled(
        s,
        raw,
        event,
        {
            "setl_id": claim.setl_id,
            "psn_no": claim.psn_no,
            "year": year,
            "region": policy.region,
            "source": source,
            "institution": institution,
            "body_hash": fingerprint,
            "body": claim_body(claim, extra),
            "setl_time": claim.setl_time,
            "begndate": claim.begndate,
            "enddate": claim.enddate,
            "med_type": claim.med_type,
            "identity": a.identity,
            "class_id": a.class_id,
            "reason": a.reason,
            "base": a.base,
            "deductible": a.deductible,
            "maf_pay": a.maf_pay,
            "tilt_pay": a.tilt_pay,
            "d_s": d.S,
            "d_p": d.P,
            "d_r": d.R,
            "d_tp": d.TP,
            "trace": answer["trace"],
            "answer": answer,
            "status": "settled",
            "backpay_of": cmd.backpay_of,
            "county": county,
        },
        (a.after.S, a.after.P, a.after.R, a.after.TP),
        actor,
        {
            "source": source,
            "maf_pay": answer["maf_pay"],
            "tilt_pay": answer["tilt_pay"],
            "totals_before": totals_json(before),
            "totals_after": answer["totals_after"],
        },
    )
    return SettlementOutcome(answer, False, a.maf_pay, a.tilt_pay)


def record_settled(
    s: Session,
    raw: Raw,
    event: Settled,
    values: dict[str, Any],
    totals: tuple[int, int, int, int],
    actor: str,
    audit_after: dict[str, Any],
) -> None:
    """Publish the money event, then write the settlement, its totals, its audit record and
    what its handlers left for the statement — the fund's entries and the one statement
    that rides along (the early-warning sums' upsert, calc-contract §11) — in one
    statement on PostgreSQL; then the events that follow from the ride's row (a warning
    line met) are published in the same transaction."""
    journal.defer(s, True)
    try:
        messagebus.publish(s, event)
    finally:
        journal.defer(s, False)
        ride = take_ride(s)
    row = raw.record_settlement(
        values,
        totals,
        actor,
        audit_after,
        journal.take_pending(s),
        ride.statement if ride else None,
    )
    for entry_id in raw.written:
        journal.written(s, entry_id)
    if ride is not None:
        for ev in ride.finish(raw, row):
            messagebus.publish(s, ev)


def reverse(
    uow: UnitOfWork,
    setl_id: str,
    *,
    actor: str,
    institution: str | None = None,
    reason: str | None = None,
) -> dict[str, Any]:
    """撤销: take the settlement's share out of the running totals; a second call changes nothing.

    Later settlements of the same person are not recomputed.
    """
    with uow.begin() as s:
        row = settlement_by_id(s, setl_id)
        if row is None:
            raise NotFound(f"no settlement {setl_id}", field="setl_id")
        if institution is not None and row.institution != institution:
            # a hospital may reverse only its own settlements (not imports, not others')
            raise NotFound(f"no settlement {setl_id} of institution {institution}", field="setl_id")
        totals = lock_totals(s, row.psn_no, row.year)
        s.refresh(row, with_for_update=True)
        if row.status == "reversed":
            return reversed_answer(row)
        if s.scalar(select(ClawBack.id).where(ClawBack.setl_id == setl_id)) is not None:
            # 追回 already took its share out of the totals (services/checks/workflow.py)
            raise Conflict(
                f"settlement {setl_id} was clawed back; it cannot be reversed", field="setl_id"
            )
        before = totals_of(totals)
        totals.s -= row.d_s
        totals.p -= row.d_p
        totals.r -= row.d_r
        totals.tp -= row.d_tp
        totals.settlements -= 1
        row.status = "reversed"
        row.reversed_at = utcnow()
        s.flush()
        messagebus.publish(s, Reversed(setl_id, row.region, row.setl_time.date()))
        audit(
            s,
            actor,
            "reverse",
            "settlement",
            setl_id,
            {"status": "settled", "totals": totals_json(before)},
            {"status": "reversed", "totals": totals_json(totals_of(totals))}
            | ({"reason": reason} if reason else {}),
        )
        return reversed_answer(row)


def reversed_answer(row: Settlement) -> dict[str, Any]:
    out = dict(row.answer)
    out["status"] = row.status
    out["reversed_at"] = row.reversed_at.isoformat(sep=" ") if row.reversed_at else None
    return out


def get_settlement(uow: UnitOfWork, setl_id: str) -> dict[str, Any]:
    with uow.read() as s:
        row = settlement_by_id(s, setl_id)
        if row is None:
            raise NotFound(f"no settlement {setl_id}", field="setl_id")
        out = reversed_answer(row)
        out["body"] = row.body
        out["institution"] = row.institution
        out["created_at"] = row.created_at.isoformat(sep=" ")
        return out
