"""Early warning on the message bus (issue 12): the running sums are a handler of
``Settled`` in the settlement's transaction; a line met is a ``WarningFired`` event,
announced after commit only (a log line without personal data, and a count), never for
a settlement whose transaction rolled back."""

from __future__ import annotations

import ast
import datetime as dt
import logging
import sys
from pathlib import Path

import pytest
from settlement_support import add_person
from sqlalchemy import func, select

sys.path.insert(0, str(Path(__file__).resolve().parent))
from test_warning_realtime import full_policy  # noqa: E402

from jiuzhu.adapters.db.tables import Settlement  # noqa: E402
from jiuzhu.adapters.db.uow import UnitOfWork  # noqa: E402
from jiuzhu.adapters.db.warning_tables import WarningEntry, WarningSums  # noqa: E402
from jiuzhu.domain.claim import Claim  # noqa: E402
from jiuzhu.domain.events import Settled, WarningFired  # noqa: E402
from jiuzhu.services import messagebus  # noqa: E402
from jiuzhu.services import settlement as settlement_module  # noqa: E402
from jiuzhu.services.settlement import SettleClaim, settle, settle_in  # noqa: E402
from jiuzhu.services.warning import handlers as warning  # noqa: E402

PSN = "P64010400000017"
LINE = ("shuangyashan", "sy_10000")


def _claim(setl_id: str, yuan: int, day: int) -> Claim:
    # no identity, no insurance: H = inscp_scp_amt (双鸭山实施办法 第二十五条: H over 10,000)
    d = dt.date(2024, 3, day)
    return Claim(setl_id, PSN, dt.datetime.combine(d, dt.time(10)), "21", d, d, yuan * 100, 0, 0)


class Failed(Exception):
    """The caller's transaction fails after the settlement was written."""


def test_warning_is_a_handler_in_the_one_table() -> None:
    assert warning.on_settled in messagebus.HANDLERS[Settled]
    assert warning.on_fired in messagebus.AFTER_COMMIT[WarningFired]
    assert not any(h is warning.on_fired for hs in messagebus.HANDLERS.values() for h in hs)
    # the settlement names no warning module: it publishes, the bus dispatches
    tree = ast.parse(Path(str(settlement_module.__file__)).read_text(encoding="utf-8"))
    names = [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    names += [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    warning_modules = ("jiuzhu.services.warning", "jiuzhu.domain.warning", "jiuzhu.policy.warning")
    assert not [n for n in names if n.startswith(warning_modules)]


def test_announced_after_commit_only(uow: UnitOfWork, caplog: pytest.LogCaptureFixture) -> None:
    policy = full_policy("shuangyashan", {"resident_income_prev_year": "30000"})
    add_person(uow, PSN)
    count = warning.FIRED[LINE]
    caplog.set_level(logging.INFO, logger="jiuzhu.warning")
    first = _claim("W1", 12_000, 1)

    # rolled back: the line is met inside the transaction, then the transaction fails
    with pytest.raises(Failed), uow.begin() as s:
        settle_in(s, policy, SettleClaim(first, "one_stop", "test"))
        fired = [e for e in messagebus.events_of(s) if isinstance(e, WarningFired)]
        assert fired == [WarningFired("shuangyashan", "sy_10000", "W1", 2024)]
        raise Failed
    assert warning.FIRED[LINE] == count
    assert not [r for r in caplog.records if r.name == "jiuzhu.warning"]
    with uow.read() as s:
        for table in (Settlement, WarningEntry, WarningSums):
            assert s.scalar(select(func.count()).select_from(table)) == 0

    # committed: announced once, naming line, region and settlement, not the person
    settle(uow, policy, first, source="one_stop", actor="test")
    assert warning.FIRED[LINE] == count + 1
    said = [r.getMessage() for r in caplog.records if r.name == "jiuzhu.warning"]
    assert len(said) == 1
    assert all(w in said[0] for w in ("sy_10000", "shuangyashan", "W1", "2024"))
    assert PSN not in said[0]

    # the same body again (a replay) and a later settlement over the line: nothing new
    settle(uow, policy, first, source="one_stop", actor="test")
    settle(uow, policy, _claim("W2", 500, 2), source="one_stop", actor="test")
    assert warning.FIRED[LINE] == count + 1
    assert len([r for r in caplog.records if r.name == "jiuzhu.warning"]) == 1
    with uow.read() as s:
        assert [(e.line, e.setl_id) for e in s.scalars(select(WarningEntry))] == [
            ("sy_10000", "W1")
        ]
