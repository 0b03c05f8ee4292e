"""`jiuzhu identities|persons|enrol` as a separate process on a temporary SQLite file
(calc-contract §10 set-up commands exit 0; outputs masked; the file holds nothing in clear)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from openpyxl import load_workbook

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from registry_data import HEADER, bad_check_digit, certno, csv_text  # noqa: E402

JIUZHU = str(Path(sys.executable).parent / "jiuzhu")
ROWS = [
    ("P1", certno(1), "张三丰", "dibao", "2024-01-01", ""),
    ("P2", certno(2), "欧阳小明", "tekun", "2024-02-01", ""),
    ("P3", certno(3), "李寻欢", "bianyuan", "2024-03-01", "2025-12-31"),
]
CLEAR = [certno(1), certno(2), certno(3), "张三丰", "欧阳小明", "李寻欢"]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = dict(os.environ)
    e.update(
        JIUZHU_DATABASE_URL=f"sqlite:///{tmp_path / 'jiuzhu.db'}",
        JIUZHU_VAR_DIR=str(tmp_path / "var"),
        JIUZHU_DATA_KEY="ab" * 32,
        COLUMNS="200",
    )
    e.pop("JIUZHU_OPERATOR_FILE", None)
    return e


def jz(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JIUZHU, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def test_registry_cli_end_to_end(env: dict[str, str], tmp_path: Path) -> None:
    assert jz(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    lst = tmp_path / "LIST.csv"
    lst.write_text(csv_text(ROWS, HEADER), encoding="utf-8")
    r = jz(env, "identities", "import", str(lst), "--source", "yibao", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "新增 added" in r.stdout and "│          3 │" in r.stdout

    r = jz(env, "identities", "import", str(lst), "--source", "yibao", cwd=tmp_path)
    assert r.returncode == 0 and "nothing changed" in r.stdout

    bad = tmp_path / "bad.csv"
    bad.write_text(
        csv_text([("P4", bad_check_digit(certno(4)), "赵六", "dibao", "2024-01-01", "")]),
        encoding="utf-8",
    )
    r = jz(env, "identities", "import", str(bad), "--source", "yibao", cwd=tmp_path)
    assert r.returncode == 1
    assert "bad.csv" in r.stderr and "check digit" in r.stderr and "nothing written" in r.stderr

    full = tmp_path / "full.csv"
    full.write_text(csv_text(ROWS[:2], HEADER), encoding="utf-8")
    r = jz(
        env, "identities", "import", str(full), "--source", "yibao", "--full-list",
        "--as-of", "2025-03-01", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0 and "终止 ended" in r.stdout

    r = jz(env, "persons", "search", cwd=tmp_path)
    assert r.returncode == 0
    assert certno(1)[0] + "*" * 16 + certno(1)[-1] in r.stdout and "欧**明" in r.stdout
    r2 = jz(env, "persons", "show", "P3", "--region", "ningxia", "--on", "2025-01-01", cwd=tmp_path)
    assert r2.returncode == 0 and "2025-02-28" in r2.stdout and "★" in r2.stdout

    r3 = jz(env, "enrol", "set", "P1", "--year", "2025", "--status", "elsewhere", cwd=tmp_path)
    assert r3.returncode == 0
    out = tmp_path / "ledger.xlsx"
    r4 = jz(
        env, "enrol", "plan", "--year", "2025", "--region", "shuangyashan",
        "--param", "personal_premium=380", "--out", str(out), cwd=tmp_path,
    )  # fmt: skip
    assert r4.returncode == 0, r4.stderr
    assert "380.00" in r4.stdout and "下一年度" in r4.stdout
    r5 = jz(env, "enrol", "plan", "--year", "2025", "--region", "meizhou", cwd=tmp_path)
    assert r5.returncode != 0 and "personal_premium" in r5.stderr

    wb = load_workbook(out, read_only=True)
    cells = " ".join(
        str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v
    )
    assert "免缴台账" in cells or "人员编号" in cells

    everything = "".join(x.stdout + x.stderr for x in (r, r2, r3, r4, r5)) + cells
    reports = "".join(p.read_text("utf-8-sig") for p in (tmp_path / "var" / "reports").glob("*.*"))
    blob = b"".join(p.read_bytes() for p in tmp_path.glob("jiuzhu.db*"))
    for c in CLEAR:
        assert c not in everything and c not in reports
        assert c.encode() not in blob


def test_overlapping_rows_as_the_contract_sets_up(env: dict[str, str], tmp_path: Path) -> None:
    """calc-contract §10 set-up: `jiuzhu identities import LIST.csv --source yibao` with rows
    of one person and identity that overlap and touch exits 0 and shows the merges (the
    union 2024-01-01–open); the same file again changes nothing. What the service pays on
    such rows is the property test's (tests/integration/test_identity_union_property.py)."""
    assert jz(env, "db", "upgrade", cwd=tmp_path).returncode == 0
    lst = tmp_path / "LIST.csv"
    rows = [
        ("P1", certno(1), "张三丰", "dibao", "2024-01-01", "2024-06-30"),
        ("P1", certno(1), "张三丰", "dibao", "2024-06-01", "2024-09-30"),
        ("P1", certno(1), "张三丰", "dibao", "2024-10-01", ""),
    ]
    lst.write_text(csv_text(rows, HEADER), encoding="utf-8")
    r = jz(env, "identities", "import", str(lst), "--source", "yibao", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert "合并 merged" in r.stdout and "2024-01-01" in r.stdout
    again = jz(env, "identities", "import", str(lst), "--source", "yibao", cwd=tmp_path)
    assert again.returncode == 0 and "无变化" in again.stdout
