"""The fund's handlers of the money events: each posts its entry in the event's transaction.

Registered in :data:`jiuzhu.services.messagebus.HANDLERS`. Rules of each entry:
:mod:`jiuzhu.domain.journal`; accounts: :func:`jiuzhu.policy.accounts.chart`.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from jiuzhu.adapters.db import journal
from jiuzhu.domain.events import ClawedBack, Paid, Reversed, Settled, Subsidised
from jiuzhu.domain.journal import (
    Entry,
    clawback_entry,
    paid_entry,
    reversal,
    settled_entry,
    subsidy_entry,
)
from jiuzhu.policy.accounts import chart


def post_settled(s: Session, ev: Settled) -> None:
    journal.post(s, settled_entry(ev, chart(ev.region)))


def post_reversed(s: Session, ev: Reversed) -> None:
    """The settlement's entry reversed, line for line, naming it (never changed in place)."""
    original = journal.entry_of(s, "settle", ev.setl_id)
    if original is None:  # pragma: no cover - every settlement has its entry (migration 0901)
        raise AssertionError(f"settlement {ev.setl_id} has no journal entry")
    entry_id, region, lines = original
    journal.post(
        s,
        Entry(
            region,
            ev.day,
            "reverse",
            ev.setl_id,
            f"撤销结算 {ev.setl_id}（冲销凭证 #{entry_id}）",
            reversal(lines),
            reverses=entry_id,
        ),
    )


def post_paid(s: Session, ev: Paid) -> None:
    journal.post(s, paid_entry(ev, chart(ev.region)))


def post_subsidised(s: Session, ev: Subsidised) -> None:
    journal.post(s, subsidy_entry(ev, chart(ev.region)))


def post_clawed_back(s: Session, ev: ClawedBack) -> None:
    journal.post(s, clawback_entry(ev, chart(ev.region)))
