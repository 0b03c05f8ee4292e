"""The one rule of every workflow: a status moves only along its transition table.

Each workflow (monitoring list, check finding, reimbursement application, payment batch,
and the fund's statements and batches) is an enum, its Chinese names and its table; a
step not in the table is refused with both statuses named.
"""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum
from typing import TypeVar

from jiuzhu.domain.errors import JiuzhuError

S = TypeVar("S", bound=StrEnum)


def step(
    table: Mapping[S, frozenset[S]],
    names: Mapping[S, str],
    current: S,
    target: S,
    *,
    what: str,
    error: type[JiuzhuError],
    field: str,
) -> S:
    """``target`` if ``table`` allows it from ``current``; else ``error`` naming both."""
    if target not in table[current]:
        raise error(
            f"{what}状态不能从 {names[current]}（{current}）变为 {names[target]}（{target}）",
            field=field,
        )
    return target
