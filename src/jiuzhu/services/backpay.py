"""补报 back-pay: settlements paid 0 for want of an identity that arrived late.

宁医保发〔2023〕102号 第十九条: "救助对象发生门诊慢特病或住院之前，相关部门已经认定身份，但由于
信息推送延迟等原因造成未按政策享受医疗救助待遇的情形，医保经办机构根据救助对象身份认定部门出具有关
证明，予以补报。"

A candidate is a stored, non-reversed settlement answered with ``no_identity`` (or an
identity without a class) for which the registry now holds an identity with a class
under the region's rule for the stay's dates. Back-pay recomputes it through the engine
via :func:`jiuzhu.services.settlement.settle` as a new settlement ``<setl_id>-BP``
(source ``backpay``, ``backpay_of`` the original), on the person-year totals as they
stand now (later settlements are not recomputed, as with reversal). The original paid
0, so nothing of it needs reversing. Each original is back-paid at most once: the
``-BP`` settlement is idempotent by ``setl_id`` and candidates already back-paid are
skipped. The recognising department's certificate (证明) is recorded with it and in the
audit trail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.db.repositories import identity_spans, totals_of
from jiuzhu.adapters.db.tables import PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.engine import NO_IDENTITY, PAID, UNCLASSED, Totals, assess, choose_identity
from jiuzhu.domain.errors import Conflict, InputError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import parse_fen
from jiuzhu.services.settlement import settle

ARTICLE = "宁医保发〔2023〕102号 第十九条"
SUFFIX = "-BP"
_EXTRA_KEYS = ("mdtrt_id", "medfee_sumamt")


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
    """What back-pay would pay now (on the current totals)."""


def claim_of(row: Settlement, setl_id: str | None = None) -> Claim:
    """The claim as it was stored (amounts are two-decimal yuan strings in ``body``)."""
    b = row.body
    return Claim(
        setl_id or row.setl_id,
        row.psn_no,
        row.setl_time,
        row.med_type,
        row.begndate,
        row.enddate,
        parse_fen(b["inscp_scp_amt"]),
        parse_fen(b["hifp_pay"]),
        parse_fen(b["hifmi_pay"]),
        parse_fen(b.get("hifob_pay", "0")),
        bool(b.get("out_of_area", 0)),
        bool(b.get("referral", 0)),
        bool(b.get("emergency", 0)),
        bool(b.get("in_province", 1)),
    )


def backpay_id(setl_id: str) -> str:
    return setl_id + SUFFIX


def candidates(
    uow: UnitOfWork, policy: RegionPolicy, setl_ids: list[str] | None = None
) -> list[Candidate]:
    """Settlements due back-pay, in settlement order (calc-contract §3)."""
    out: list[Candidate] = []
    with uow.read() as s:
        done = set(
            s.scalars(select(Settlement.backpay_of).where(Settlement.backpay_of.is_not(None)))
        )
        q = (
            select(Settlement)
            .where(
                Settlement.status == "settled",
                Settlement.reason.in_((NO_IDENTITY, UNCLASSED)),
                Settlement.maf_pay == 0,
                Settlement.tilt_pay == 0,
                Settlement.backpay_of.is_(None),
            )
            .order_by(Settlement.setl_time, Settlement.setl_id)
        )
        if setl_ids:
            q = q.where(Settlement.setl_id.in_(setl_ids))
        spans_cache: dict[str, Any] = {}
        for row in s.scalars(q):
            if row.setl_id in done:
                continue
            spans = spans_cache.get(row.psn_no)
            if spans is None:
                spans = spans_cache[row.psn_no] = identity_spans(s, row.psn_no)
            claim = claim_of(row, backpay_id(row.setl_id))
            terms = policy.terms_on(row.enddate)
            code, cls, _ = choose_identity(claim, spans, terms)
            if cls is None:
                continue
            t = s.get(PersonYearTotals, (row.psn_no, row.year))
            a = assess(claim, spans, totals_of(t) if t else Totals(), terms, trace=False)
            if a.reason != PAID:
                continue  # e.g. a visit type the region does not cover: nothing to back-pay
            out.append(
                Candidate(
                    row.setl_id,
                    row.psn_no,
                    row.setl_time.isoformat(sep=" "),
                    row.year,
                    row.institution,
                    code,
                    cls.id,
                    row.reason,
                    a.maf_pay,
                    a.tilt_pay,
                )
            )
    return out


def run(
    uow: UnitOfWork,
    policy: RegionPolicy,
    *,
    actor: str,
    evidence: str,
    setl_ids: list[str] | None = None,
) -> list[dict[str, Any]]:
    """Back-pay every candidate (or those named), once each; returns the back-pay answers."""
    evidence = evidence.strip()
    if not evidence:
        raise InputError(
            f"{ARTICLE}: back-pay needs the recognising department's certificate (证明)",
            column="evidence",
        )
    answers: list[dict[str, Any]] = []
    for c in candidates(uow, policy, setl_ids):
        with uow.read() as s:
            row = s.get(Settlement, c.setl_id)
            assert row is not None
            claim = claim_of(row, backpay_id(row.setl_id))
            extra = {k: row.body[k] for k in _EXTRA_KEYS if k in row.body}
            institution = row.institution
        try:
            out = settle(
                uow,
                policy,
                claim,
                source="backpay",
                actor=actor,
                institution=institution,
                extra=extra,
                backpay_of=c.setl_id,
            )
        except Conflict:
            continue  # a -BP settlement with another body exists: never pay twice
        if out.replayed:
            continue
        with uow.begin() as s:
            audit(
                s,
                actor,
                "backpay",
                "settlement",
                c.setl_id,
                {"maf_pay": "0.00", "tilt_pay": "0.00", "reason": c.reason_then},
                {
                    "backpay_setl_id": claim.setl_id,
                    "identity": out.answer["identity"],
                    "maf_pay": out.answer["maf_pay"],
                    "tilt_pay": out.answer["tilt_pay"],
                    "evidence": evidence,
                    "article": ARTICLE,
                },
            )
        answers.append(out.answer)
    return answers
