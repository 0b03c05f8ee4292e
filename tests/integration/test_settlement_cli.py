"""`jiuzhu settlements import / backpay / show` and `jiuzhu keys`, `jiuzhu users`."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from settlement_support import D, add_person, counts, totals_consistent
from sqlalchemy import select
from typer.testing import CliRunner

from jiuzhu.adapters.db.engine import default_engine, make_engine
from jiuzhu.adapters.db.tables import ApiKey, AuditLog, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.config import get_settings

HEADER = "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,institution,mdtrt_id\n"


@pytest.fixture
def cli(db_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[CliRunner, UnitOfWork]]:
    monkeypatch.setenv("JIUZHU_DATABASE_URL", db_url)
    monkeypatch.setenv("JIUZHU_REGION", "ningxia")
    get_settings.cache_clear()
    default_engine.cache_clear()
    from jiuzhu.cli.main import app

    engine = make_engine(db_url)
    runner = CliRunner()
    runner.app = app  # type: ignore[attr-defined]
    yield runner, UnitOfWork(engine)
    engine.dispose()
    default_engine().dispose()
    default_engine.cache_clear()
    get_settings.cache_clear()


def run(r: CliRunner, *args: str) -> tuple[int, str]:
    res = r.invoke(r.app, list(args))  # type: ignore[attr-defined]
    return res.exit_code, res.output


def test_import_in_time_order_once_and_atomic(cli, tmp_path: Path) -> None:
    r, uow = cli
    add_person(uow, "A", [("dibao", D(2023, 1, 1), None)])
    f = tmp_path / "claims.csv"
    # listed out of order: the import applies setl_time order (calc-contract §3), so the
    # 30,000 stay earns 24,000 and the 40,000 stay hits the 50,000 cap with 26,000
    f.write_text(
        HEADER
        + "S2,A,2024-02-05 10:00:00,21,2024-02-01,2024-02-05,40000,0,0,H2,MD2\n"
        + "S1,A,2024-01-05 10:00:00,21,2024-01-01,2024-01-05,30000,0,0,,MD1\n",
        encoding="utf-8",
    )
    code, out = run(r, "settlements", "import", str(f), "--institution", "H9")
    assert code == 0, out
    with uow.read() as s:
        rows = {x.setl_id: x for x in s.scalars(select(Settlement))}
        assert (rows["S1"].maf_pay, rows["S2"].maf_pay) == (2_400_000, 2_600_000)
        assert (rows["S1"].institution, rows["S2"].institution) == ("H9", "H2")
        assert rows["S2"].body["mdtrt_id"] == "MD2" and rows["S1"].source == "import"
    before = counts(uow)
    code, out = run(r, "settlements", "import", str(f), "--institution", "H9")
    assert code == 0 and "2 already stored" in out
    assert counts(uow) == before

    bad = tmp_path / "bad.csv"
    bad.write_text(
        HEADER
        + "S3,A,2024-03-05 10:00:00,21,2024-03-01,2024-03-05,100,0,0,,\n"
        + "S4,A,2024-03-06 10:00:00,21,2024-03-01,2024-03-05,1.234,0,0,,\n",
        encoding="utf-8",
    )
    code, out = run(r, "settlements", "import", str(bad))
    assert code != 0 and "line 3" in out and "inscp_scp_amt" in out
    assert counts(uow) == before
    # a setl_id already stored with another body stops the import before anything is written
    clash = tmp_path / "clash.csv"
    clash.write_text(
        HEADER
        + "S5,A,2024-03-05 10:00:00,21,2024-03-01,2024-03-05,100,0,0,H9,\n"
        + "S1,A,2024-01-05 10:00:00,21,2024-01-01,2024-01-05,30001,0,0,H9,MD1\n",
        encoding="utf-8",
    )
    code, out = run(r, "settlements", "import", str(clash))
    assert code != 0 and "line 3" in out and "setl_id" in out
    assert counts(uow) == before

    code, out = run(r, "settlements", "show", "S2")
    assert code == 0 and "年度救助限额" in out and "宁医保发" in out


def test_backpay_for_a_late_identity_once_and_audited(cli) -> None:
    """宁医保发〔2023〕102号 第十九条: the identity was recognised before the stay but reached
    the agency after it; the stay was paid 0 and is back-paid once with the certificate."""
    r, uow = cli
    add_person(uow, "B")
    import datetime as dt

    from jiuzhu.domain.claim import Claim
    from jiuzhu.policy.loader import RegionPolicy
    from jiuzhu.services.settlement import settle

    policy = RegionPolicy.load("ningxia")
    c = Claim(
        "L1", "B", dt.datetime(2024, 6, 10, 9), "21", D(2024, 6, 1), D(2024, 6, 10), 1_000_000, 0, 0
    )
    assert (
        settle(uow, policy, c, source="one_stop", actor="t", institution="H1").answer["reason"]
        == "no_identity"
    )
    code, out = run(r, "settlements", "backpay", "list")
    assert code == 0 and "共 0 笔" in out
    add_person(uow, "B", [("tekun", D(2024, 5, 1), None)])
    code, out = run(r, "settlements", "backpay", "list")
    assert code == 0 and "L1" in out and "共 1 笔" in out
    code, out = run(r, "settlements", "backpay", "run")
    assert code != 0  # the certificate is required
    code, out = run(r, "settlements", "backpay", "run", "--evidence", "民政证明〔2024〕17号")
    assert code == 0 and "已补报 back-paid 1" in out, out
    with uow.read() as s:
        bp = s.get(Settlement, "L1-BP")
        assert bp is not None
        # tekun, class 一: 100% of 10,000 (宁医保发〔2023〕102号 第十四条)
        assert (bp.source, bp.backpay_of, bp.maf_pay, bp.institution) == (
            "backpay",
            "L1",
            1_000_000,
            "H1",
        )
        trail = s.scalars(select(AuditLog).where(AuditLog.action == "backpay")).all()
        assert len(trail) == 1 and trail[0].after["evidence"] == "民政证明〔2024〕17号"
    before = counts(uow)
    code, out = run(r, "settlements", "backpay", "run", "--evidence", "again")
    assert code == 0 and "已补报 back-paid 0" in out
    assert counts(uow) == before
    assert totals_consistent(uow) == []


def test_keys_and_users(cli) -> None:
    r, uow = cli
    code, out = run(r, "keys", "create", "--institution", "H00000000001")
    assert code == 0
    key = out.strip().splitlines()[-1]
    assert key.startswith("jz_")
    from jiuzhu.adapters.crypto import api_key_hash

    with uow.read() as s:
        row = s.scalar(select(ApiKey).where(ApiKey.key_hash == api_key_hash(key)))
        assert row is not None and row.institution == "H00000000001"
        key_id = row.id
    code, out = run(r, "keys", "list")
    assert code == 0 and "H00000000001" in out and key not in out
    code, out = run(r, "keys", "revoke", str(key_id))
    assert code == 0
    code, out = run(r, "users", "create", "li", "--role", "settlement", "--password", "pw-12345678")
    assert code == 0, out
    code, out = run(r, "users", "create", "wang", "--role", "nosuch", "--password", "pw-12345678")
    assert code != 0 and "nosuch" in out
    code, out = run(r, "users", "list")
    assert code == 0 and "li" in out and "settlement" in out
