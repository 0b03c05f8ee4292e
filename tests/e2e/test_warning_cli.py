"""`jiuzhu warning scan` end to end (calc-contract §11): the real console script."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit"))
from warning_cases import CASES, HEAD  # noqa: E402

JIUZHU = str(Path(sys.executable).with_name("jiuzhu"))


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    return subprocess.run(
        [JIUZHU, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=300
    )


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_scan_writes_section_11_shape(case, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "ids.csv").write_text(case.identities, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(case.claims, encoding="utf-8")
    params = [a for k, v in case.params.items() for a in ("--param", f"{k}={v}")]
    r = run("warning", "scan", "--region", case.region, "--identities", "ids.csv",
            "--claims", "claims.csv", "--out", "w.csv", *params, cwd=tmp_path)  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = list(csv.reader((tmp_path / "w.csv").open(encoding="utf-8")))
    assert rows[0][:6] == ["psn_no", "year", "line", "setl_id", "identity", "amount"]
    assert [tuple(x[:6]) for x in rows[1:]] == case.expected


def test_bad_input_non_zero_located_nothing_written(tmp_path: Path) -> None:
    (tmp_path / "ids.csv").write_text("psn_no,identity,begndate,enddate\nA,dibao,2024-13-01,\n")
    (tmp_path / "claims.csv").write_text(
        HEAD + "S1,A,2024-01-01 10:00:00,21,2024-01-01,2024-01-01,1.00,0,0,\n"
    )
    r = run("warning", "scan", "--region", "shuangyashan", "--identities", "ids.csv",
            "--claims", "claims.csv", "--out", "w.csv", cwd=tmp_path)  # fmt: skip
    assert r.returncode != 0
    assert "ids.csv" in r.stderr and "line 2" in r.stderr and "begndate" in r.stderr
    assert not (tmp_path / "w.csv").exists()
    (tmp_path / "ids.csv").write_text("psn_no,identity,begndate,enddate\n")
    (tmp_path / "claims.csv").write_text(HEAD.replace("hifmi_pay,", "") + "S1,A,x\n")
    r = run("warning", "scan", "--region", "shuangyashan", "--identities", "ids.csv",
            "--claims", "claims.csv", "--out", "w.csv", cwd=tmp_path)  # fmt: skip
    assert r.returncode != 0 and "column hifmi_pay" in r.stderr and "line 1" in r.stderr
    assert not (tmp_path / "w.csv").exists()
