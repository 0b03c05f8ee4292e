"""核查发现 as the API answers them, the CLI prints them and the findings page shows them:
``jiuzhu.services.checks``' finding views with the amount in yuan (two decimals). The
workflow's use cases are the service's, each called and its finding shown here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.money import format_fen
from jiuzhu.services.checks import queries, workflow
from jiuzhu.services.checks.queries import FindingView


@dataclass(frozen=True)
class FindingShown:
    """A finding as the front ends show it: the view's fields, the amount in yuan."""

    id: int
    rule: str
    category: str
    article: str
    subject: str
    psn_no: str | None
    setl_id: str | None
    institution: str | None
    amount: str
    evidence: dict[str, Any]
    status: str
    status_zh: str
    assignee: str | None
    resolution: str | None

    def as_dict(self) -> dict[str, Any]:
        """The API's JSON of the finding."""
        return asdict(self)


def shown(v: FindingView) -> FindingShown:
    values = {f.name: getattr(v, f.name) for f in fields(v)}
    return FindingShown(**values | {"amount": format_fen(v.amount)})


# -- the use cases, their findings shown ------------------------------------------------------


def list_findings(
    uow: UnitOfWork,
    *,
    status: str | None = None,
    rule: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[FindingShown]:
    found = queries.list_findings(uow, status=status, rule=rule, limit=limit, offset=offset)
    return [shown(v) for v in found]


def assign(uow: UnitOfWork, fid: int, assignee: str, *, actor: str) -> FindingShown:
    return shown(workflow.assign(uow, fid, assignee, actor=actor))


def investigate(uow: UnitOfWork, fid: int, *, actor: str, note: str | None = None) -> FindingShown:
    return shown(workflow.investigate(uow, fid, actor=actor, note=note))


def resolve(uow: UnitOfWork, fid: int, how: str, *, actor: str, note: str) -> FindingShown:
    return shown(workflow.resolve(uow, fid, how, actor=actor, note=note))


def claw_back(uow: UnitOfWork, fid: int, *, actor: str, note: str) -> FindingShown:
    return shown(workflow.claw_back(uow, fid, actor=actor, note=note))


__all__ = [
    "FindingShown",
    "assign",
    "claw_back",
    "investigate",
    "list_findings",
    "resolve",
    "shown",
]
