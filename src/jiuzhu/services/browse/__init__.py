"""Read models of the staff pages: filtered, paginated lists returning plain views.

Counts stop at ``COUNT_CAP`` (a page of a 5-million-row table must not count them all:
the list says ``1000+`` and the staff narrow the filter);
every list is ordered on an index so a page costs the rows it shows.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

COUNT_CAP = 1000


def prefix_range(column: Any, prefix: str) -> Any:
    """``column`` starts with ``prefix``, in a form an ordinary index serves (a range on
    the column as well as the LIKE, which alone would scan the table under a non-C
    collation)."""
    from sqlalchemy import and_

    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return and_(column >= prefix, column < upper, column.startswith(prefix, autoescape=True))


def capped_count(session: Session, q: Select[Any]) -> tuple[int, bool]:
    """(matching rows up to COUNT_CAP, whether there are more)."""
    n = session.scalar(select(func.count()).select_from(q.limit(COUNT_CAP + 1).subquery())) or 0
    return min(int(n), COUNT_CAP), int(n) > COUNT_CAP
