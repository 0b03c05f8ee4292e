"""监测名单 as the API answers it, the CLI prints it and the list page shows it: the entry
views of ``jiuzhu.services.warning`` with the amount and the threshold in yuan (two
decimals) and the time ``YYYY-MM-DD HH:MM:SS``. The use cases are the service's."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

from jiuzhu.policy.money import format_fen
from jiuzhu.services.warning import queries, watch
from jiuzhu.services.warning.queries import EntryView
from jiuzhu.wire import each, formatted


@dataclass(frozen=True)
class EntryShown:
    """An entry as the front ends show it: the view's fields, amounts and time as text."""

    id: int
    region: str
    psn_no: str
    year: int
    line: str
    setl_id: str
    identity: str
    amount: str
    threshold: str
    sums: dict[str, Any]
    trace: list[Any]
    ref: str
    departments: list[Any]
    status: str
    status_zh: str
    note: str | None
    created_at: str

    def as_dict(self) -> dict[str, Any]:
        """The API's JSON of the entry."""
        return asdict(self)


def shown(v: EntryView) -> EntryShown:
    values = {f.name: getattr(v, f.name) for f in fields(v)}
    return EntryShown(
        **values
        | {
            "amount": format_fen(v.amount),
            "threshold": format_fen(v.threshold),
            "created_at": v.created_at.isoformat(sep=" ", timespec="seconds"),
        }
    )


# -- the use cases, their entries shown -------------------------------------------------------


list_entries = formatted(queries.list_entries, each(shown))


get_entry = formatted(queries.get_entry, shown)


set_status = formatted(watch.set_status, shown)


__all__ = ["EntryShown", "get_entry", "list_entries", "set_status", "shown"]
