"""Simulation over a year of stored settlements (政策测算 on what was really paid).

The year's settlements of a region and the registry's identities of their persons are
read in columns by ``simulate_load`` (the claim's amounts and flags are columns since
migration 0800, the county since 0901): on PostgreSQL one snapshot, read in a few
parts at once, no Python work per settlement. "Paid now" is what was stored:
``maf_pay + tilt_pay`` of each settlement not reversed, plus its back-pay (宁夏 第十九条).
The change is run over the same claims, in settlement order, with the identities the
registry holds now.

A :class:`StoredYear` is loaded once and answers any number of changes: this process
keeps the last year loaded (:func:`cached_year`, keyed by database, region, year and
the stamp of the year's settlements and the registry's identities), so a second change
in the same session — the API server, the web page, a CLI run with several overlays —
costs only the engine.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import text
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.batch import group_kernel as gk
from jiuzhu.services.batch.run import Figures, IdentitySource, compute
from jiuzhu.services.batch.tables import CODES, PolicyTables
from jiuzhu.services.simulate import Run, Simulation, compare, run_policy
from jiuzhu.services.simulate_load import STAMP, Stamp, claim_columns, read_year


@dataclass
class StoredYear:
    """One region-year of stored settlements in columns, with the registry's identities."""

    region: str
    year: int
    claims: cc.ClaimColumns
    identities: IdentitySource
    load_seconds: float  # float ok: wall-clock seconds
    stamp: Stamp = ()
    _runs: dict[int, tuple[RegionPolicy, PolicyTables, Figures]] = field(default_factory=dict)

    @property
    def stored_paid(self) -> np.ndarray:
        return self.claims.cols[cc.STORED_PAID]

    def stored_run(self, now: RegionPolicy) -> Run:
        """The stored payments as a run (classes and periods from the policy now)."""
        hit = self._runs.get(id(now))
        if hit is None or hit[0] is not now:
            r = run_policy(self.claims, self.identities, now, groups_possible=True)
            hit = self._runs[id(now)] = (now, r.tables, r.figures)
        _, tables, f = hit
        paid = self.stored_paid
        stored = Figures(
            f.period, f.code, f.klass, f.reason, f.ded, paid, np.zeros_like(paid),
            f.py_first, f.py_year, f.py_totals,
        )  # fmt: skip
        return Run(tables, stored)

    def simulate(
        self, now: RegionPolicy, changed: RegionPolicy, name: str, *, top: int = 10
    ) -> Simulation:
        a = self.stored_run(now)
        b = run_policy(self.claims, self.identities, changed, groups_possible=True)
        return compare(self.claims, a, b, self.region, name, top=top, county=self.counties())

    def counties(self) -> np.ndarray:
        """Each settlement's county code (a number of 6 digits; -1: none recorded)."""
        return self.claims.cols[cc.COUNTY]

    def recompute(self, policy: RegionPolicy) -> np.ndarray:
        """Each settlement's payment re-run under ``policy`` (input order)."""
        computed = compute(self.claims, self.identities, policy, groups_possible=True)
        assert computed is not None
        return computed[1].maf + computed[1].tilt


def _warm(region: str) -> None:
    """Load the compiled kernels from numba's cache on a tiny year, while the database
    works (best effort: the real run loads whatever this did not)."""
    try:
        claims = claim_columns(b"W1,P1,2024-01-01 10:00:00,21,738885,738885,100,8,80,640104", "")
        persons = cc.identity_columns_of(
            b"psn_no,identity,begndate,enddate\nP1,dibao,2024-01-01,\n", CODES, {}
        )
        source = IdentitySource(None)
        source.persons = persons
        computed = compute(claims, source, RegionPolicy.load(region), groups_possible=True)
        if computed is not None:
            paid = computed[1].maf
            gk.by_label(np.zeros(1, np.int64), 1, claims.order, claims.bounds, 1, paid, paid)
            gk.by_person(claims.order, claims.bounds, 1, paid, paid)
    except Exception:  # noqa: BLE001 - a warm-up only; the run itself reports errors
        log.debug("warm-up of the simulation kernels failed", exc_info=True)


def load_year(session: Session, region: str, year: int) -> StoredYear:
    """The region-year's settlements and their persons' identities, read in columns."""
    t0 = time.perf_counter()
    warm = threading.Thread(target=_warm, args=(region,), daemon=True)
    warm.start()
    claims, persons, stamp = read_year(session, region, year)
    warm.join()
    source = IdentitySource(None)
    source.persons = persons
    return StoredYear(region, year, claims, source, time.perf_counter() - t0, stamp)


log = logging.getLogger(__name__)
_LOADED: dict[tuple[str, str, int], StoredYear] = {}
_LOCK = threading.Lock()


def stamp_of(session: Session, region: str, year: int) -> Stamp:
    row = session.execute(text(STAMP), {"region": region, "year": year}).one()
    return tuple(str(v) for v in row)


def cached_year(uow: UnitOfWork, region: str, year: int) -> StoredYear:
    """The region-year as last loaded by this process, unless a settlement of the year
    was stored or reversed or an identity changed since (then it is loaded again)."""
    with _LOCK, uow.read() as s:
        key = (s.get_bind().engine.url.render_as_string(hide_password=True), region, year)
        hit = _LOADED.get(key)
        if hit is not None and hit.stamp == stamp_of(s, region, year):
            return hit
        _LOADED.clear()  # one year kept: a million settlements are a few hundred MB
        loaded = _LOADED[key] = load_year(s, region, year)
    return loaded
