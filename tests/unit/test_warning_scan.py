"""`jiuzhu warning scan` (calc-contract §11): the hand-worked cases through both paths,
the fast path against the reference on generated populations, and bad input (§8)."""

from __future__ import annotations

import csv
import io
import random
from pathlib import Path

import pytest
from warning_cases import CASES, HEAD, Case

from jiuzhu.domain.errors import InputError, MissingParameter
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.warning import require_warning_parameters
from jiuzhu.services.batch.readers import read_identities
from jiuzhu.services.warning.columnar import scan_fast
from jiuzhu.services.warning.scan import ScanResult, scan_file, scan_reference, write_warnings


def _files(tmp: Path, identities: str, claims: str) -> tuple[Path, Path]:
    (tmp / "ids.csv").write_text(identities, encoding="utf-8")
    (tmp / "claims.csv").write_text(claims, encoding="utf-8")
    return tmp / "ids.csv", tmp / "claims.csv"


def _rows(body: bytes) -> list[tuple[str, ...]]:
    return [tuple(r[:6]) for r in csv.reader(io.StringIO(body.decode()))]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_hand_worked_cases_both_paths(case: Case, tmp_path: Path) -> None:
    ids, claims = _files(tmp_path, case.identities, case.claims)
    policy = RegionPolicy.load(case.region, None, case.params)
    spans = read_identities(ids)
    fast = scan_fast(claims, spans, policy)
    assert fast is not None
    assert _rows(fast.body) == case.expected
    ref = ScanResult.of(scan_reference(claims, spans, policy))
    assert ref.body == fast.body


def test_uncanonical_spelling_goes_to_the_reference(tmp_path: Path) -> None:
    # "+100" and " 12.5 " are amounts the checking reader accepts; the fast path steps aside
    case = CASES[0]
    claims = case.claims.replace(
        "XA2,A,2024-03-01 10:00:00,11,2024-03-01,2024-03-01,100.00",
        "XA2,A,2024-03-01 10:00:00,11,2024-03-01,2024-03-01,+100",
    )
    ids, path = _files(tmp_path, case.identities, claims)
    policy = RegionPolicy.load(case.region, None, case.params)
    spans = read_identities(ids)
    assert scan_fast(path, spans, policy) is None
    assert _rows(scan_file(path, spans, policy).body) == case.expected


def test_missing_line_parameter_is_named() -> None:
    with pytest.raises(MissingParameter, match="rural_income_prev_year"):
        require_warning_parameters(RegionPolicy.load("xinjiang", None, {}))
    with pytest.raises(MissingParameter, match="identity_rule"):
        require_warning_parameters(RegionPolicy.load("liuzhou", None, {"warning_line": "1"}))
    # shuangyashan's lines need no parameter (its benefit numbers do, a scan does not)
    require_warning_parameters(RegionPolicy.load("shuangyashan", None, {}))


@pytest.mark.parametrize(
    ("bad", "line", "column"),
    [
        ("S2,P,2024-02-30 10:00:00,21,2024-02-01,2024-02-02,1.00,0,0,", 3, "setl_time"),
        ("S2,P,2024-02-03 10:00:00,21,2024-02-01,2024-02-02,1.005,0,0,", 3, "inscp_scp_amt"),
        ("S2,P,2024-02-03 10:00:00,21,2024-02-01,2024-02-02,1.00,0,0,-3", 3, "medfee_sumamt"),
        ("S1,P,2024-02-03 10:00:00,21,2024-02-01,2024-02-02,1.00,0,0,", 3, "setl_id"),
        ("S2,P,2024-02-03 10:00:00,21,2024-02-05,2024-02-02,1.00,0,0,", 3, "enddate"),
    ],
)
def test_bad_input_names_file_line_column(tmp_path: Path, bad: str, line: int, column: str) -> None:
    claims = HEAD + "S1,P,2024-02-01 10:00:00,21,2024-02-01,2024-02-01,1.00,0,0,\n" + bad + "\n"
    ids, path = _files(tmp_path, "psn_no,identity,begndate,enddate\n", claims)
    policy = RegionPolicy.load("shuangyashan", None, {})
    with pytest.raises(InputError) as e:
        scan_file(path, read_identities(ids), policy)
    assert e.value.line == line and e.value.column == column and e.value.file == str(path)


def test_a_malformed_age_is_refused_as_calc_refuses_it(tmp_path: Path) -> None:
    """The optional ``age`` column (梅州 第十二条（四）) is checked on the scan too: the fast
    path leaves a file that has it to the checking reader, which names line and column."""
    claims = (
        HEAD.rstrip("\n") + ",age\n"
        + "S1,P,2024-02-01 10:00:00,21,2024-02-01,2024-02-01,1.00,0,0,,7\n"
        + "S2,P,2024-02-03 10:00:00,21,2024-02-01,2024-02-02,1.00,0,0,,seven\n"
    )  # fmt: skip
    ids, path = _files(tmp_path, "psn_no,identity,begndate,enddate\n", claims)
    policy = RegionPolicy.load("shuangyashan", None, {})
    spans = read_identities(ids)
    assert scan_fast(path, spans, policy) is None
    with pytest.raises(InputError) as e:
        scan_file(path, spans, policy)
    assert (e.value.line, e.value.column, e.value.file) == (3, "age", str(path))


CODES = ["tekun", "dibao", "bianyuan", "jiance", "yinbing", "tuopin", "guer", "fanpin"]


def _population(rnd: random.Random, persons: int, claims: int) -> tuple[str, str]:
    ids = ["psn_no,identity,begndate,enddate"]
    for p in range(persons):
        for _ in range(rnd.choice([0, 0, 1, 2])):
            b = f"2024-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
            e = rnd.choice(["", f"2025-{rnd.randint(1, 12):02d}-01", "2024-12-31"])
            if e and e < b:
                e = ""
            ids.append(f"P{p},{rnd.choice(CODES)},{b},{e}")
    rows = [HEAD.strip()]
    for i in range(claims):
        day = f"{rnd.choice([2024, 2025])}-{rnd.randint(1, 12):02d}-{rnd.randint(1, 28):02d}"
        inscp = rnd.randint(0, 900_000)
        hifp, hifmi = rnd.randint(0, inscp), rnd.choice([0, 0, rnd.randint(0, 50_000)])
        medfee = rnd.choice(["", f"{(inscp + rnd.randint(0, 99_999)) / 100:.2f}"])
        time_ = f"{rnd.randint(8, 9):02d}:00:{rnd.randint(0, 1):02d}"  # ties on purpose
        rows.append(
            f"S{rnd.randint(0, 10**6)}x{i},P{rnd.randrange(persons)},{day} {time_},"
            f"{rnd.choice(['11', '14', '21', '22', '41'])},{day},{day},"
            f"{inscp // 100}.{inscp % 100:02d},{hifp // 100}.{hifp % 100:02d},"
            f"{hifmi // 100}.{hifmi % 100:02d},{medfee}"
        )
    return "\n".join(ids) + "\n", "\n".join(rows) + "\n"


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize(
    ("region", "params"),
    [
        ("xinjiang", {"rural_income_prev_year": "4000"}),
        ("shuangyashan", {}),
        ("ningxia", {}),
        ("liuzhou", {"warning_line": "3000", "identity_rule": "any_day_of_stay"}),
        ("meizhou", {}),
    ],
)
def test_fast_path_agrees_with_reference(
    tmp_path: Path, seed: int, region: str, params: dict[str, str]
) -> None:
    rnd = random.Random(seed)
    identities, claims = _population(rnd, rnd.randint(1, 30), rnd.randint(1, 200))
    ids, path = _files(tmp_path, identities, claims)
    policy = RegionPolicy.load(region, None, params)
    spans = read_identities(ids)
    fast = scan_fast(path, spans, policy)
    assert fast is not None
    assert fast.body == ScanResult.of(scan_reference(path, spans, policy)).body


def test_written_atomically(tmp_path: Path) -> None:
    out = tmp_path / "w.csv"
    write_warnings(
        out, ScanResult(b"A,2024,sy_10000,S1,,10000.01,10000.00,2024-01-01 00:00:00,x\n", {})
    )
    assert out.read_text().splitlines()[0].startswith("psn_no,year,line,setl_id,identity,amount")
    assert [p.name for p in tmp_path.iterdir()] == ["w.csv"]


@pytest.mark.parametrize("seed", range(4))
def test_parts_parsed_at_once_give_the_same(
    tmp_path: Path, seed: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jiuzhu.services.warning import columnar

    rnd = random.Random(100 + seed)
    identities, claims = _population(rnd, 20, 300)
    ids, path = _files(tmp_path, identities, claims)
    policy = RegionPolicy.load("shuangyashan", None, {})
    spans = read_identities(ids)
    whole = scan_fast(path, spans, policy)
    monkeypatch.setattr(columnar, "SPLIT_FROM", 0)
    monkeypatch.setattr(columnar, "PARTS", 3)
    parts = scan_fast(path, spans, policy)
    assert whole is not None and parts is not None and parts.body == whole.body
