"""What a policy change would have paid (政策测算): the same settlements under the policy
now and under the change, side by side (双鸭山 第二十九条; 宁夏 第二十六条 budget estimates).

Both runs go through the columnar engine (``services/batch``), which equals the
reference engine to the fen. The figures come back per class, county, month and visit
type (persons, settlements, paid now, paid under the change, difference), with the
persons who gain or lose most (psn_no masked) and the effect on the year's budget.
With no change every settlement gets exactly what it got (a test holds this).

County: a stored settlement carries its county code (the body's, else the person's);
CLAIMS.csv (calc-contract §8) has none, so a simulation over files shows one row
"（未记录 not recorded）".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jiuzhu.domain.errors import InputError, PolicyError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.batch import group_kernel as gk
from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch import readers
from jiuzhu.services.batch.run import Figures, IdentitySource, compute
from jiuzhu.services.batch.tables import PolicyTables

VISIT_ZH = {"inpatient": "住院", "chronic_outpatient": "门诊慢特病", "outpatient": "普通门诊"}
NOT_RECORDED = "（未记录 not recorded）"


class _Paid:
    """What was paid and what the change would pay, in fen (the fields of the dataclass)."""

    paid_now: int
    paid_change: int

    @property
    def difference(self) -> int:
        return self.paid_change - self.paid_now


@dataclass
class Breakdown(_Paid):
    """One row of a breakdown: figures in fen."""

    key: str
    persons: int
    settlements: int
    paid_now: int
    paid_change: int


@dataclass
class Mover(_Paid):
    """A person who gains or loses most (masked)."""

    psn_masked: str
    settlements: int
    paid_now: int
    paid_change: int


@dataclass
class Simulation:
    region: str
    change: str
    settlements: int
    persons: int
    paid_now: int
    paid_change: int
    by: dict[str, list[Breakdown]] = field(default_factory=dict)
    """'class', 'county', 'month', 'visit_type' → rows."""
    gainers: list[Mover] = field(default_factory=list)
    losers: list[Mover] = field(default_factory=list)
    changed_settlements: int = 0

    @property
    def difference(self) -> int:
        return self.paid_change - self.paid_now


def mask_psn(psn: str) -> str:
    """``P6400000004`` → ``P64******04``: enough to find the person in the registry
    by an authorised look-up, not enough to name them in a report."""
    if len(psn) <= 5:
        return "*" * len(psn)
    return psn[:3] + "*" * (len(psn) - 5) + psn[-2:]


@dataclass
class Run:
    """One engine run: the claims, the policy's tables and the figures."""

    tables: PolicyTables
    figures: Figures

    def paid(self) -> np.ndarray:
        return self.figures.maf + self.figures.tilt


def run_policy(
    claims: cc.ClaimColumns,
    identities: IdentitySource,
    policy: RegionPolicy,
    *,
    groups_possible: bool = False,
) -> Run:
    policy.require_parameters()
    computed = compute(claims, identities, policy, groups_possible=groups_possible)
    if computed is None:
        raise PolicyError(
            f"region {policy.region}: the policy could not be laid out for the claims' days "
            "(a value not in force on some day, or a special group whose claims need their "
            "diagnosis); `jiuzhu calc` names the first"
        )
    return Run(*computed)


def read_claims_columns(path: Path) -> cc.ClaimColumns:
    """CLAIMS.csv in columns; a file not in plain form is refused with the reference's
    located error, or (if valid) with a request to write it plainly."""
    claims = cc.read_columns(path)
    if claims is None:
        readers.read_claims(path)  # raises the located error, if there is one
        raise InputError(
            "simulate reads CLAIMS.csv in its plain form (no quotes, cells without spaces, "
            "amounts as 123.45); `jiuzhu calc` accepts this file",
            file=str(path),
        )
    return claims


def simulate(
    claims: cc.ClaimColumns,
    identities: IdentitySource,
    now: RegionPolicy,
    changed: RegionPolicy,
    change_name: str,
    *,
    top: int = 10,
    county: np.ndarray | None = None,
) -> Simulation:
    """Run the claims under ``now`` and under ``changed`` and compare."""
    a = run_policy(claims, identities, now)
    b = run_policy(claims, identities, changed)
    return compare(claims, a, b, now.region, change_name, top=top, county=county)


def _breakdown(
    claims: cc.ClaimColumns, labels: list[str], inv: np.ndarray, now: np.ndarray, chg: np.ndarray
) -> list[Breakdown]:
    rows = gk.by_label(
        inv.astype(np.int64), len(labels), claims.order, claims.bounds, claims.n_groups, now, chg
    )
    return [
        Breakdown(labels[k], int(rows[0, k]), int(rows[1, k]), int(rows[2, k]), int(rows[3, k]))
        for k in range(len(labels))
        if rows[1, k]
    ]


def compare(
    claims: cc.ClaimColumns,
    a: Run,
    b: Run,
    region: str,
    change_name: str,
    *,
    top: int = 10,
    county: np.ndarray | None = None,
) -> Simulation:
    """The two runs side by side; ``county``: each claim's county code (-1: none)."""
    now = a.paid()
    chg = b.paid()
    c = claims.cols
    strings = a.tables.strings.texts
    f = a.figures
    # class: the class under the policy now ('' when none applies)
    cls_text = np.where(f.klass >= 0, a.tables.class_text[f.period, np.maximum(f.klass, 0), 0], 0)
    uniq, inv = np.unique(cls_text, return_inverse=True)
    by: dict[str, list[Breakdown]] = {
        "class": _breakdown(
            claims, [strings[int(s)] or "（无救助类别 none）" for s in uniq], inv, now, chg
        )  # fmt: skip
    }
    months = (c[cc.YEAR] * 100 + _month_of(c[cc.END])).astype(np.int64)
    uniq, inv = np.unique(months, return_inverse=True)
    by["month"] = _breakdown(
        claims, [f"{m // 100:04d}-{m % 100:02d}" for m in uniq.tolist()], inv, now, chg
    )
    by["visit_type"] = _breakdown(
        claims, [f"{VISIT_ZH[v]} {v}" for v in rk.VISIT_TYPES], c[cc.VT], now, chg
    )
    if county is None:
        county = np.full(claims.n, -1, np.int64)
    uniq, inv = np.unique(county, return_inverse=True)
    labels = [f"{x:06d}" if x >= 0 else NOT_RECORDED for x in uniq.tolist()]
    by["county"] = _breakdown(claims, labels, inv, now, chg)
    per = gk.by_person(claims.order, claims.bounds, claims.n_groups, now, chg)
    per_n, per_now, per_chg = per[0], per[1], per[2]
    diff = per_chg - per_now
    first = claims.first_rows()

    def movers(idx: np.ndarray, sign: int) -> list[Mover]:
        return [
            Mover(
                mask_psn(claims.text(int(first[g]), cc.PSN0)),
                int(per_n[g]),
                int(per_now[g]),
                int(per_chg[g]),
            )
            for g in idx.tolist()
            if diff[g] * sign > 0
        ]

    order = np.argsort(diff, kind="stable")
    return Simulation(
        region=region,
        change=change_name,
        settlements=claims.n,
        persons=claims.n_groups,
        paid_now=int(now.sum()),
        paid_change=int(chg.sum()),
        by=by,
        gainers=movers(order[::-1][:top], 1),
        losers=movers(order[:top], -1),
        changed_settlements=int((now != chg).sum()),
    )


def _month_of(ordinals: np.ndarray) -> np.ndarray:
    """Month (1–12) of each day ordinal."""
    days = ordinals.astype("int64") - 719163  # ordinal of 1970-01-01
    d = days.astype("datetime64[D]")
    return (d.astype("datetime64[M]").astype(np.int64) % 12 + 1).astype(np.int64)
