"""The batch path of `jiuzhu calc` against the reference path, on generated data.

``run_claims`` + ``write_results`` (assessments, csv.writer) is the reference;
``run_batch`` + ``write_lines`` is the reference batch run, in one process or split by
person over forked workers; a plain file is read by the columnar reader
(``columns.read_columns``) and run by ``run.calc_file``. All must give the same file,
byte for byte, and the same person-year totals.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest
from calc_helpers import claim

from jiuzhu.domain.errors import InputError, MissingParameter, PolicyError
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy, load_operator_file
from jiuzhu.services.batch import columns, readers, results
from jiuzhu.services.batch import reference as scalar
from jiuzhu.services.batch import run as batch

BENCH = Path(__file__).resolve().parents[2] / "bench"


def _gen_claims():  # bench/gen_claims.py, which is not a package
    spec = importlib.util.spec_from_file_location("gen_claims", BENCH / "gen_claims.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("gen_claims", mod)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("gen")
    return _gen_claims().generate(4000, 400, out, seed=7)


@pytest.mark.parametrize("region", ["ningxia", "shuangyashan"])
def test_batch_and_workers_match_the_reference(
    generated: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, region: str
) -> None:
    ids_path, claims_path = generated
    policy = RegionPolicy.load(
        region, None, {"resident_income_prev_year": "40000"} if region == "shuangyashan" else None
    )
    spans = readers.read_identities(ids_path)
    claims = readers.read_claims(claims_path)
    explain = [claims[0].setl_id, claims[-1].setl_id]

    reference = scalar.run_claims(claims, spans, policy)
    results.write_results(tmp_path / "reference.csv", reference.assessments)

    single = scalar.run_batch(claims, spans, policy, explain=explain, workers=1)
    results.write_lines(tmp_path / "single.csv", single.lines)

    monkeypatch.setattr(scalar, "PARALLEL_FROM", 0)
    monkeypatch.setattr(scalar, "available_workers", lambda: 3)
    forked = scalar.run_batch(claims, spans, policy, explain=explain, workers=3)
    results.write_lines(tmp_path / "forked.csv", forked.lines)

    ref_bytes = (tmp_path / "reference.csv").read_bytes()
    assert (tmp_path / "single.csv").read_bytes() == ref_bytes
    assert (tmp_path / "forked.csv").read_bytes() == ref_bytes
    assert single.totals == reference.totals == forked.totals
    assert single.summary == forked.summary == results.summarise(reference.assessments)
    by_id = {a.setl_id: a for a in reference.assessments}
    for setl_id in explain:
        assert single.explained[setl_id] == forked.explained[setl_id] == by_id[setl_id]
    # the data set is not trivial: some pay, some hit caps, some cross New Year
    paid = [a for a in reference.assessments if a.maf_pay or a.tilt_pay]
    assert len(paid) > 1000
    assert any(a.after.P >= 50_000_00 for a in paid)
    assert {a.year for a in reference.assessments} == {2024, 2025}


def test_split_keeps_each_person_whole() -> None:
    groups = [[0, 1, 2], [3], [4, 5], [6, 7, 8, 9], [10]]
    parts = scalar._split(groups, 2)
    assert [g for p in parts for g in p] == groups
    assert all(parts)
    assert scalar._split(groups, 1) == [groups]


def test_lines_needing_quotes_match_csv_writer(tmp_path: Path) -> None:
    # setl_id and psn_no are the operator's text: commas, quotes, newlines are quoted as
    # the csv module quotes them
    odd = ["A,1", 'B"2', "C\n3", "D\r4", " E "]
    claims = [
        claim({"setl_id": s, "psn_no": f"p{s}", "enddate": "2024-03-01", "inscp_scp_amt": "10"})
        for s in odd
    ]
    spans = {c.psn_no: [IdentitySpan("dibao", claims[0].enddate)] for c in claims}
    policy = RegionPolicy.load("ningxia")
    results.write_results(tmp_path / "a.csv", scalar.run_claims(claims, spans, policy).assessments)
    results.write_lines(tmp_path / "b.csv", scalar.run_batch(claims, spans, policy).lines)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()


@pytest.fixture
def forced_parallel(monkeypatch: pytest.MonkeyPatch) -> None:
    """Take the parallel paths even for small files and on a one-CPU machine."""
    monkeypatch.setattr(scalar, "PARALLEL_FROM", 0)
    monkeypatch.setattr(scalar, "available_workers", lambda: 3)


def test_run_file_in_parallel_matches_the_reference(
    generated: tuple[Path, Path], tmp_path: Path, forced_parallel: None
) -> None:
    ids_path, claims_path = generated
    policy = RegionPolicy.load("ningxia")
    spans = readers.read_identities(ids_path)
    reference = scalar.run_claims(readers.read_claims(claims_path), spans, policy)
    results.write_results(tmp_path / "reference.csv", reference.assessments)
    assert columns.read_columns(claims_path) is not None  # the plain reading path is taken
    explain = ["S000000003"]
    for workers in (1, 2, 3):
        got = scalar.run_file(claims_path, spans, policy, explain=explain, workers=workers)
        results.write_lines(tmp_path / f"w{workers}.csv", got.lines)
        assert (tmp_path / f"w{workers}.csv").read_bytes() == (
            tmp_path / "reference.csv"
        ).read_bytes(), workers
        assert got.totals == reference.totals
        assert got.explained["S000000003"] == reference.assessments[3]


def _variants(text: str) -> dict[str, str]:
    """Files the plain path must read as csv does, or hand over to read_claims."""
    lines = text.splitlines()
    head, rows = lines[0], lines[1:]
    return {
        "crlf": "\r\n".join(lines) + "\r\n",
        "blank-lines": "\n".join([head, rows[0], "", " , ,", *rows[1:]]) + "\n",
        "no-final-newline": "\n".join(lines),
        "quoted": "\n".join([head, rows[0].replace("S000000000", '"S000000000"'), *rows[1:]]),
        "short-row": "\n".join([head, ",".join(rows[0].split(",")[:-4]), *rows[1:]]) + "\n",
        "bom": "\ufeff" + text,
    }


@pytest.mark.parametrize(
    "variant", ["crlf", "blank-lines", "no-final-newline", "quoted", "short-row", "bom"]
)
def test_run_file_reads_as_csv_does(
    generated: tuple[Path, Path], tmp_path: Path, forced_parallel: None, variant: str
) -> None:
    ids_path, claims_path = generated
    text = _variants(claims_path.read_text(encoding="utf-8"))[variant]
    path = tmp_path / "claims.csv"
    path.write_text(text, encoding="utf-8", newline="")
    assert (columns.read_columns(path) is None) == (variant == "quoted")
    policy = RegionPolicy.load("ningxia")
    spans = readers.read_identities(ids_path)
    reference = scalar.run_claims(readers.read_claims(path), spans, policy)
    results.write_results(tmp_path / "reference.csv", reference.assessments)
    got = scalar.run_file(path, spans, policy, workers=2)
    results.write_lines(tmp_path / "got.csv", got.lines)
    assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()
    batch.calc_file(path, spans, policy, workers=2).write_results(tmp_path / "calc.csv")
    assert (tmp_path / "calc.csv").read_bytes() == (tmp_path / "reference.csv").read_bytes()


def _break(text: str, line: int, column: str, value: str) -> str:
    lines = text.splitlines()
    cols = lines[0].split(",")
    cells = lines[line - 1].split(",")
    cells[cols.index(column)] = value
    lines[line - 1] = ",".join(cells)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize(
    "damage",
    [
        [(3000, "hifp_pay", "-1.00")],
        [(3000, "hifp_pay", "-1.00"), (40, "begndate", "2024/01/01")],  # the first line wins
        [(2500, "setl_id", "S000000004")],  # duplicate
        [(2501, "psn_no", " ")],
        [(17, "emergency", "2"), (17, "enddate", "2023-01-01")],  # same line: column order
        [(4001, "med_type", "")],
    ],
    ids=["negative", "two-errors", "duplicate", "empty-psn", "same-line", "last-line"],
)
def test_run_file_refuses_exactly_as_read_claims(
    generated: tuple[Path, Path],
    tmp_path: Path,
    forced_parallel: None,
    damage: list[tuple[int, str, str]],
) -> None:
    ids_path, claims_path = generated
    text = claims_path.read_text(encoding="utf-8")
    for line, column, value in damage:
        text = _break(text, line, column, value)
    path = tmp_path / "claims.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as expected:
        readers.read_claims(path)
    policy = RegionPolicy.load("ningxia")
    with pytest.raises(InputError) as got:
        scalar.run_file(path, readers.read_identities(ids_path), policy, workers=2)
    assert str(got.value) == str(expected.value)
    assert (got.value.line, got.value.column) == (expected.value.line, expected.value.column)


def test_run_file_explain_must_name_a_claim(
    generated: tuple[Path, Path], forced_parallel: None
) -> None:
    ids_path, claims_path = generated
    with pytest.raises(InputError, match="no settlement 'NOPE' in the claims file"):
        scalar.run_file(
            claims_path, readers.read_identities(ids_path), RegionPolicy.load("ningxia"),
            explain=["S000000001", "NOPE"], workers=2,
        )  # fmt: skip


def _with_early_claim(text: str, line: int, enddate: str) -> str:
    text = _break(text, line, "begndate", enddate)
    text = _break(text, line, "enddate", enddate)
    return _break(text, line, "med_type", "21")


def test_errors_while_assessing_are_the_same_in_parallel(
    generated: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A claim before the rules are in force (宁医保发〔2023〕102号 第三十七条: 2023-09-01), and a
    dated operator parameter not yet set on a claim's day: the same error, one process or
    several, and never a hang on an exception that cannot cross a pipe."""
    ids_path, claims_path = generated
    spans = readers.read_identities(ids_path)
    path = tmp_path / "claims.csv"
    path.write_text(
        _with_early_claim(claims_path.read_text(encoding="utf-8"), 3500, "2023-08-31"),
        encoding="utf-8",
    )
    ningxia = RegionPolicy.load("ningxia")
    op = tmp_path / "op.yaml"
    op.write_text(
        "parameters:\n  shuangyashan:\n    resident_income_prev_year:\n"
        "      - {from: 2024-07-01, value: '40000', ref: 统计公报 2023年}\n",
        encoding="utf-8",
    )
    shuangyashan = RegionPolicy.load("shuangyashan", load_operator_file(op))
    single = {}
    for name, policy, file in (
        ("ningxia", ningxia, path),
        ("shuangyashan", shuangyashan, claims_path),
    ):
        with pytest.raises(PolicyError) as e:
            scalar.run_file(file, spans, policy, workers=1)
        single[name] = (type(e.value), str(e.value))
    assert "no class 一 deductible in force on 2023-08-31" in single["ningxia"][1]
    assert single["shuangyashan"][0] is MissingParameter
    assert "resident_income_prev_year" in single["shuangyashan"][1]

    monkeypatch.setattr(scalar, "PARALLEL_FROM", 0)
    monkeypatch.setattr(scalar, "available_workers", lambda: 3)
    for name, policy, file in (
        ("ningxia", ningxia, path),
        ("shuangyashan", shuangyashan, claims_path),
    ):
        with pytest.raises(PolicyError) as e:
            scalar.run_file(file, spans, policy, workers=3)
        assert (type(e.value), str(e.value)) == single[name]
        with pytest.raises(PolicyError) as e:
            scalar.run_batch(readers.read_claims(file), spans, policy, workers=3)
        assert (type(e.value), str(e.value)) == single[name]


def test_missing_file_with_workers(tmp_path: Path, forced_parallel: None) -> None:
    with pytest.raises(InputError, match="cannot open"):
        scalar.run_file(tmp_path / "absent.csv", {}, RegionPolicy.load("ningxia"), workers=2)


def test_chunks_and_carried_totals_give_the_same(
    generated: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reference batch assesses a few thousand claims at a time (whole persons): the
    cut changes nothing, also with totals carried in and in forked parts."""
    ids_path, claims_path = generated
    policy = RegionPolicy.load("ningxia")
    spans = readers.read_identities(ids_path)
    claims = readers.read_claims(claims_path)
    first = scalar.run_claims(claims[:2000], spans, policy)
    rest = claims[2000:]
    want = scalar.run_claims(rest, spans, policy, first.totals)
    results.write_results(tmp_path / "want.csv", want.assessments)
    monkeypatch.setattr(scalar, "CHUNK", 7)
    for workers in (1, 3):
        monkeypatch.setattr(scalar, "PARALLEL_FROM", 0)
        monkeypatch.setattr(scalar, "available_workers", lambda: 3)
        got = scalar.run_batch(rest, spans, policy, first.totals, workers=workers)
        results.write_lines(tmp_path / "got.csv", got.lines)
        assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()
        assert got.totals == want.totals
        assert got.summary == results.summarise(want.assessments)


def test_run_file_reads_and_runs_by_person_in_parts(
    generated: tuple[Path, Path], tmp_path: Path, forced_parallel: None
) -> None:
    """Each part of the persons read *and* run in its own process (partition by person):
    the same bytes, totals and summary as the reference, also with totals carried in; a
    refusal in any part gives the one-process reader's located error."""
    ids_path, claims_path = generated
    policy = RegionPolicy.load("ningxia")
    spans = readers.read_identities(ids_path)
    claims = readers.read_claims(claims_path)
    first = scalar.run_claims(claims[:1500], spans, policy)
    want = scalar.run_claims(claims, spans, policy, first.totals)
    results.write_results(tmp_path / "want.csv", want.assessments)
    for workers in (2, 3):
        got = scalar.run_file(claims_path, spans, policy, first.totals, workers=workers)
        results.write_lines(tmp_path / "got.csv", got.lines)
        assert (tmp_path / "got.csv").read_bytes() == (tmp_path / "want.csv").read_bytes()
        assert got.totals == want.totals
        assert got.summary == results.summarise(want.assessments)
    # every part's persons, together, are the file's claims in order
    parts = [readers.read_claims_part(claims_path, k, 3) for k in range(3)]
    assert sorted(p for part in parts for p in part.positions) == list(range(len(claims)))
    assert {part.total for part in parts} == {len(claims)}

    lines = claims_path.read_text(encoding="utf-8").splitlines(keepends=True)
    for k in range(3):  # a bad amount in a row of each part, and a late duplicate setl_id
        row = next(i for i in range(1, len(lines)) if readers.part_of(claims[i - 1].psn_no, 3) == k)
        bad = lines[:]
        cells = bad[row].split(",")
        cells[6] = "12.345"
        bad[row] = ",".join(cells)
        path = tmp_path / f"bad{k}.csv"
        path.write_text("".join(bad), encoding="utf-8")
        with pytest.raises(InputError) as one:
            readers.read_claims(path)
        with pytest.raises(InputError) as parted:
            scalar.run_file(path, spans, policy, workers=3)
        assert (parted.value.line, parted.value.column, parted.value.message) == (
            one.value.line, one.value.column, one.value.message,
        )  # fmt: skip
    dup = tmp_path / "dup.csv"
    dup.write_text("".join(lines) + lines[1], encoding="utf-8")
    with pytest.raises(InputError, match="duplicate setl_id") as e:
        scalar.run_file(dup, spans, policy, workers=3)
    assert e.value.line == len(lines) + 1
