"""The message bus: ONE table of handlers for the money events (cosmicpython ch. 8–9).

A use case calls :func:`publish` with its open session; the event is appended to the
session (the unit of work's event log) and every handler in :data:`HANDLERS` for its type
runs at once, inside the same transaction — so a settlement, its postings and its
early-warning sums commit or roll back together. A handler may return the events that
follow (a warning line met); they are published in turn. Handlers that must wait for the
commit (notifications) go in :data:`AFTER_COMMIT`; they get the committed events, never a
rolled-back one.

The settlement hot path publishes ``Settled`` *before* it writes the settlement row, so
that what its handlers leave rides in the same statement: a handler reads the event, not
the row (the fund's entries wait in ``journal.defer``; the warning sums' upsert is the one
``settlement_sql.Ride``). Another noun may add its handler with :func:`register`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session

from jiuzhu.domain.events import (
    ClawedBack,
    Event,
    Paid,
    Reimbursed,
    Reversed,
    Settled,
    Subsidised,
    WarningFired,
)
from jiuzhu.services import settlement_day
from jiuzhu.services.fund import handlers as fund
from jiuzhu.services.warning import handlers as warning

Handler = Callable[[Session, Any], Iterable[Event] | None]
AfterCommit = Callable[[Any], None]

HANDLERS: dict[type[Event], list[Handler]] = {
    Settled: [fund.post_settled, warning.on_settled],
    Reversed: [fund.post_reversed, settlement_day.on_reversed, warning.on_reversed],
    Reimbursed: [],  # its claims post as Settled events (source manual)
    Paid: [fund.post_paid],
    Subsidised: [fund.post_subsidised],
    ClawedBack: [fund.post_clawed_back],
    WarningFired: [],  # recorded by on_settled itself (monitoring list, audit)
}
AFTER_COMMIT: dict[type[Event], list[AfterCommit]] = {t: [] for t in HANDLERS}
AFTER_COMMIT[WarningFired] = [warning.on_fired]
_LOG = "events"


def register(event_type: type[Event], handler: Handler, *, after_commit: bool = False) -> None:
    """Add a handler for ``event_type`` (once; in the transaction unless ``after_commit``)."""
    table: dict[type[Event], list[Any]] = AFTER_COMMIT if after_commit else HANDLERS  # type: ignore[assignment]
    hs = table.setdefault(event_type, [])
    if handler not in hs:
        hs.append(handler)


def publish(s: Session, ev: Event) -> None:
    """Append ``ev`` to the open unit of work and run its handlers in the same transaction."""
    s.info.setdefault(_LOG, []).append(ev)
    for h in HANDLERS.get(type(ev), ()):
        for follow in h(s, ev) or ():
            publish(s, follow)


handle = publish
"""cosmicpython's name for :func:`publish`."""


def events_of(s: Session) -> list[Event]:
    """The events published in the session's open transaction so far."""
    return list(s.info.get(_LOG, ()))


@sa_event.listens_for(Session, "after_commit")
def _after_commit(s: Session) -> None:
    for ev in s.info.pop(_LOG, ()):
        for h in AFTER_COMMIT.get(type(ev), ()):
            h(ev)


@sa_event.listens_for(Session, "after_rollback")
def _after_rollback(s: Session) -> None:
    s.info.pop(_LOG, None)
