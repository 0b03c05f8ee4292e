"""核查发现 as the API answers them, the CLI prints them and the findings page shows them:
``jiuzhu.services.checks``' finding views with the amount in yuan (two decimals). The
workflow's use cases are the service's, each called and its finding shown here."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from jiuzhu.policy.money import format_fen
from jiuzhu.services.checks import queries, workflow
from jiuzhu.services.checks.queries import FindingView
from jiuzhu.wire import each, formatted


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


list_findings = formatted(queries.list_findings, each(shown))


assign = formatted(workflow.assign, shown)


investigate = formatted(workflow.investigate, shown)


resolve = formatted(workflow.resolve, shown)


claw_back = formatted(workflow.claw_back, shown)


__all__ = [
    "FindingShown",
    "assign",
    "claw_back",
    "investigate",
    "list_findings",
    "resolve",
    "shown",
]
