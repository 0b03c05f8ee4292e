"""Helpers of the settlement tests: persons with identities, keys, clients, bodies."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import func, select

from jiuzhu.adapters.db.tables import AuditLog, Person, PersonIdentity, PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.api_keys import create_api_key

D = dt.date


def add_person(
    uow: UnitOfWork, psn_no: str, spans: Iterable[tuple[str, dt.date, dt.date | None]] = ()
) -> None:
    """A person and identity spans, written straight into the registry tables."""
    with uow.begin() as s:
        p = s.scalar(select(Person).where(Person.psn_no == psn_no))
        if p is None:
            p = Person(psn_no=psn_no)
            s.add(p)
            s.flush()
        for code, b, e in spans:
            s.add(
                PersonIdentity(
                    person_id=p.id, psn_no=psn_no, code=code, begndate=b, enddate=e, source="yibao"
                )
            )


def new_key(uow: UnitOfWork, institution: str = "H00000000001") -> str:
    with uow.begin() as s:
        return create_api_key(s, institution, "test")


def new_staff(
    uow: UnitOfWork, username: str, roles: list[str], password: str = "secret-pw-1"
) -> None:
    with uow.begin() as s:
        create_user(s, username, password, roles, "test")


def body(setl_id: str, psn_no: str = "A", base: str = "30000.00", **kw: Any) -> dict[str, Any]:
    """An inpatient stay in 2024 with ``base`` of policy-scope self-pay (no insurance paid)."""
    out: dict[str, Any] = {
        "setl_id": setl_id,
        "psn_no": psn_no,
        "setl_time": "2024-03-05 10:00:00",
        "med_type": "21",
        "begndate": "2024-03-01",
        "enddate": "2024-03-05",
        "inscp_scp_amt": base,
        "hifp_pay": "0.00",
        "hifmi_pay": "0.00",
    }
    out.update(kw)
    return out


def counts(uow: UnitOfWork) -> tuple[int, int, int]:
    """(settlements, person-year rows, audit entries): to see that nothing was written."""
    with uow.read() as s:
        return (
            s.scalar(select(func.count()).select_from(Settlement)) or 0,
            s.scalar(select(func.count()).select_from(PersonYearTotals)) or 0,
            s.scalar(select(func.count()).select_from(AuditLog)) or 0,
        )


def totals_consistent(uow: UnitOfWork) -> list[str]:
    """Every person-year's stored totals equal the sum of its non-reversed settlements' deltas."""
    problems: list[str] = []
    with uow.read() as s:
        sums = {
            (psn, year): (ds, dp, dr, dtp, n)
            for psn, year, ds, dp, dr, dtp, n in s.execute(
                select(
                    Settlement.psn_no,
                    Settlement.year,
                    func.sum(Settlement.d_s),
                    func.sum(Settlement.d_p),
                    func.sum(Settlement.d_r),
                    func.sum(Settlement.d_tp),
                    func.count(),
                )
                .where(Settlement.status == "settled")
                .group_by(Settlement.psn_no, Settlement.year)
            )
        }
        for t in s.scalars(select(PersonYearTotals)):
            got = (t.s, t.p, t.r, t.tp, t.settlements)
            want = tuple(int(x) for x in sums.pop((t.psn_no, t.year), (0, 0, 0, 0, 0)))
            if got != want:
                problems.append(f"{t.psn_no}/{t.year}: stored {got} != settlements {want}")
        for k, v in sums.items():
            problems.append(f"{k}: settlements {v} without a totals row")
    return problems
