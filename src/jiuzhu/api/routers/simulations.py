"""政策测算 simulation: a policy change tried on a year of stored settlements.

宁夏 第二十六条 (budget estimates); 双鸭山 第二十九条. The year is loaded once per
process (one query) and kept, so a second change of the same session costs only the
engine; a settlement stored or reversed since then makes the next call load it again.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import Principal, get_uow, require
from jiuzhu.api.schemas import ERROR_RESPONSES
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.overlay import apply_overlay
from jiuzhu.services import audit_log
from jiuzhu.services.simulate import Simulation
from jiuzhu.services.simulate_stored import cached_year

router = APIRouter(
    prefix="/api/v1/simulations", tags=["政策测算 simulation"], responses=ERROR_RESPONSES
)
READERS = ("finance", "auditor", "approval")


class SimulationIn(BaseModel):
    year: int = Field(ge=1990, le=2100)
    change: dict[str, Any] = Field(
        default_factory=dict,
        description="the overlay (classes / tilt / parameters with dated entries), "
        "as in a change file of `jiuzhu simulate --overlay`",
    )
    params: dict[str, str] = Field(
        default_factory=dict, description="parameters under the change (NAME: VALUE)"
    )
    name: str = Field("测算方案", max_length=100)
    top: int = Field(10, ge=0, le=100)


def _json(s: Simulation) -> dict[str, Any]:
    def row(r: Any) -> dict[str, Any]:
        return {
            "key": getattr(r, "key", None) or getattr(r, "psn_masked", None),
            "persons": getattr(r, "persons", None),
            "settlements": r.settlements,
            "paid_now": format_fen(r.paid_now),
            "paid_change": format_fen(r.paid_change),
            "difference": format_fen(r.difference),
        }

    return {
        "region": s.region,
        "change": s.change,
        "settlements": s.settlements,
        "persons": s.persons,
        "paid_now": format_fen(s.paid_now),
        "paid_change": format_fen(s.paid_change),
        "difference": format_fen(s.difference),
        "changed_settlements": s.changed_settlements,
        "by": {k: [row(r) for r in rows] for k, rows in s.by.items()},
        "gainers": [row(m) for m in s.gainers],
        "losers": [row(m) for m in s.losers],
    }


def _run(request: Request, body: SimulationIn, uow: UnitOfWork, p: Principal) -> Simulation:
    now = request.app.state.policy
    changed = apply_overlay(now, body.change, body.name, body.params)
    result = cached_year(uow, now.region, body.year).simulate(now, changed, body.name, top=body.top)
    audit_log.record(uow, p.actor, "simulate", "simulation", f"{now.region}-{body.year}",
                     {"change": body.change, "params": body.params,
                      "difference": result.difference})  # fmt: skip
    return result


@router.post("")
def simulate(
    request: Request,
    body: SimulationIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> dict[str, Any]:
    """The year's stored settlements under the policy now and under the change."""
    return _json(_run(request, body, uow, p))


@router.post(
    ".xlsx",
    response_class=Response,
    responses={
        200: {
            "content": {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": {}
            },
            "description": "the simulation as XLSX",
        }
    },
)
def simulate_xlsx(
    request: Request,
    body: SimulationIn,
    uow: UnitOfWork = Depends(get_uow),
    p: Principal = Depends(require(*READERS)),
) -> Response:
    """The same as XLSX."""
    import tempfile
    from pathlib import Path

    from jiuzhu.services.simulate_report import write_simulation_xlsx

    result = _run(request, body, uow, p)
    with tempfile.TemporaryDirectory() as d:
        data = write_simulation_xlsx(Path(d) / "s.xlsx", result).read_bytes()
    return Response(
        data, media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
