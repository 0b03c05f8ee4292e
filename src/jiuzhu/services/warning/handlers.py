"""Early warning on the message bus (calc-contract §11; issue 12: one table of handlers).

Three handlers, registered in ``services/messagebus.py``'s tables:

- :func:`on_settled` (``Settled``, in the transaction): the settlement's share of the
  person-year's running sums, and the lines it meets. While the settlement statement is
  being prepared the sums' upsert rides along on it (one round trip on PostgreSQL); its
  row then gives the firings, each recorded on the monitoring list with its audit record
  and published as a :class:`WarningFired` event in the same transaction;
- :func:`on_reversed` (``Reversed``, in the transaction): the reversed settlement's share
  leaves the sums (a line already met stays on the list; the case worker decides);
- :func:`on_fired` (``WarningFired``, after commit): a log line naming the region, the
  line, the settlement and the year — no personal data (psn_no is a person's identifier
  under GB/T 35273-2020 and stays out of logs) — and a count per region and line. A
  rolled-back settlement announces nothing.
"""

from __future__ import annotations

import logging
import threading
from collections import Counter
from typing import Any

from sqlalchemy.orm import Session

from jiuzhu.adapters.db import journal
from jiuzhu.adapters.db.repositories import claim_of_row
from jiuzhu.adapters.db.settlement_sql import Raw, Ride, ride_along
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.domain.events import Reversed, Settled, WarningFired
from jiuzhu.services.warning.realtime import pending, unobserve_settlement

log = logging.getLogger("jiuzhu.warning")

FIRED: Counter[tuple[str, str]] = Counter()
"""Lines met and committed since start, per (region, line)."""
_LOCK = threading.Lock()


def on_settled(s: Session, ev: Settled) -> list[WarningFired]:
    """Add the settlement to the person-year's sums and record the lines it meets."""
    if ev.claim is None or ev.policy is None:
        return []  # figures restated without their claim: nothing to observe
    p = pending(ev.policy, ev.claim, ev.medfee_sumamt, ev.source)
    if p is None:
        return []

    def finish(raw: Raw, row: Any) -> list[WarningFired]:
        return [
            WarningFired(ev.region, f.line, f.setl_id, f.year)
            for f in p.finish(raw, row, ev.identity, ev.actor)
        ]

    if journal.deferred(s):  # the settlement statement is being prepared: ride along
        ride_along(s, Ride(p.statement, finish))
        return []
    raw = Raw(s)
    sql, params = p.statement
    return finish(raw, raw.execute(sql, params).fetchone())


def on_reversed(s: Session, ev: Reversed) -> None:
    """Take the reversed settlement's share out of the sums."""
    row = s.get(Settlement, ev.setl_id)
    if row is None:  # pragma: no cover - Reversed is published for a stored settlement
        raise AssertionError(f"settlement {ev.setl_id} not found")
    unobserve_settlement(Raw(s), row.region, claim_of_row(row), row.body, row.source)


def on_fired(ev: WarningFired) -> None:
    """After commit: say that a line was met, without personal data, and count it."""
    with _LOCK:
        FIRED[(ev.region, ev.line)] += 1
    log.info(
        "预警 warning line %s met: region %s, settlement %s, year %s (on the monitoring list)",
        ev.line,
        ev.region,
        ev.setl_id,
        ev.year,
    )
