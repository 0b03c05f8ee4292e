"""`jiuzhu calc` end to end: the real console script in a subprocess (calc-contract §8).

Good input gives RESULTS.csv in input order with two-decimal amounts; ``--explain``
prints the Chinese trace with its articles; ``--totals-out``/``--totals-in`` carry a
year across runs. Every kind of bad input of §8 ends with a non-zero status, a message
naming the file, the line and the column, and no output file.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

JIUZHU = str(Path(sys.executable).with_name("jiuzhu"))

IDENTITIES = """\
psn_no,identity,begndate,enddate
A,dibao,2024-01-01,2024-12-31
B,bianyuan,2023-05-01,
"""

# calc-contract §9 (person A) in an input order that is not the settlement order, and
# person B (宁医保发〔2023〕102号 第十四条（三）: deductible 3,000, 70%), with extra columns
CLAIMS = """\
setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,hifob_pay,out_of_area,referral,emergency,in_province,note
A3,A,2024-08-01 10:00:00,21,2024-07-20,2024-07-30,20000.00,0,0,,0,0,0,1,third
B1,B,2024-03-01 09:00:00,14,2024-03-01,2024-03-01,4000.5,0.00,0.00,0,0,0,0,1,
A1,A,2024-02-01 10:00:00,21,2024-01-20,2024-01-30,52000.00,15000.00,5000.00,2000.00,0,0,0,1,first
A2,A,2024-05-01 10:00:00,21,2024-04-20,2024-04-30,65000,25000.00,0.00,0,1,1,0,1,second
B2,B,2024-06-01 09:00:00,11,2024-06-01,2024-06-01,100.00,0,0,0,0,0,0,1,
"""
HEADER = CLAIMS.splitlines()[0]


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env["COLUMNS"] = "200"
    return subprocess.run(
        [JIUZHU, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


@pytest.fixture
def work(tmp_path: Path) -> Path:
    (tmp_path / "identities.csv").write_text(IDENTITIES, encoding="utf-8")
    (tmp_path / "claims.csv").write_text(CLAIMS, encoding="utf-8")
    return tmp_path


def calc(work: Path, *extra: str, region: str = "ningxia", out: str = "results.csv"):
    return run(
        "calc", "--region", region, "--identities", "identities.csv", "--claims", "claims.csv",
        "--out", out, *extra, cwd=work,
    )  # fmt: skip


def rows(path: Path) -> list[list[str]]:
    return [line.split(",") for line in path.read_text(encoding="utf-8").splitlines()]


def test_results_in_input_order_with_two_decimals(work: Path) -> None:
    r = calc(work, "-q")
    assert r.returncode == 0, r.stderr
    table = rows(work / "results.csv")
    assert table[0][:5] == ["setl_id", "psn_no", "identity", "maf_pay", "tilt_pay"]
    assert [t[:5] for t in table[1:]] == [
        # §9 row 3: 20,000 × 80% = 16,000 > cap left 0 → 0; tilt 20,000 × 70% = 14,000
        ["A3", "A", "dibao", "0.00", "14000.00"],
        # B1: 4,000.50 − deductible 3,000 = 1,000.50 × 70% = 700.35
        ["B1", "B", "bianyuan", "700.35", "0.00"],
        # §9 row 1: 52,000 − 15,000 − 5,000 − 2,000 = 30,000 → 24,000; tilt 2,100
        ["A1", "A", "dibao", "24000.00", "2100.00"],
        # §9 row 2: 65,000 − 25,000 = 40,000 → 26,000 (cap); tilt 9,800 (referred, 第十三条)
        ["A2", "A", "dibao", "26000.00", "9800.00"],
        # B2: 普通门诊 is not covered in ningxia (第十三条); identity still reported
        ["B2", "B", "bianyuan", "0.00", "0.00"],
    ]
    for t in table[1:]:
        assert re.fullmatch(r"\d+\.\d{2}", t[3]) and re.fullmatch(r"\d+\.\d{2}", t[4])
    assert sorted(os.listdir(work)) == ["claims.csv", "identities.csv", "results.csv"]


def test_summary_table_on_stderr(work: Path) -> None:
    r = calc(work)
    assert r.returncode == 0, r.stderr
    assert "5 笔结算" in r.stderr and "50700.35" in r.stderr and "25900.00" in r.stderr


def test_explain_prints_the_trace_with_articles(work: Path) -> None:
    r = calc(work, "-q", "--explain", "A2")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "结算 A2" in out and "医疗救助 26000.00" in out and "倾斜救助 9800.00" in out
    for text in (
        "宁医保发〔2023〕102号 第十二条",  # identity during the stay
        "宁医保发〔2023〕102号 第十四条（二）",  # class 二, 80%, cap
        "calc-contract §2",  # the base
        "救助基数",
        "年度救助限额",
        "触及年度限额",
        "倾斜救助",
        "依据：",
    ):
        assert text in out, text
    assert "40000.00 × 80% = 32000.00" in out
    # the explained claim is still written with the others
    assert [t[0] for t in rows(work / "results.csv")[1:]] == ["A3", "B1", "A1", "A2", "B2"]


def test_explain_without_out_and_of_an_uncovered_claim(work: Path) -> None:
    r = run(
        "calc", "--region", "ningxia", "--identities", "identities.csv", "--claims", "claims.csv",
        "--explain", "B2", "-q", cwd=work,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "第十三条" in r.stdout and "不予救助" in r.stdout
    assert sorted(os.listdir(work)) == ["claims.csv", "identities.csv"]


def test_explain_unknown_settlement(work: Path) -> None:
    r = calc(work, "--explain", "NOPE")
    assert r.returncode != 0
    assert "NOPE" in r.stderr and "claims.csv" in r.stderr
    assert not (work / "results.csv").exists()


def test_totals_carried_between_runs(work: Path) -> None:
    """A year split into two runs (--totals-out, then --totals-in) gives one run's figures."""
    lines = CLAIMS.splitlines()
    by_id = {line.split(",")[0]: line for line in lines[1:]}
    (work / "first.csv").write_text("\n".join([HEADER, by_id["A1"], by_id["B1"]]) + "\n")
    (work / "second.csv").write_text("\n".join([HEADER, by_id["A2"], by_id["A3"]]) + "\n")
    common = ("calc", "--region", "ningxia", "--identities", "identities.csv", "-q")
    r1 = run(
        *common, "--claims", "first.csv", "--out", "r1.csv", "--totals-out", "t1.csv", cwd=work
    )
    assert r1.returncode == 0, r1.stderr
    r2 = run(
        *common, "--claims", "second.csv", "--out", "r2.csv",
        "--totals-in", "t1.csv", "--totals-out", "t2.csv", cwd=work,
    )  # fmt: skip
    assert r2.returncode == 0, r2.stderr
    split = {t[0]: t[3:5] for t in rows(work / "r1.csv")[1:] + rows(work / "r2.csv")[1:]}
    assert split == {
        "A1": ["24000.00", "2100.00"],
        "B1": ["700.35", "0.00"],
        "A2": ["26000.00", "9800.00"],
        "A3": ["0.00", "14000.00"],
    }
    totals = {(t[0], t[1]): t[2:] for t in rows(work / "t2.csv")[1:]}
    # S, P, R, TP of calc-contract §5 after the whole year
    assert totals[("A", "2024")] == ["90000.00", "50000.00", "40000.00", "25900.00"]
    assert totals[("B", "2024")] == ["4000.50", "700.35", "0.00", "0.00"]


# -- bad input (calc-contract §8) ------------------------------------------------------


def _claims_with(row_id: str, column: str, value: str) -> str:
    lines = CLAIMS.splitlines()
    cols = lines[0].split(",")
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if cells[0] == row_id:
            cells[cols.index(column)] = value
        out.append(",".join(cells))
    return "\n".join(out) + "\n"


def _without_column(text: str, column: str) -> str:
    lines = text.splitlines()
    i = lines[0].split(",").index(column)
    return (
        "\n".join(",".join(c for j, c in enumerate(line.split(",")) if j != i) for line in lines)
        + "\n"
    )


# (what, file to replace, its new text, extra args, expected pieces of the message)
BAD = [
    pytest.param("claims.csv", _without_column(CLAIMS, "hifmi_pay"), (), ("claims.csv", "line 1", "column hifmi_pay", "missing column"), id="missing-column"),
    pytest.param("identities.csv", _without_column(IDENTITIES, "begndate"), (), ("identities.csv", "line 1", "column begndate", "missing column"), id="missing-identity-column"),
    pytest.param("claims.csv", _claims_with("A1", "begndate", "2024/01/20"), (), ("claims.csv", "line 4", "column begndate", "malformed date"), id="malformed-date"),
    pytest.param("claims.csv", _claims_with("B1", "enddate", "2024-02-30"), (), ("claims.csv", "line 3", "column enddate", "malformed date"), id="impossible-date"),
    pytest.param("claims.csv", _claims_with("A2", "setl_time", "2024-05-01T10:00"), (), ("claims.csv", "line 5", "column setl_time", "malformed time"), id="malformed-time"),
    pytest.param("identities.csv", IDENTITIES.replace("2023-05-01", "01.05.2023"), (), ("identities.csv", "line 3", "column begndate", "malformed date"), id="malformed-identity-date"),
    pytest.param("claims.csv", _claims_with("A3", "inscp_scp_amt", "2O000.00"), (), ("claims.csv", "line 2", "column inscp_scp_amt", "malformed amount"), id="malformed-amount"),
    pytest.param("claims.csv", _claims_with("B2", "hifp_pay", "1.005"), (), ("claims.csv", "line 6", "column hifp_pay", "malformed amount"), id="three-decimals"),
    pytest.param("claims.csv", _claims_with("A2", "hifp_pay", "-25000.00"), (), ("claims.csv", "line 5", "column hifp_pay", "negative amount"), id="negative-amount"),
    pytest.param("claims.csv", _claims_with("A1", "hifob_pay", "-1"), (), ("claims.csv", "line 4", "column hifob_pay", "negative amount"), id="negative-optional-amount"),
    pytest.param("claims.csv", _claims_with("A3", "begndate", "2024-08-02"), (), ("claims.csv", "line 2", "column enddate", "before begndate"), id="enddate-before-begndate"),
    pytest.param("identities.csv", IDENTITIES.replace("2024-12-31", "2023-12-31"), (), ("identities.csv", "line 2", "column enddate", "before begndate"), id="identity-enddate-before-begndate"),
    pytest.param("identities.csv", IDENTITIES.replace("bianyuan", "dibao_bianyuan"), (), ("identities.csv", "line 3", "column identity", "unknown identity code 'dibao_bianyuan'"), id="unknown-identity-code"),
    pytest.param("claims.csv", _claims_with("B2", "setl_id", "A1"), (), ("claims.csv", "line 6", "column setl_id", "duplicate setl_id 'A1'", "line 4"), id="duplicate-setl-id"),
    pytest.param("claims.csv", _claims_with("B1", "emergency", "yes"), (), ("claims.csv", "line 3", "column emergency", "0 or 1"), id="bad-flag"),
    pytest.param(None, None, ("--region", "hainan"), ("unknown region 'hainan'",), id="unknown-region"),
    pytest.param(None, None, ("--region", "shuangyashan"), ("resident_income_prev_year", "双鸭山实施办法 第九条"), id="missing-parameter"),
    pytest.param(None, None, ("--region", "xinjiang"), ("class1_deductible", "新政办发〔2022〕40号"), id="missing-parameter-xinjiang"),
    pytest.param(None, None, ("--param", "resident_income_prev_year=40000"), ("no parameter 'resident_income_prev_year'",), id="unknown-parameter"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "text", "args", "expected"), BAD)
def test_bad_input(
    work: Path, name: str | None, text: str | None, args: tuple[str, ...], expected: tuple[str, ...]
) -> None:
    if name is not None:
        assert text is not None
        (work / name).write_text(text, encoding="utf-8")
    fresh = work / "fresh"
    fresh.mkdir()
    region = "ningxia"
    if args[:1] == ("--region",):
        region, args = args[1], args[2:]
    r = calc(work, *args, region=region, out="fresh/results.csv")
    assert r.returncode != 0
    message = " ".join(r.stderr.split())
    for piece in expected:
        assert piece in message, (piece, r.stderr)
    assert "Traceback" not in r.stderr
    assert list(fresh.iterdir()) == [], "no output file, not even a temporary one"


def test_bad_input_creates_no_folder(work: Path) -> None:
    (work / "claims.csv").write_text(_claims_with("A1", "hifp_pay", "x"), encoding="utf-8")
    r = calc(work, out="new/dir/results.csv")
    assert r.returncode != 0 and "column hifp_pay" in r.stderr
    assert not (work / "new").exists()


def test_good_input_into_a_new_folder(work: Path) -> None:
    r = calc(work, "-q", out="new/dir/results.csv")
    assert r.returncode == 0, r.stderr
    assert len(rows(work / "new" / "dir" / "results.csv")) == 6
    assert sorted(os.listdir(work / "new" / "dir")) == ["results.csv"]
