"""Intake of a manual-reimbursement application (零星报销受理).

宁医保发〔2023〕102号 第二十一条: complete, valid and within the policy → accepted, registered,
with a receipt (受理回执); otherwise returned with a one-time notice (一次性告知) of *every*
reason at once. 第二十二条: the materials. 新疆规程 第十七条: 一次告知、一表申请、一窗办成.
Retroactive applications: 梅州规程 第十条（二）、第十二条（三）; 双鸭山实施办法 第十二条.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import func, select

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.reimbursement_tables import ReimbApplication, ReimbClaim
from jiuzhu.adapters.db.repositories import identity_spans, settlement_by_id
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain import engine as eng
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.identity import months_before
from jiuzhu.domain.pii import certno_problem, mask_certno, mask_name, normalise_certno
from jiuzhu.domain.reimbursement_status import COUNTED, ApplicationStatus
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services.reimbursement.common import (
    Staff,
    app_number,
    app_view,
    assess_in_order,
    enc,
    granted_spans,
    mask_account,
    next_number,
    parse_claim,
    parse_day,
)
from jiuzhu.services.reimbursement.deadline import add_working_days
from jiuzhu.services.reimbursement.rules import Rules, rules_for
from jiuzhu.services.reimbursement.views import ApplicationView
from jiuzhu.services.settlement import claim_body

REASON_ZH = {
    eng.NO_IDENTITY: "就医期间无有效医疗救助身份",
    eng.UNCLASSED: "所持身份本地区未规定医疗救助标准",
    eng.NOT_COVERED_VISIT: "医疗类别不属于本地区医疗救助范围",
    eng.NO_REFERRAL: "异地就医未按规定办理转诊备案且非急诊抢救",
}


def _problem(code: str, message: str, ref: str = "", field: str | None = None) -> dict[str, Any]:
    return {"code": code, "message": message, "ref": ref, "field": field}


def _text(raw: dict[str, Any], key: str) -> str | None:
    v = raw.get(key)
    if v is None:
        return None
    s = str(v).strip()
    return s or None


def intake(
    uow: UnitOfWork,
    policy: RegionPolicy,
    raw: dict[str, Any],
    *,
    staff: Staff,
    where: str = "",
    today: dt.date | None = None,
) -> ApplicationView:
    """Register an application: accepted (receipt, deadline) or returned (one-time notice).

    ``raw`` holds ``psn_no``, ``received_on`` (default today), ``materials`` (codes or
    names presented), ``bank_name``/``account_name``/``account_no``, optional ``agent``
    ``{name, certno, relation}``, ``phone``, ``retro`` and ``claims`` (the settlement
    fields of the one-stop path). Malformed input raises :class:`InputError` naming the
    field and writes nothing; missing rules raise ``NotConfigured`` and write nothing.
    """
    staff.require("intake", "受理零星报销申请")
    if not isinstance(raw, dict):
        raise InputError("the application must be an object", file=where or None)
    psn_no = _text(raw, "psn_no")
    if not psn_no:
        raise InputError("missing psn_no", file=where or None, column="psn_no")
    received_on = (
        parse_day(raw["received_on"], where, "received_on")
        if raw.get("received_on")
        else (today or dt.date.today())
    )
    if received_on > (today or dt.date.today()):
        raise InputError(
            f"received_on {received_on} is in the future", file=where or None, column="received_on"
        )
    rules = rules_for(policy, received_on)
    raw_claims = raw.get("claims") or []
    if not isinstance(raw_claims, list):
        raise InputError("claims must be a list", file=where or None, column="claims")
    claims = [parse_claim(c, where, f"claims[{i}]") for i, c in enumerate(raw_claims)]
    presented = [str(m).strip() for m in (raw.get("materials") or []) if str(m).strip()]
    agent = raw.get("agent") or None
    if agent is not None and not isinstance(agent, dict):
        raise InputError("agent must be an object", file=where or None, column="agent")
    retro = bool(raw.get("retro"))

    problems: list[dict[str, Any]] = []
    with uow.begin() as s:
        person = s.scalar(select(Person).where(Person.psn_no == psn_no))
        if person is None:
            problems.append(
                _problem(
                    "unknown_person",
                    f"申请人 {psn_no} 不在医疗救助对象名册中",
                    "宁医保发〔2023〕102号 第二十一条（不符合医疗救助政策范围）",
                    "psn_no",
                )
            )
        problems += _material_problems(rules, presented, agent is not None)
        problems += _agent_problems(agent)
        problems += _bank_problems(raw, rules)
        # retro window and the extra identity it grants
        anchor = window = None
        if retro:
            anchor, window, _codes, rp = _retro_checks(s, policy, rules, psn_no, received_on)
            problems += rp
        account_year = terms_day = None
        if retro and rules.retro and rules.retro.one_account_across_years and claims:
            last = max(claims, key=lambda c: (c.enddate, c.setl_time))
            account_year, terms_day = last.enddate.year, last.enddate
        if not claims:
            problems.append(
                _problem(
                    "no_claims",
                    "未列明申请报销的医疗费用结算（结算单）",
                    rules.materials_ref,
                    "claims",
                )
            )
        problems += _claim_problems(s, claims, psn_no, window)
        # the engine decides what is in scope (identity, visit type, referral)
        in_scope = [
            c
            for c in claims
            if person is not None
            and c.psn_no == psn_no
            and not any(p["field"] == c.setl_id for p in problems)
        ]
        spans = granted_spans(policy, retro, window, anchor)
        if in_scope:
            for c, a in zip(
                in_scope,
                assess_in_order(
                    s,
                    policy,
                    psn_no,
                    in_scope,
                    extra_spans=spans,
                    account_year=account_year,
                    terms_day=terms_day,
                ),
                strict=True,
            ):
                if a.reason in REASON_ZH:
                    problems.append(
                        _problem(
                            a.reason,
                            f"结算 {c.setl_id}（{c.begndate}至{c.enddate}，医疗类别 {c.med_type}）"
                            f"：{REASON_ZH[a.reason]}",
                            a.article or _scope_ref(policy, a.reason, c.enddate),
                            c.setl_id,
                        )
                    )
        accepted = not problems
        year = received_on.year
        app = ReimbApplication(
            app_no=app_number(policy.region, year, next_number(s, policy.region, "app", year)),
            region=policy.region,
            status=ApplicationStatus.IN_REVIEW if accepted else ApplicationStatus.RETURNED,
            psn_no=psn_no,
            applicant_name_enc=person.name_enc if person else None,
            applicant_certno_enc=person.certno_enc if person else None,
            agent_name_enc=enc(_text(agent, "name")) if agent else None,
            agent_certno_enc=enc(_norm(_text(agent, "certno"))) if agent else None,
            agent_certno_hash=(
                get_cipher().lookup_hash(_norm(_text(agent, "certno")) or "")
                if agent and _text(agent, "certno")
                else None
            ),
            agent_relation=_text(agent, "relation") if agent else None,
            phone_enc=enc(_text(raw, "phone")),
            bank_name=_text(raw, "bank_name"),
            account_name_enc=enc(_text(raw, "account_name")),
            account_no_enc=enc((_text(raw, "account_no") or "").replace(" ", "") or None),
            materials=presented,
            problems=problems,
            retro=retro,
            retro_anchor=anchor,
            retro_window_start=window,
            account_year=account_year,
            terms_day=terms_day,
            received_on=received_on,
            deadline_days=rules.deadline_days if accepted else None,
            deadline=add_working_days(received_on, rules.deadline_days) if accepted else None,
            levels=list(rules.levels) if accepted else [],
            current_step=0,
            flow_ref=(
                rules.flow_ref
                if rules.deadline_ref == rules.flow_ref
                else f"{rules.flow_ref}；时限：{rules.deadline_ref}"
            )
            if accepted
            else None,
            claimed_total=sum(c.base for c in claims),
            intake_by=staff.username,
            remarks=_text(raw, "remarks"),
        )
        s.add(app)
        s.flush()
        for i, c in enumerate(claims):
            s.add(
                ReimbClaim(
                    application_id=app.id,
                    seq=i + 1,
                    setl_id=c.setl_id,
                    body=claim_body(c),
                    enddate=c.enddate,
                    base=c.base,
                )
            )
        s.flush()
        audit(
            s,
            staff.actor,
            "intake" if accepted else "return",
            "reimb_application",
            app.app_no,
            None,
            {
                "status": app.status,
                "psn_no": psn_no,
                "received_on": received_on.isoformat(),
                "deadline": app.deadline.isoformat() if app.deadline else None,
                "claims": [c.setl_id for c in claims],
                "claimed_total": format_fen(app.claimed_total),
                "agent_certno": mask_certno(_norm(_text(agent, "certno"))) if agent else None,
                "agent_name": mask_name(_text(agent, "name")) if agent else None,
                "account_no": mask_account(_text(raw, "account_no")),
                "problems": [p["code"] for p in problems],
                "retro": retro,
            },
        )
        return app_view(s, app, today=today)


def _norm(certno: str | None) -> str | None:
    return normalise_certno(certno) if certno else None


def _scope_ref(policy: RegionPolicy, reason: str, day: dt.date) -> str:
    t = policy.terms_on(day)
    return {
        eng.NO_IDENTITY: t.identity_rule_ref,
        eng.NOT_COVERED_VISIT: t.covered_ref,
        eng.NO_REFERRAL: t.referral_ref,
    }.get(reason, "")


def _material_problems(rules: Rules, presented: list[str], agent: bool) -> list[dict[str, Any]]:
    have = set(presented)
    out = []
    for m in rules.required_materials(agent):
        if m.code not in have and m.name not in have:
            out.append(
                _problem("missing_material", f"缺少材料：{m.name}", m.ref, f"materials.{m.code}")
            )
    return out


def _agent_problems(agent: dict[str, Any] | None) -> list[dict[str, Any]]:
    if agent is None:
        return []
    ref = "宁医保发〔2023〕102号 第二十二条 2（代办的同时提供代办人身份证）"
    out = []
    if not _text(agent, "name"):
        out.append(_problem("agent_name", "代办人姓名未填写", ref, "agent.name"))
    certno = _text(agent, "certno")
    if not certno:
        out.append(_problem("agent_certno", "代办人身份证号码未填写", ref, "agent.certno"))
    else:
        why = certno_problem(certno)
        if why:
            out.append(
                _problem(
                    "agent_certno",
                    f"代办人身份证号码 {mask_certno(certno)} 无效：{why}",
                    ref,
                    "agent.certno",
                )
            )
    return out


def _bank_problems(raw: dict[str, Any], rules: Rules) -> list[dict[str, Any]]:
    ref = "宁医保发〔2023〕102号 第二十二条 2（社保卡需开通金融功能，未开通的提供银行卡）"
    out = []
    acct = (_text(raw, "account_no") or "").replace(" ", "")
    if not acct:
        out.append(_problem("account_no", "未提供收款银行账号", ref, "account_no"))
    elif not acct.isdigit() or not 8 <= len(acct) <= 30:
        out.append(
            _problem(
                "account_no", f"收款银行账号 {mask_account(acct)} 格式不正确", ref, "account_no"
            )
        )
    if not _text(raw, "account_name"):
        out.append(_problem("account_name", "未提供收款人（开户名）", ref, "account_name"))
    if not _text(raw, "bank_name"):
        out.append(_problem("bank_name", "未提供开户银行", ref, "bank_name"))
    return out


def _claim_problems(
    s: Any, claims: list[Claim], psn_no: str, window: dt.date | None
) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for c in claims:
        if c.setl_id in seen:
            out.append(_problem("duplicate_claim", f"结算 {c.setl_id} 重复列报", "", c.setl_id))
            continue
        seen.add(c.setl_id)
        if c.psn_no != psn_no:
            out.append(
                _problem(
                    "other_person",
                    f"结算 {c.setl_id} 的人员编号 {c.psn_no} 与申请人 {psn_no} 不一致",
                    "",
                    c.setl_id,
                )
            )
            continue
        done = settlement_by_id(s, c.setl_id)
        if done is not None and done.status == "settled":
            out.append(
                _problem(
                    "already_settled",
                    f"结算 {c.setl_id} 已享受医疗救助（{done.source}，"
                    f"救助金额 {format_fen(done.maf_pay + done.tilt_pay)} 元），不得重复报销",
                    "宁医保发〔2023〕102号 第二十二条（未能“一站式”直接结算的方可申请）",
                    c.setl_id,
                )
            )
            continue
        other = s.scalar(
            select(ReimbApplication.app_no)
            .join(ReimbClaim, ReimbClaim.application_id == ReimbApplication.id)
            .where(
                ReimbClaim.setl_id == c.setl_id,
                ReimbApplication.status.in_(COUNTED),
            )
        )
        if other:
            out.append(
                _problem(
                    "claimed_elsewhere",
                    f"结算 {c.setl_id} 已在申请 {other} 中受理，不得重复申请",
                    "",
                    c.setl_id,
                )
            )
            continue
        if window is not None and c.enddate < window:
            out.append(
                _problem(
                    "outside_retro_window",
                    f"结算 {c.setl_id}（出院/结算 {c.enddate}）早于追溯期起点 {window}",
                    "梅州规程 第十条（二）；双鸭山实施办法 第十二条（前12个月）",
                    c.setl_id,
                )
            )
    return out


def _retro_checks(
    s: Any, policy: RegionPolicy, rules: Rules, psn_no: str, received_on: dt.date
) -> tuple[dt.date | None, dt.date | None, list[str], list[dict[str, Any]]]:
    """(anchor, window start, identity codes granted, problems) of a retro application."""
    r = rules.retro
    if r is None:
        return (
            None,
            None,
            [],
            [
                _problem(
                    "retro_not_in_policy",
                    f"地区 {policy.region} 的政策未规定支出型（因病致贫）对象追溯报销",
                    policy.spec.document.number,
                    "retro",
                )
            ],
        )
    names = "、".join(IDENTITY_CODES[c] for c in r.identities)
    spans = [
        sp
        for sp in identity_spans(s, psn_no)
        if sp.code in r.identities and sp.begndate <= received_on
    ]
    problems: list[dict[str, Any]] = []
    if r.anchor == "recognition":
        if not spans:
            return (
                None,
                None,
                [],
                [_problem("retro_identity", f"未认定为{names}，不能追溯报销", r.ref, "retro")],
            )
        recog = max(spans, key=lambda sp: sp.begndate)
        anchor = recog.begndate
        codes = [recog.code]
    else:
        valid = [sp for sp in spans if sp.valid_on(received_on)]
        if not valid:
            return (
                None,
                None,
                [],
                [
                    _problem(
                        "retro_identity",
                        f"申请之日（{received_on}）未认定为{names}，不能追溯报销",
                        r.ref,
                        "retro",
                    )
                ],
            )
        anchor = received_on
        codes = [valid[0].code]
    window = months_before(anchor, r.months)
    if r.once_per_year:
        year = received_on.year
        n = s.scalar(
            select(func.count())
            .select_from(ReimbApplication)
            .where(
                ReimbApplication.psn_no == psn_no,
                ReimbApplication.region == policy.region,
                ReimbApplication.retro.is_(True),
                ReimbApplication.status.in_(COUNTED),
                ReimbApplication.received_on >= dt.date(year, 1, 1),
                ReimbApplication.received_on <= dt.date(year, 12, 31),
            )
        )
        if n:
            problems.append(
                _problem(
                    "retro_once_a_year",
                    f"{year} 年已受理过追溯报销申请，每年只能申请 1 次",
                    r.ref,
                    "retro",
                )
            )
    return anchor, window, codes, problems
