"""Read models of the staff pages: filtered, paginated lists returning plain views.

Counts stop at ``COUNT_CAP`` (a page of a 5-million-row table must not count them all);
every list is ordered on an index so a page costs the rows it shows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

COUNT_CAP = 10000


def capped_count(session: Session, q: Select[Any]) -> tuple[int, bool]:
    """(matching rows up to COUNT_CAP, whether there are more)."""
    n = session.scalar(select(func.count()).select_from(q.limit(COUNT_CAP + 1).subquery())) or 0
    return min(int(n), COUNT_CAP), int(n) > COUNT_CAP
