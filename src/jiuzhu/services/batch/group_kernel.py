"""Compiled sums by label and by person, for the simulation's breakdowns (政策测算).

Integer fen in, integer fen out; one pass over the claims in person order.
"""

from __future__ import annotations

import numpy as np

from jiuzhu.services.batch._jit import njit


@njit
def by_label(label, n_labels, order, bounds, n_groups, now, chg):  # type: ignore[no-untyped-def]
    """Per label: persons, settlements, sum of ``now``, sum of ``chg`` (rows 0–3)."""
    out = np.zeros((4, n_labels), np.int64)
    last = np.full(n_labels, -1, np.int64)
    for g in range(n_groups):
        for pos in range(bounds[g], bounds[g + 1]):
            i = order[pos]
            k = label[i]
            if last[k] != g:
                last[k] = g
                out[0, k] += 1
            out[1, k] += 1
            out[2, k] += now[i]
            out[3, k] += chg[i]
    return out


@njit
def by_person(order, bounds, n_groups, now, chg):  # type: ignore[no-untyped-def]
    """Per person: settlements, sum of ``now``, sum of ``chg`` (rows 0–2)."""
    out = np.zeros((3, n_groups), np.int64)
    for g in range(n_groups):
        for pos in range(bounds[g], bounds[g + 1]):
            i = order[pos]
            out[0, g] += 1
            out[1, g] += now[i]
            out[2, g] += chg[i]
    return out
