"""The message bus: ONE table of handlers for the money events (cosmicpython ch. 8–9).

A use case calls :func:`publish` with its open session; the event is appended to the
session (the unit of work's event log) and every handler in :data:`HANDLERS` for its type
runs at once, inside the same transaction — so a settlement and its postings commit or
roll back together. Handlers that must wait for the commit (notifications, warnings that
call out) go in :data:`AFTER_COMMIT`; they get the committed events, never a rolled-back one.

Another noun adds its handler with :func:`register` (e.g. early warnings on ``Settled``).
The settlement hot path publishes ``Settled`` *before* it writes the settlement row, so
that the postings ride in the same statement: a handler reads the event, not the row.
"""

from __future__ import annotations

from collections.abc import Callable
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
)
from jiuzhu.services import settlement_day
from jiuzhu.services.fund import handlers as fund

Handler = Callable[[Session, Any], None]
AfterCommit = Callable[[Any], None]

HANDLERS: dict[type[Event], list[Handler]] = {
    Settled: [fund.post_settled],
    Reversed: [fund.post_reversed, settlement_day.on_reversed],
    Reimbursed: [],  # its claims post as Settled events (source manual)
    Paid: [fund.post_paid],
    Subsidised: [fund.post_subsidised],
    ClawedBack: [fund.post_clawed_back],
}
AFTER_COMMIT: dict[type[Event], list[AfterCommit]] = {t: [] for t in HANDLERS}
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
        h(s, ev)


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
