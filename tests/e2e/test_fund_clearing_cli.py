"""`jiuzhu fund clearing …` and `jiuzhu fund reconcile …` end to end, then `jiuzhu fund
payables` (calc-contract §12) shows "less what was paid to it".

Person B is tekun (class 一, 100% in ningxia, 第十四条（一）): base 1,000 → 1,000.00; base
2,500 → 2,500.00; so H1 is owed 3,500.00 for March 2024. Its statement lists T1 right and
T2 at 2,400.00: one difference; approved with a note and paid 3,500.00 on 2024-04-15.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest
from service_support import JIUZHU, env_for

pytestmark = pytest.mark.slow

LIST = "psn_no,certno,psn_name,identity,begndate,enddate\nB,110101199003078515,李四,tekun,2024-01-01,\n"
CLAIMS = (
    "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,institution\n"
    "T1,B,2024-03-10 10:00:00,21,2024-03-05,2024-03-10,1000.00,0,0,H00000000001\n"
    "T2,B,2024-03-20 10:00:00,21,2024-03-15,2024-03-20,2500.00,0,0,H00000000001\n"
)


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JIUZHU, *args], env=env_for(db_url), capture_output=True, text=True, timeout=120
    )


def _ok(db_url: str, *args: str) -> str:
    out = _run(db_url, *args)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def test_clearing_payment_and_reconciliation(db_url: str, tmp_path: Path) -> None:
    _ok(db_url, "db", "upgrade")
    (tmp_path / "list.csv").write_text(LIST, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    _ok(db_url, "identities", "import", str(tmp_path / "list.csv"), "--source", "yibao")
    _ok(db_url, "keys", "create", "--institution", "H00000000001")
    _ok(db_url, "settlements", "import", str(tmp_path / "claims.csv"))
    detail = tmp_path / "detail.csv"
    detail.write_text(
        "结算ID,医疗费总额,基金支付总额\nT1,1000.00,1000.00\nT2,2500.00,2400.00\n", encoding="utf-8"
    )
    bad = _run(db_url, "fund", "clearing", "submit", "--institution", "H00000000099", "--from", "2024-03-01",
               "--to", "2024-03-31", "--detail", str(detail))  # fmt: skip
    assert bad.returncode != 0 and "unknown hospital" in bad.stderr
    out = _ok(db_url, "fund", "clearing", "submit", "--institution", "H00000000001", "--from", "2024-03-01",
              "--to", "2024-03-31", "--detail", str(detail))  # fmt: skip
    assert "金额不符" in out and "T2" in out
    stmt_no = out.split()[1]
    refused = _run(db_url, "fund", "clearing", "approve", stmt_no)
    assert refused.returncode != 0 and "note" in refused.stderr
    _ok(db_url, "fund", "clearing", "approve", stmt_no, "--note", "T2 以我方为准")
    _ok(db_url, "fund", "clearing", "account", "--institution", "H00000000001", "--account-name", "第一医院",
        "--bank", "工行", "--account-no", "6222020200112233445")  # fmt: skip
    out = _ok(db_url, "fund", "clearing", "batch-create")
    batch_no = next(w for w in out.split() if "-YB-" in w)
    bank = tmp_path / "bank.csv"
    _ok(db_url, "fund", "clearing", "batch-export", batch_no, "--out", str(bank))
    rows = list(csv.reader(bank.read_text(encoding="utf-8-sig").splitlines()))
    assert rows[1][2:7] == ["H00000000001", "第一医院", "工行", "6222020200112233445", "3500.00"]
    _ok(
        db_url,
        "fund",
        "clearing",
        "batch-confirm",
        batch_no,
        "--bank-reference",
        "BK-9",
        "--date",
        "2024-04-15",
    )
    pay = tmp_path / "pay.csv"
    _ok(db_url, "fund", "payables", "--as-of", "2024-04-14", "--out", str(pay))
    assert pay.read_text(encoding="utf-8") == "fixmedins_code,unpaid\nH00000000001,3500.00\n"
    _ok(db_url, "fund", "payables", "--as-of", "2024-12-31", "--out", str(pay))
    assert pay.read_text(encoding="utf-8") == "fixmedins_code,unpaid\n"  # 3,500.00 − 3,500.00
    # the bank shows the payment a day later, under the batch number: it matches
    stmt = tmp_path / "stmt.csv"
    stmt.write_text(f"交易日期,流水号,凭证号,收入金额,支出金额,余额\n2024-04-16,B1,{batch_no},,3500.00,-3500.00\n",
                    encoding="utf-8")  # fmt: skip
    _ok(db_url, "fund", "reconcile", "import-bank", str(stmt), "--account", "1004")
    dup = _run(db_url, "fund", "reconcile", "import-bank", str(stmt), "--account", "1004")
    assert (
        dup.returncode != 0 and "stmt.csv, line 2, column txn_id: duplicate bank line" in dup.stderr
    )
    out = _ok(
        db_url,
        "fund",
        "reconcile",
        "run",
        "--account",
        "1004",
        "--from",
        "2024-04-01",
        "--to",
        "2024-04-30",
    )
    assert "matched 1" in out and "found 0" in out
    _ok(db_url, "fund", "check")
