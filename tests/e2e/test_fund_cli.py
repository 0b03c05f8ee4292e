"""calc-contract §12 end to end: the §10 set-up, settlements over HTTP, a reversal, a
claw-back; then `jiuzhu fund trial-balance` and `jiuzhu fund payables` read the books.

The figures are calc-contract §9's worked example (ningxia, person A dibao all year):
  S1 base 30,000 → maf 24,000.00 tilt  2,100.00 (26,100.00)
  S2 base 40,000 → maf 26,000.00 tilt  9,800.00 (35,800.00)
  S3 base 20,000 → maf      0.00 tilt 14,000.00 (14,000.00)
and person B (tekun, class 一, 100%) at a second hospital: base 1,000 → maf 1,000.00.
"""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import httpx
import pytest
from service_support import JIUZHU, Server, env_for

pytestmark = pytest.mark.slow

LIST = (
    "psn_no,certno,psn_name,identity,begndate,enddate\n"
    "A,11010519491231002X,张三,dibao,2024-01-01,\n"
    "B,110101199003078515,李四,tekun,2024-01-01,\n"
)


def _run(db_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JIUZHU, *args], env=env_for(db_url), capture_output=True, text=True, timeout=120
    )


def _ok(db_url: str, *args: str) -> str:
    out = _run(db_url, *args)
    assert out.returncode == 0, out.stdout + out.stderr
    return out.stdout


def _claim(setl_id: str, psn: str, day: str, base: str) -> dict[str, object]:
    return {
        "setl_id": setl_id,
        "psn_no": psn,
        "setl_time": f"{day} 10:00:00",
        "med_type": "21",
        "begndate": day,
        "enddate": day,
        "inscp_scp_amt": base,
        "hifp_pay": 0,
        "hifmi_pay": 0,
    }


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def _books(db_url: str, tmp: Path, as_of: str) -> tuple[list[dict[str, str]], dict[str, str]]:
    tb, pay = tmp / f"tb-{as_of}.csv", tmp / f"pay-{as_of}.csv"
    _ok(db_url, "fund", "trial-balance", "--as-of", as_of, "--out", str(tb))
    _ok(db_url, "fund", "payables", "--as-of", as_of, "--out", str(pay))
    assert tb.read_text(encoding="utf-8").startswith("account_code,account_name,debit,credit\n")
    assert pay.read_text(encoding="utf-8").startswith("fixmedins_code,unpaid\n")
    return _csv(tb), {r["fixmedins_code"]: r["unpaid"] for r in _csv(pay)}


def test_contract_12_trial_balance_and_payables(db_url: str, tmp_path: Path) -> None:
    _ok(db_url, "db", "upgrade")
    (tmp_path / "list.csv").write_text(LIST, encoding="utf-8")
    _ok(db_url, "identities", "import", str(tmp_path / "list.csv"), "--source", "yibao")
    key1 = _ok(db_url, "keys", "create", "--institution", "H00000000001").strip().splitlines()[-1]
    key2 = _ok(db_url, "keys", "create", "--institution", "H00000000002").strip().splitlines()[-1]
    srv = Server(db_url, tmp_path / "serve.log")
    try:
        srv.wait_ready()
        with httpx.Client(base_url=srv.base, headers={"X-API-Key": key1}, timeout=10) as c:
            for sid, day, base in (
                ("S1", "2024-02-01", "30000"),
                ("S2", "2024-05-01", "40000"),
                ("S3", "2024-08-01", "20000"),
            ):
                assert (
                    c.post("/api/v1/settlements", json=_claim(sid, "A", day, base)).status_code
                    == 200
                )
            assert c.post("/api/v1/settlements/S3:reverse").status_code == 200
            assert c.post("/api/v1/settlements/S3:reverse").status_code == 200  # no second entry
        with httpx.Client(base_url=srv.base, headers={"X-API-Key": key2}, timeout=10) as c:
            r = c.post("/api/v1/settlements", json=_claim("T1", "B", "2024-03-10", "1000"))
            assert r.status_code == 200 and r.json()["maf_pay"] == "1000.00"
    finally:
        srv.stop()

    # before S2: S1 26,100.00 at H1; T1 1,000.00 at H2
    _, pay = _books(db_url, tmp_path, "2024-03-31")
    assert pay == {"H00000000001": "26100.00", "H00000000002": "1000.00"}
    # S3 (14,000.00) reversed: 26,100.00 + 35,800.00 = 61,900.00
    tb, pay = _books(db_url, tmp_path, "2024-12-31")
    assert pay == {"H00000000001": "61900.00", "H00000000002": "1000.00"}
    by_code = {r["account_code"]: (r["account_name"], r["debit"], r["credit"]) for r in tb}
    # 住院: 24,000 + 26,000 + 0 (S1, S2, S3) + 1,000 (T1) = 51,000.00
    assert by_code["500101"] == ("医疗救助支出—住院", "51000.00", "0.00")
    # 倾斜: 2,100 + 9,800 + 14,000 = 25,900.00 debit; S3's reversal 14,000.00 credit
    assert by_code["500104"] == ("医疗救助支出—倾斜救助", "25900.00", "14000.00")
    # 应付: 26,100 + 35,800 + 14,000 + 1,000 = 76,900.00 credit; reversal 14,000.00 debit
    assert by_code["210101"] == ("暂收款—应付定点医药机构", "14000.00", "76900.00")
    assert sum(int(r["debit"].replace(".", "")) for r in tb) == sum(
        int(r["credit"].replace(".", "")) for r in tb
    )

    # claw-back of 1,000.00 from H1 on 2024-09-01: 61,900.00 − 1,000.00 = 60,900.00
    _ok(db_url, "fund", "claw-back", "--institution", "H00000000001", "--amount", "1000",
        "--document", "ZH-2024-1", "--reason", "违规收费", "--setl-id", "S2", "--date", "2024-09-01")  # fmt: skip
    _, pay = _books(db_url, tmp_path, "2024-12-31")
    assert pay == {"H00000000001": "60900.00", "H00000000002": "1000.00"}
    _, pay = _books(db_url, tmp_path, "2024-08-31")
    assert pay["H00000000001"] == "61900.00"
    # the same document again: refused, nothing written
    again = _run(db_url, "fund", "claw-back", "--institution", "H00000000001", "--amount", "1",
                 "--document", "ZH-2024-1", "--reason", "x", "--date", "2024-09-02")  # fmt: skip
    assert again.returncode != 0 and "ZH-2024-1" in again.stderr
    _ok(db_url, "fund", "check")


def test_fund_commands_refuse_bad_input(db_url: str, tmp_path: Path) -> None:
    _ok(db_url, "db", "upgrade")
    out = _run(
        db_url, "fund", "trial-balance", "--as-of", "2024-13-01", "--out", str(tmp_path / "x.csv")
    )
    assert out.returncode != 0 and "--as-of" in out.stderr
    assert not (tmp_path / "x.csv").exists()
    out = _run(db_url, "fund", "claw-back", "--institution", "HX", "--amount", "-5",
               "--document", "D", "--reason", "r")  # fmt: skip
    assert out.returncode != 0 and "amount" in out.stderr
    out = _run(db_url, "fund", "claw-back", "--institution", "HX", "--amount", "5",
               "--document", "D", "--reason", "r")  # fmt: skip
    assert out.returncode != 0 and "HX" in out.stderr
