"""补报 back-pay: settlements a late identity would have paid more (宁夏 第十九条).

宁医保发〔2023〕102号 第十九条: "救助对象发生门诊慢特病或住院之前，相关部门已经认定身份，但由于
信息推送延迟等原因造成未按政策享受医疗救助待遇的情形，医保经办机构根据救助对象身份认定部门出具有关
证明，予以补报。"

A candidate is a stored, non-reversed settlement for which the registry now holds, under
the region's rule for the stay's dates, an identity of a higher class than the one it was
paid under (or any class, when it had none), and which would then earn more. The claim is
re-assessed through the engine on the person-year totals as they stand now without the
original's own share (later settlements are not recomputed, as with reversal); the
back-pay settlement ``<setl_id>-BP`` (source ``backpay``, ``backpay_of`` the original)
pays the difference, component by component, and carries the difference of the totals,
so the original and its back-pay together count as the re-assessment. Each original is
back-paid at most once (``-BP`` is idempotent by ``setl_id``).

One transaction per original: the totals locked, the back-pay settlement, the totals,
the settlement's audit record and the back-pay audit record with the recognising
department's certificate (证明) commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.repositories import claim_of_row, identity_spans, totals_of
from jiuzhu.adapters.db.settlement_sql import Raw
from jiuzhu.adapters.db.tables import PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.engine import PAID, Assessment, Totals, assess, choose_identity
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.events import Settled
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services.settlement import (
    answer_json,
    claim_body,
    claim_fingerprint,
    record_settled,
    totals_json,
)

ARTICLE = "宁医保发〔2023〕102号 第十九条"
SUFFIX = "-BP"
_EXTRA_KEYS = ("mdtrt_id", "medfee_sumamt", "dise_codg", "age")


@dataclass(frozen=True)
class Candidate:
    setl_id: str
    psn_no: str
    setl_time: str
    year: int
    institution: str | None
    identity_now: str
    class_now: str
    reason_then: str
    maf_fen: int
    tilt_fen: int
    """What back-pay would pay now: the difference (on the current totals)."""
    class_then: str | None = None
    maf_then: int = 0
    tilt_then: int = 0


def backpay_id(setl_id: str) -> str:
    return setl_id + SUFFIX


def _rank(policy: RegionPolicy, class_id: str | None) -> int:
    """Position of a class in the region's benefit article (0 = highest); none = last."""
    for i, c in enumerate(policy.spec.classes):
        if c.id == class_id:
            return i
    return len(policy.spec.classes)


@dataclass(frozen=True)
class Recomputed:
    assessment: Assessment
    maf_diff: int
    tilt_diff: int
    delta: Totals
    """the back-pay's share of the totals: the re-assessment's less the original's"""


def recompute(
    row: Settlement, spans: Sequence[IdentitySpan], now: Totals, policy: RegionPolicy
) -> Recomputed | None:
    """The original re-assessed with the registry's identities on the totals ``now``
    without its own share; None unless a higher class now applies and pays more."""
    claim = claim_of_row(row, backpay_id(row.setl_id))
    terms = policy.terms_on(row.enddate)
    _, cls, _ = choose_identity(claim, list(spans), terms)
    if cls is None or _rank(policy, cls.id) >= _rank(policy, row.class_id):
        return None
    own = Totals(row.d_s, row.d_p, row.d_r, row.d_tp)
    without = Totals(now.S - own.S, now.P - own.P, now.R - own.R, now.TP - own.TP)
    a = assess(claim, list(spans), without, terms)
    if a.reason != PAID or a.maf_pay + a.tilt_pay <= row.maf_pay + row.tilt_pay:
        return None  # e.g. a visit type the region does not cover, or a cap reached
    d = a.delta
    return Recomputed(
        a,
        a.maf_pay - row.maf_pay,
        a.tilt_pay - row.tilt_pay,
        Totals(d.S - own.S, d.P - own.P, d.R - own.R, d.TP - own.TP),
    )


def candidates(
    uow: UnitOfWork, policy: RegionPolicy, setl_ids: list[str] | None = None
) -> list[Candidate]:
    """Settlements due back-pay, in settlement order (calc-contract §3)."""
    out: list[Candidate] = []
    top = policy.spec.classes[0].id if policy.spec.classes else None
    with uow.read() as s:
        done = set(
            s.scalars(select(Settlement.backpay_of).where(Settlement.backpay_of.is_not(None)))
        )
        q = (
            select(Settlement)
            .where(
                Settlement.status == "settled",
                Settlement.backpay_of.is_(None),
                Settlement.source != "backpay",
                (Settlement.class_id.is_(None)) | (Settlement.class_id != top),
            )
            .order_by(Settlement.setl_time, Settlement.setl_id)
        )
        if setl_ids:
            q = q.where(Settlement.setl_id.in_(setl_ids))
        spans_cache: dict[str, list[IdentitySpan]] = {}
        for row in s.scalars(q):
            if row.setl_id in done:
                continue
            spans = spans_cache.get(row.psn_no)
            if spans is None:
                spans = spans_cache[row.psn_no] = identity_spans(s, row.psn_no)
            t = s.get(PersonYearTotals, (row.psn_no, row.year))
            r = recompute(row, spans, totals_of(t) if t else Totals(), policy)
            if r is None:
                continue
            a = r.assessment
            out.append(
                Candidate(
                    row.setl_id,
                    row.psn_no,
                    row.setl_time.isoformat(sep=" "),
                    row.year,
                    row.institution,
                    a.identity,
                    a.class_id or "",
                    row.reason,
                    r.maf_diff,
                    r.tilt_diff,
                    row.class_id,
                    row.maf_pay,
                    row.tilt_pay,
                )
            )
    return out


def _diff_trace(row: Settlement, r: Recomputed) -> dict[str, Any]:
    a = r.assessment
    return {
        "step": "backpay",
        "text": (
            f"补报差额：按现有身份 {a.identity}（类别 {a.class_id}）重算 医疗救助 "
            f"{format_fen(a.maf_pay)} − 原支付 {format_fen(row.maf_pay)} = "
            f"{format_fen(r.maf_diff)}；倾斜救助 {format_fen(a.tilt_pay)} − 原支付 "
            f"{format_fen(row.tilt_pay)} = {format_fen(r.tilt_diff)}"
            f"（原结算 {row.setl_id}，原类别 {row.class_id or '无'}）"
        ),
        "ref": ARTICLE,
        "data": {
            "backpay_of": row.setl_id,
            "maf_then": format_fen(row.maf_pay),
            "tilt_then": format_fen(row.tilt_pay),
            "maf_now": format_fen(a.maf_pay),
            "tilt_now": format_fen(a.tilt_pay),
        },
    }


def backpay_in(
    s: Session, policy: RegionPolicy, setl_id: str, *, actor: str, evidence: str
) -> dict[str, Any] | None:
    """Back-pay one original inside the caller's transaction: the answer, or None when it
    is no longer due (already back-paid, reversed, or nothing more to pay)."""
    raw = Raw(s)
    row = s.get(Settlement, setl_id, populate_existing=True)
    if row is None or row.status != "settled" or row.backpay_of is not None:
        return None
    bp_id = backpay_id(setl_id)
    locked, exists, spans, _ = raw.begin_settlement(bp_id, row.psn_no, row.year)
    if exists:
        return None
    s.refresh(row)  # as it stands under the lock (a reversal may have won the race)
    if row.status != "settled":
        return None
    now = Totals(*locked)
    r = recompute(row, spans, now, policy)
    if r is None:
        return None
    a = r.assessment
    after = Totals(now.S + r.delta.S, now.P + r.delta.P, now.R + r.delta.R, now.TP + r.delta.TP)
    answer = answer_json(a, row.year, "settled", "backpay")
    answer |= {
        "maf_pay": format_fen(r.maf_diff),
        "tilt_pay": format_fen(r.tilt_diff),
        "totals_after": totals_json(after),
        "backpay_of": setl_id,
        "trace": [*answer["trace"], _diff_trace(row, r)],
    }
    claim = claim_of_row(row, bp_id)
    extra = {k: row.body[k] for k in _EXTRA_KEYS if k in row.body}
    event = Settled(
        bp_id,
        row.psn_no,
        policy.region,
        "backpay",
        row.institution,
        row.county,
        row.setl_time.date(),
        row.med_type,
        claim.out_of_area,
        r.maf_diff,
        r.tilt_diff,
        setl_id,
    )
    record_settled(
        s,
        raw,
        event,
        {
            "setl_id": bp_id,
            "psn_no": row.psn_no,
            "year": row.year,
            "region": policy.region,
            "source": "backpay",
            "institution": row.institution,
            "body_hash": claim_fingerprint(claim, extra),
            "body": claim_body(claim, extra),
            "setl_time": row.setl_time,
            "begndate": row.begndate,
            "enddate": row.enddate,
            "med_type": row.med_type,
            "identity": a.identity,
            "class_id": a.class_id,
            "reason": a.reason,
            "base": a.base,
            "deductible": a.deductible,
            "maf_pay": r.maf_diff,
            "tilt_pay": r.tilt_diff,
            "d_s": r.delta.S,
            "d_p": r.delta.P,
            "d_r": r.delta.R,
            "d_tp": r.delta.TP,
            "trace": answer["trace"],
            "answer": answer,
            "status": "settled",
            "backpay_of": setl_id,
            "county": row.county,
        },
        (after.S, after.P, after.R, after.TP),
        actor,
        {
            "source": "backpay",
            "maf_pay": answer["maf_pay"],
            "tilt_pay": answer["tilt_pay"],
            "totals_before": totals_json(now),
            "totals_after": answer["totals_after"],
        },
    )
    raw.audit(
        actor,
        "backpay",
        "settlement",
        setl_id,
        {
            "maf_pay": format_fen(row.maf_pay),
            "tilt_pay": format_fen(row.tilt_pay),
            "reason": row.reason,
            "class": row.class_id,
        },
        {
            "backpay_setl_id": bp_id,
            "identity": a.identity,
            "class": a.class_id,
            "maf_pay": answer["maf_pay"],
            "tilt_pay": answer["tilt_pay"],
            "evidence": evidence,
            "article": ARTICLE,
        },
    )
    return answer


def run(
    uow: UnitOfWork,
    policy: RegionPolicy,
    *,
    actor: str,
    evidence: str,
    setl_ids: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Back-pay every candidate (or those named), once each, each in one transaction;
    returns the back-pay answers."""
    evidence = evidence.strip()
    if not evidence:
        raise InputError(
            f"{ARTICLE}: back-pay needs the recognising department's certificate (证明)",
            column="evidence",
        )
    answers: list[dict[str, Any]] = []
    for c in candidates(uow, policy, setl_ids):
        with uow.begin() as s:
            out = backpay_in(s, policy, c.setl_id, actor=actor, evidence=evidence)
        if out is not None:
            answers.append(out)
    return answers
