"""Real-time early warning (calc-contract §11): the hand-worked cases of
tests/unit/warning_cases.py settled one by one through the settlement service give
exactly the rows `jiuzhu warning scan` gives; a reversal takes its share out of the sums."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from settlement_support import add_person
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from warning_cases import CASES, HEAD, Case  # noqa: E402

from jiuzhu.adapters.db.uow import UnitOfWork, audit_trail  # noqa: E402
from jiuzhu.adapters.db.warning_tables import WarningEntry, WarningSums  # noqa: E402
from jiuzhu.policy.loader import RegionPolicy  # noqa: E402
from jiuzhu.policy.money import format_fen  # noqa: E402
from jiuzhu.services.batch.readers import read_claims, read_identities  # noqa: E402
from jiuzhu.services.settlement import reverse, settle  # noqa: E402
from jiuzhu.services.warning.scan import read_medfees  # noqa: E402

FILL = {"yuan": "1000", "ratio": "0.5", "days": "30", "text": "材料"}


def full_policy(region: str, params: dict[str, str]) -> RegionPolicy:
    """The case's parameters, and any value for the benefit numbers the service needs
    (the warning lines do not depend on them)."""
    spec = RegionPolicy.load(region).spec
    cli = dict(params)
    for name, decl in spec.parameters.items():
        if name not in cli:
            cli[name] = decl.choices[0] if decl.choices else FILL[decl.unit]
    return RegionPolicy.load(region, None, cli)


def settle_case(uow: UnitOfWork, case: Case, tmp_path: Path) -> RegionPolicy:
    (tmp_path / "ids.csv").write_text(case.identities, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(case.claims, encoding="utf-8")
    for psn, spans in read_identities(tmp_path / "ids.csv").items():
        add_person(uow, psn, [(s.code, s.begndate, s.enddate) for s in spans])
    policy = full_policy(case.region, case.params)
    claims = read_claims(tmp_path / "claims.csv")
    medfees = read_medfees(tmp_path / "claims.csv", len(claims))
    for i in sorted(range(len(claims)), key=lambda i: claims[i].order_key()):
        m = medfees[i]
        extra = {"medfee_sumamt": format_fen(m)} if m is not None else None
        settle(uow, policy, claims[i], source="one_stop", actor="test", extra=extra)
    return policy


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_realtime_gives_the_scan_rows(uow: UnitOfWork, case: Case, tmp_path: Path) -> None:
    settle_case(uow, case, tmp_path)
    with uow.read() as s:
        rows = sorted(
            (e.psn_no, str(e.year), e.line, e.setl_id, e.identity, format_fen(e.amount))
            for e in s.scalars(select(WarningEntry))
        )
        assert rows == sorted(case.expected)
        for e in s.scalars(select(WarningEntry)):
            assert e.status == "new" and e.trace and e.ref
            assert audit_trail(s, "warning_entry", f"{e.psn_no}/{e.year}/{e.line}")


def test_reversal_takes_the_share_out(uow: UnitOfWork, tmp_path: Path) -> None:
    case = Case(
        "reverse",
        "shuangyashan",
        {"resident_income_prev_year": "30000"},
        "psn_no,identity,begndate,enddate\n",
        HEAD
        # H 6000 (R1), reversed → 0; then 6000 (R2) + 4500 (R3) = 10500 > 10000 at R3,
        # where without the reversal it would have fired at R2 (12000)
        + "R1,Z,2024-03-01 10:00:00,21,2024-03-01,2024-03-02,6000.00,0,0,\n"
        + "R2,Z,2024-04-01 10:00:00,21,2024-04-01,2024-04-02,6000.00,0,0,\n"
        + "R3,Z,2024-05-01 10:00:00,21,2024-05-01,2024-05-02,4500.00,0,0,\n",
        [],
    )
    policy = full_policy(case.region, case.params)
    (tmp_path / "claims.csv").write_text(case.claims, encoding="utf-8")
    add_person(uow, "Z")
    claims = read_claims(tmp_path / "claims.csv")
    settle(uow, policy, claims[0], source="one_stop", actor="t")
    reverse(uow, "R1", actor="t")
    with uow.read() as s:
        assert s.get(WarningSums, ("Z", 2024)).s1 == 0
    settle(uow, policy, claims[1], source="one_stop", actor="t")
    settle(uow, policy, claims[2], source="one_stop", actor="t")
    with uow.read() as s:
        (e,) = s.scalars(select(WarningEntry))
        assert (e.setl_id, e.amount) == ("R3", 10_500_00)
