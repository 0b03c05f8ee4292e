"""Back-pay (宁医保发〔2023〕102号 第十九条) when a late identity gives a higher class: the
difference is paid once, in one transaction with its audit record (issue 8 item 2)."""

from __future__ import annotations

import datetime as dt
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from settlement_support import D, add_person, totals_consistent
from sqlalchemy import func, select

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import AuditLog, PersonYearTotals, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import backpay
from jiuzhu.services.settlement import settle

POLICY = RegionPolicy.load("ningxia")


def _stay(setl_id: str, psn: str, base_fen: int, day: int = 10) -> Claim:
    return Claim(
        setl_id,
        psn,
        dt.datetime(2024, 6, day, 9),
        "21",
        D(2024, 6, 1),
        D(2024, 6, day),
        base_fen,
        0,
        0,
    )


def test_late_higher_class_pays_the_difference_once(db_url: str) -> None:
    """dibao (class 二, 80%) paid; a tekun recognition (class 一, 100%) valid before the stay
    arrives late. 宁医保发〔2023〕102号 第十四条:
    class 二: base 10,000 × 80% = 8,000.00; rem 2,000 → R 2,000 ≤ 3,000, no tilt.
    class 一: 10,000 × 100% = 10,000.00; rem 0.
    back-pay: 10,000.00 − 8,000.00 = 2,000.00; P after = 10,000.00."""
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    first = settle(uow, POLICY, _stay("S1", "A", 1_000_000), source="one_stop", actor="t")
    assert (first.answer["class"], first.answer["maf_pay"]) == ("二", "8000.00")
    assert backpay.candidates(uow, POLICY) == []  # nothing higher yet
    add_person(uow, "A", [("tekun", D(2024, 5, 1), None)])
    [c] = backpay.candidates(uow, POLICY)
    assert (c.setl_id, c.class_then, c.class_now, c.maf_fen, c.tilt_fen) == (
        "S1",
        "二",
        "一",
        200_000,
        0,
    )
    [ans] = backpay.run(uow, POLICY, actor="clerk", evidence="民政证明〔2024〕9号")
    assert (ans["setl_id"], ans["maf_pay"], ans["tilt_pay"], ans["backpay_of"]) == (
        "S1-BP",
        "2000.00",
        "0.00",
        "S1",
    )
    assert ans["totals_after"]["P"] == "10000.00"
    assert "补报差额" in ans["trace"][-1]["text"] and "第十九条" in ans["trace"][-1]["ref"]
    # once: neither a second run nor the list finds it again
    assert backpay.run(uow, POLICY, actor="clerk", evidence="again") == []
    assert backpay.candidates(uow, POLICY) == []
    with uow.read() as s:
        paid = s.scalar(select(func.sum(Settlement.maf_pay)).where(Settlement.status == "settled"))
        assert paid == 1_000_000
        [a] = s.scalars(select(AuditLog).where(AuditLog.action == "backpay")).all()
        assert a.after["evidence"] == "民政证明〔2024〕9号"  # type: ignore[index]
    assert totals_consistent(uow) == []
    engine.dispose()


def test_higher_class_with_less_tilt_pays_the_net_difference(db_url: str) -> None:
    """宁医保发〔2023〕102号 第十四条, base 50,000:
    class 二: maf 50,000 × 80% = 40,000.00; rem 10,000; over 3,000 → 7,000 × 70% = 4,900.00.
    class 一: maf 50,000.00 (= the cap 5万); rem 0; tilt 0.
    back-pay: maf +10,000.00, tilt −4,900.00 (net 5,100.00); P 50,000, R 0, TP 0 after."""
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "B", [("dibao", D(2024, 1, 1), None)])
    first = settle(uow, POLICY, _stay("T1", "B", 5_000_000), source="one_stop", actor="t")
    assert (first.answer["maf_pay"], first.answer["tilt_pay"]) == ("40000.00", "4900.00")
    add_person(uow, "B", [("guer", D(2024, 6, 5), None)])  # valid on a day of the stay
    [ans] = backpay.run(uow, POLICY, actor="clerk", evidence="证明")
    assert (ans["maf_pay"], ans["tilt_pay"]) == ("10000.00", "-4900.00")
    assert ans["totals_after"] == {"S": "50000.00", "P": "50000.00", "R": "0.00", "TP": "0.00"}
    with uow.read() as s:
        t = s.get(PersonYearTotals, ("B", 2024))
        assert t is not None and (t.p, t.r, t.tp) == (5_000_000, 0, 0)
    assert totals_consistent(uow) == []
    engine.dispose()


def test_no_identity_then_late_identity_still_back_paid(db_url: str) -> None:
    """The original case: paid 0 for want of an identity; tekun 100% of 3,000 = 3,000.00."""
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    add_person(uow, "C")
    settle(uow, POLICY, _stay("N1", "C", 300_000), source="one_stop", actor="t")
    add_person(uow, "C", [("tekun", D(2024, 1, 1), None)])
    [ans] = backpay.run(uow, POLICY, actor="clerk", evidence="证明")
    assert ans["maf_pay"] == "3000.00"
    assert totals_consistent(uow) == []
    engine.dispose()


_CHILD = """
import sys
from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services import backpay
print("ready", flush=True)
backpay.run(UnitOfWork(make_engine(sys.argv[1])), RegionPolicy.load("ningxia"),
            actor="clerk", evidence="证明")
"""


def test_sigkill_during_backpay_leaves_both_or_neither(db_url: str, tmp_path: Path) -> None:
    """Killed at any moment, every back-pay settlement has its back-pay audit record and
    every such record its settlement; the totals equal the settlements' shares."""
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    n = 150
    for i in range(n):
        add_person(uow, f"K{i:03d}")
        settle(uow, POLICY, _stay(f"K{i:03d}", f"K{i:03d}", 100_000), source="one_stop", actor="t")
    for i in range(n):
        add_person(uow, f"K{i:03d}", [("dibao", D(2024, 1, 1), None)])
    script = tmp_path / "child.py"
    script.write_text(_CHILD, "utf-8")
    for delay in (0.3, 0.8):
        p = subprocess.Popen(
            [sys.executable, str(script), db_url],
            stdout=subprocess.PIPE,
            env=os.environ.copy(),
        )
        assert p.stdout is not None and p.stdout.readline().strip() == b"ready"
        time.sleep(delay)
        p.send_signal(signal.SIGKILL)
        p.wait(timeout=30)
        with uow.read() as s:
            bps = set(
                s.scalars(select(Settlement.backpay_of).where(Settlement.backpay_of.is_not(None)))
            )
            audited = set(s.scalars(select(AuditLog.entity_id).where(AuditLog.action == "backpay")))
            settled = set(
                s.scalars(
                    select(AuditLog.entity_id).where(
                        AuditLog.action == "settle", AuditLog.entity_id.like("%-BP")
                    )
                )
            )
        assert bps == audited
        assert settled == {f"{x}-BP" for x in bps}
        assert totals_consistent(uow) == []
    # what the kills left undone is still due, and paid once
    backpay.run(uow, POLICY, actor="clerk", evidence="证明")
    with uow.read() as s:
        assert s.scalar(select(func.count()).where(Settlement.source == "backpay")) == n
    assert totals_consistent(uow) == []
    engine.dispose()
