"""Properties of the books (hypothesis), on SQLite and PostgreSQL: for any sequence of
settlements, reversals, manual reimbursements, subsidies, claw-backs and hospital
payments, every entry balances, the trial balance balances, every settlement has its
entry, and each hospital's payable equals its unpaid settlements — the maf_pay + tilt_pay
of its settlements less reversals, claw-backs and payments (calc-contract §12)."""

from __future__ import annotations

import datetime as dt
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from settlement_support import D, add_person
from sqlalchemy import select

from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.events import Paid, PaidLine, Subsidised
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import messagebus
from jiuzhu.services.fund import commands
from jiuzhu.services.fund.queries import findings, payables, receivables, trial_balance
from jiuzhu.services.settlement import reverse, settle

NX = RegionPolicy.load("ningxia")
_RUN = itertools.count()
IDENTITIES = ("tekun", "dibao", "jiance")

op = st.one_of(
    st.tuples(st.just("settle"), st.integers(0, 2), st.integers(1, 4_000_000), st.integers(0, 200),
              st.sampled_from(("21", "14", "11"))),
    st.tuples(st.just("manual"), st.integers(1, 900_000), st.integers(0, 200)),
    st.tuples(st.just("reverse"), st.integers(0, 50)),
    st.tuples(st.just("claw"), st.integers(0, 50), st.integers(1, 100)),
    st.tuples(st.just("pay"), st.integers(0, 2), st.integers(1, 100)),
    st.tuples(st.just("subsidy"), st.integers(-50_000, 500_000), st.sampled_from(("640104", "640105", None))),
)  # fmt: skip


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(op, min_size=1, max_size=14))
def test_books_hold_for_any_sequence(uow: UnitOfWork, ops: list[tuple]) -> None:  # type: ignore[type-arg]
    run = next(_RUN)
    hospitals = [f"HP{run:04d}{i}" for i in range(3)]
    psn = f"PP{run:05d}"
    add_person(uow, psn, [(IDENTITIES[run % 3], D(2024, 1, 1), None)])
    owed = dict.fromkeys(hospitals, 0)  # the model: what each hospital is owed
    setls: list[tuple[str, str | None, int]] = []  # (setl_id, hospital, maf + tilt)
    reversed_: set[str] = set()
    n = itertools.count()
    for o in ops:
        kind = o[0]
        if kind in ("settle", "manual"):
            sid = f"PS{run:04d}-{next(n)}"
            h = hospitals[o[1]] if kind == "settle" else None
            base, days = (o[2], o[3]) if kind == "settle" else (o[1], o[2])
            day = D(2024, 1, 1) + dt.timedelta(days=days)
            med = o[4] if kind == "settle" else "21"
            claim = Claim(sid, psn, dt.datetime.combine(day, dt.time(9)), med, day, day, base, 0, 0)
            settle(uow, NX, claim, source="one_stop" if h else "manual", actor="p", institution=h)
            with uow.read() as s:
                row = s.execute(
                    select(Settlement.maf_pay, Settlement.tilt_pay).where(Settlement.setl_id == sid)
                ).one()
            paid = int(row[0]) + int(row[1])
            setls.append((sid, h, paid))
            if h:
                owed[h] += paid
        elif kind == "reverse" and setls:
            sid, h, paid = setls[o[1] % len(setls)]
            reverse(uow, sid, actor="p")
            if h and sid not in reversed_:
                owed[h] -= paid
            reversed_.add(sid)
        elif kind == "claw" and setls:
            sid, h, paid = setls[o[1] % len(setls)]
            amount = paid * o[2] // 100
            if h and amount > 0:
                doc = f"CB{run:04d}-{next(n)}"
                commands.claw_back(uow, commands.ClawBack("ningxia", h, amount, doc, "稽核", D(2024, 9, 1), sid),
                                   actor="p")  # fmt: skip
                owed[h] -= amount
        elif kind == "pay":
            h = hospitals[o[1]]
            amount = owed[h] * o[2] // 100
            if amount > 0:
                with uow.begin() as s:
                    messagebus.publish(
                        s, Paid(f"PB{run:04d}-{next(n)}", "ningxia", D(2024, 10, 1),
                                (PaidLine("hospital", h, amount, "640104"),))
                    )  # fmt: skip
                owed[h] -= amount
        elif kind == "subsidy" and o[1] != 0:
            with uow.begin() as s:
                messagebus.publish(
                    s,
                    Subsidised(
                        f"ZZ{run:04d}-{next(n)}", "ningxia", 2024, o[2], 3, o[1], D(2024, 2, 1)
                    ),
                )
    assert findings(uow) == []  # every entry and the trial balance balance; every settlement posted
    tb = trial_balance(uow, D(2099, 1, 1))
    assert sum(r.debit for r in tb) == sum(r.credit for r in tb)
    book = {p.fixmedins_code: p.unpaid for p in payables(uow, D(2099, 1, 1))}
    book.update({p.fixmedins_code: -p.unpaid for p in receivables(uow, D(2099, 1, 1))})
    assert {h: book.get(h, 0) for h in hospitals} == owed
