"""一站式结算: the hospitals' real-time settlement calls (calc-contract §10).

宁医保发〔2023〕102号 第十五–十六条 (one-stop settlement in and out of the region),
新疆 第十三–十四条, 梅州 第十二条（一）（二）, 双鸭山 第十九条. Every call goes through
:mod:`jiuzhu.services.settlement`, the same path as imports and back-pay.

The colon routes (``/settlements:trial``, ``/settlements/{setl_id}:reverse``) are declared
before ``/settlements/{setl_id}`` and differ from it by method, so they are never captured
as a ``setl_id``.
"""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse, Response
from starlette.concurrency import run_in_threadpool

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, cached_key_principal, current_principal
from jiuzhu.api.schemas import (
    ERROR_RESPONSES,
    PersonYear,
    SettlementAnswer,
    SettlementIn,
    StoredSettlement,
    parse_settlement,
    settlement_request_openapi,
)
from jiuzhu.domain.errors import NotFound, PermissionDenied
from jiuzhu.policy.money import format_fen
from jiuzhu.services import settlement as svc
from jiuzhu.services.browse.person_year import PersonYearView, person_year

router = APIRouter(tags=["一站式结算 settlements"])

SETTLE_ROLES = ("settlement",)


async def caller(request: Request) -> Principal:
    """The caller, from the per-app key cache when possible (no thread hop, no query)."""
    key = request.headers.get("x-api-key")
    if key:
        p = cached_key_principal(request.app, key)
        if p is not None:
            return p
    return await run_in_threadpool(current_principal, request, request.app.state.uow)


def _may_settle(p: Principal, body: SettlementIn) -> str | None:
    """The institution the settlement is recorded under; hospitals only for themselves."""
    if p.kind == "institution":
        if body.fixmedins_code and body.fixmedins_code != p.institution:
            raise PermissionDenied(
                f"fixmedins_code {body.fixmedins_code} is not this key's institution",
                field="fixmedins_code",
            )
        return p.institution
    if not p.has(*SETTLE_ROLES):
        raise PermissionDenied("settling needs the role 'settlement'")
    return body.fixmedins_code


def _own_only(p: Principal) -> str | None:
    """Hospitals see only their own settlements; staff (any role) see all."""
    if p.kind == "institution":
        return p.institution
    if not p.roles:
        raise PermissionDenied("this account has no role")
    return None


def _json(answer: dict[str, Any], status: int = 200, replayed: bool | None = None) -> Response:
    """The answer as ``JSONResponse`` renders it (compact UTF-8), encoded by orjson."""
    headers = (
        {"X-Idempotent-Replay": "true" if replayed else "false"} if replayed is not None else None
    )
    try:
        content = orjson.dumps(answer)
    except TypeError:  # a value orjson does not know: the standard encoder decides
        return JSONResponse(answer, status_code=status, headers=headers)
    return Response(content, status_code=status, headers=headers, media_type="application/json")


@router.post(
    "/api/v1/settlements:trial",
    summary="预结算 trial settlement (writes nothing)",
    description=(
        "The same body and answer as `POST /api/v1/settlements`, computed on the person's "
        "current totals; nothing is written. For a `setl_id` already settled the stored "
        "answer is returned (409 if the body differs)."
    ),
    response_model=SettlementAnswer,
    responses=ERROR_RESPONSES,
    openapi_extra=settlement_request_openapi(),
)
async def trial_settlement(request: Request, p: Principal = Depends(caller)) -> Response:
    body = parse_settlement(await request.body())
    institution = _may_settle(p, body)
    claim = body.to_claim()
    app = request.app
    answer = await run_in_threadpool(
        svc.trial,
        app.state.uow,
        app.state.policy,
        claim,
        institution=institution if p.kind == "institution" else None,
        extra=body.extra(),
    )
    return _json(answer)


@router.post(
    "/api/v1/settlements",
    summary="结算 settle (idempotent by setl_id)",
    description=(
        "Assess and record one settlement after basic and critical-illness insurance; returns "
        "`maf_pay` (医疗救助) and `tilt_pay` (倾斜救助) as two-decimal strings, the person's "
        "totals after it, and the cited trace. The person's year totals are updated in the "
        "same transaction under a row lock, so concurrent settlements of one person never pay "
        "past a cap. The identity is the one the region's rule selects for the stay's dates; "
        "with none the answer is 0 with `reason` `no_identity`.\n\n"
        "Idempotent by `setl_id`: the same body again returns the same answer and changes "
        "nothing (header `X-Idempotent-Replay: true`); another body under a used `setl_id` "
        "is a 409. Amounts may be strings or JSON numbers (parsed exactly, never as binary "
        "floats); flags are 0 or 1."
    ),
    response_model=SettlementAnswer,
    responses=ERROR_RESPONSES,
    openapi_extra=settlement_request_openapi(),
)
async def post_settlement(request: Request, p: Principal = Depends(caller)) -> Response:
    body = parse_settlement(await request.body())
    institution = _may_settle(p, body)
    claim = body.to_claim()
    app = request.app
    cmd = svc.SettleClaim(
        claim, source="one_stop", actor=p.actor, institution=institution, extra=body.extra()
    )
    outcome = await run_in_threadpool(svc.settle_claim, app.state.uow, app.state.policy, cmd)
    return _json(outcome.answer, replayed=outcome.replayed)


@router.post(
    "/api/v1/settlements/{setl_id}:reverse",
    summary="撤销 reverse a settlement",
    description=(
        "Takes the settlement's `maf_pay` and `tilt_pay` (and its share of every running "
        "total S, P, R, TP) out of the person's year totals. **Later settlements of the same "
        "person are not recomputed**: what they were paid stands. Reversing again answers 200 "
        "and changes nothing. A hospital may reverse only its own settlements."
    ),
    response_model=SettlementAnswer,
    responses=ERROR_RESPONSES,
)
async def reverse_settlement(
    setl_id: str, request: Request, p: Principal = Depends(caller)
) -> Response:
    if p.kind != "institution" and not p.has(*SETTLE_ROLES):
        raise PermissionDenied("reversing needs the role 'settlement'")
    answer = await run_in_threadpool(
        svc.reverse,
        request.app.state.uow,
        setl_id,
        actor=p.actor,
        institution=p.institution if p.kind == "institution" else None,
    )
    return _json(answer)


def _get(uow: UnitOfWork, setl_id: str, own: str | None) -> dict[str, Any]:
    out = svc.get_settlement(uow, setl_id)
    if own is not None and out.get("institution") != own:
        raise NotFound(f"no settlement {setl_id}", field="setl_id")
    return out


@router.get(
    "/api/v1/settlements/{setl_id}",
    summary="结算查询 a settlement with its trace",
    response_model=StoredSettlement,
    responses=ERROR_RESPONSES,
)
async def get_settlement(
    setl_id: str, request: Request, p: Principal = Depends(caller)
) -> Response:
    out = await run_in_threadpool(_get, request.app.state.uow, setl_id, _own_only(p))
    return _json(out)


def person_year_out(v: PersonYearView) -> dict[str, Any]:
    """The person-year in the API's shape (amounts as yuan text)."""
    return {
        "psn_no": v.psn_no,
        "year": v.year,
        "totals": {
            "S": format_fen(v.s),
            "P": format_fen(v.p),
            "R": format_fen(v.r),
            "TP": format_fen(v.tp),
        },
        "settlements": [
            {
                "setl_id": r.setl_id,
                "setl_time": r.setl_time.isoformat(sep=" "),
                "med_type": r.med_type,
                "identity": r.identity,
                "class": r.class_id,
                "reason": r.reason,
                "base": format_fen(r.base),
                "maf_pay": format_fen(r.maf_pay),
                "tilt_pay": format_fen(r.tilt_pay),
                "status": r.status,
                "source": r.source,
                "institution": r.institution,
                "backpay_of": r.backpay_of,
            }
            for r in v.settlements
        ],
    }


@router.get(
    "/api/v1/persons/{psn_no}/years/{year}",
    summary="个人年度累计 a person's year: totals and settlements",
    response_model=PersonYear,
    responses=ERROR_RESPONSES,
)
async def get_person_year(
    psn_no: str, year: int, request: Request, p: Principal = Depends(caller)
) -> Response:
    v = await run_in_threadpool(person_year, request.app.state.uow, psn_no, year, _own_only(p))
    return _json(person_year_out(v))
