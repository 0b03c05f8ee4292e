"""The policy loader: region files, schema errors, operator parameters and files,
and `jiuzhu policy show` with its citations."""

from __future__ import annotations

import copy
import datetime as dt
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import ValidationError

from jiuzhu.domain.errors import MissingParameter, PolicyError, UnknownRegion
from jiuzhu.policy.loader import (
    REGIONS,
    RegionPolicy,
    load_operator_file,
    load_policy_file,
    parse_param_option,
    parse_policy_text,
    regions_dir,
)
from jiuzhu.policy.money import Ratio
from jiuzhu.policy.schema import RegionPolicyFile

JIUZHU = str(Path(sys.executable).with_name("jiuzhu"))


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    env["COLUMNS"] = "250"  # wide enough that rich does not fold citations
    return subprocess.run(
        [JIUZHU, *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=120
    )


# -- the region files -----------------------------------------------------------------


@pytest.mark.parametrize("region", REGIONS)
def test_every_region_file_loads(region: str) -> None:
    spec = load_policy_file(region)
    assert spec.region == region
    assert spec.classes
    for c in spec.classes:
        for series in (c.deductible, c.ratio, c.annual_cap):
            assert all(len(e.ref) >= 4 for e in series.entries), f"{region} {c.id}: cited"


def test_ningxia_terms_match_the_contract_table() -> None:
    # calc-contract §7 (宁医保发〔2023〕102号 第十四条)
    t = RegionPolicy.load("ningxia").terms_on(dt.date(2024, 6, 1))
    table = {c.id: (c.deductible, c.ratio["inpatient"], c.annual_cap, c.tilt) for c in t.classes}
    assert table == {
        "一": (0, Ratio("1"), 50_000_00, True),
        "二": (0, Ratio("0.8"), 50_000_00, True),
        "三": (3_000_00, Ratio("0.7"), 160_000_00, False),
        "四": (5_000_00, Ratio("0.7"), 160_000_00, False),
        "五": (7_000_00, Ratio("0.6"), 160_000_00, False),
    }
    assert t.tilt is not None
    assert (t.tilt.threshold, t.tilt.ratio, t.tilt.annual_cap) == (
        3_000_00,
        Ratio("0.7"),
        110_000_00,
    )
    assert {code: c.id for code, c in t.class_of_identity.items()} == {
        "tekun": "一", "guer": "一", "wurenfuyang": "一", "dibao": "二", "gaoling": "二",
        "jiance": "二", "bianyuan": "三", "fanpin": "四", "yinbing": "五",
    }  # fmt: skip
    assert "youfu" in t.unclassed


def test_shuangyashan_terms_follow_the_income_parameter() -> None:
    # calc-contract §7: round(10% × I), round(25% × I), threshold round(50% × I)
    p = RegionPolicy.load("shuangyashan", None, {"resident_income_prev_year": "38888.88"})
    t = p.terms_on(dt.date(2024, 6, 1))
    ded = {c.id: c.deductible for c in t.classes}
    cap = {c.id: c.annual_cap for c in t.classes}
    # 10% = 3,888.888 → 3,888.89 ; 25% = 9,722.22 ; 50% = 19,444.44
    assert ded == {"一": 0, "二": 0, "三": 388889, "四": 972222}
    assert cap == {"一": 7_000_000, "二": 7_000_000, "三": 5_000_000, "四": 4_000_000}
    assert t.tilt is not None and t.tilt.threshold == 1944444
    assert t.tilt.cap_kind == "shared" and t.tilt.ratio == Ratio("0.05")


def test_policy_not_in_force_before_its_date() -> None:
    # 宁医保发〔2023〕102号 第三十七条: in force from 2023-09-01
    with pytest.raises(PolicyError, match="no class .* in force on 2023-08-31"):
        RegionPolicy.load("ningxia").terms_on(dt.date(2023, 8, 31))


def test_unknown_region() -> None:
    with pytest.raises(UnknownRegion, match="unknown region 'hainan'.*ningxia"):
        load_policy_file("hainan")


# -- schema errors --------------------------------------------------------------------


def _ningxia_raw() -> dict[str, Any]:
    text = (regions_dir() / "ningxia.yaml").read_text(encoding="utf-8")
    return yaml.safe_load(text)  # type: ignore[no-any-return]


def _parse(raw: dict[str, Any]) -> None:
    parse_policy_text(yaml.safe_dump(raw, allow_unicode=True), "test-policy.yaml")


def test_unquoted_decimal_is_read_as_text_never_float() -> None:
    text = (regions_dir() / "ningxia.yaml").read_text(encoding="utf-8")
    spec = parse_policy_text(text.replace('value: "0.80"', "value: 0.80"), "x.yaml")
    value = spec.classes[1].ratio.entries[0].value
    assert value == "0.80" and not isinstance(value, float)


def _mutations() -> list[Any]:
    def unknown_code(r: dict[str, Any]) -> None:
        r["classes"][0]["identities"].append("vip")

    def twice(r: dict[str, Any]) -> None:
        r["classes"][1]["identities"].append("tekun")

    def unsorted(r: dict[str, Any]) -> None:
        e = r["classes"][0]["ratio"]
        e.append({**e[0], "from": dt.date(2020, 1, 1)})

    def no_ref(r: dict[str, Any]) -> None:
        del r["classes"][2]["deductible"][0]["ref"]

    def typo(r: dict[str, Any]) -> None:
        r["classes"][0]["ratoi"] = r["classes"][0].pop("ratio")

    def undeclared(r: dict[str, Any]) -> None:
        r["classes"][2]["deductible"][0]["value"] = {"param": "nobody_declared_me"}

    def tilt_class(r: dict[str, Any]) -> None:
        r["tilt"]["classes"] = ["一", "六"]

    return [
        pytest.param(unknown_code, "class 一: unknown identity code 'vip'", id="unknown-code"),
        pytest.param(twice, "identity 'tekun' is in classes 一 and 二", id="two-classes"),
        pytest.param(unsorted, r"classes\.0\.ratio.*increasing order", id="unsorted-dates"),
        pytest.param(
            no_ref, r"classes\.2\.deductible\.entries\.0\.ref: Field required", id="no-ref"
        ),
        pytest.param(typo, r"classes\.0.*(ratio: Field required|ratoi)", id="typo"),
        pytest.param(undeclared, "'nobody_declared_me' is used but not declared", id="undeclared"),
        pytest.param(tilt_class, "tilt: unknown class '六'", id="tilt-class"),
    ]


@pytest.mark.parametrize(("mutate", "message"), _mutations())
def test_schema_errors_are_clear(mutate: Any, message: str) -> None:
    raw = copy.deepcopy(_ningxia_raw())
    mutate(raw)
    with pytest.raises(PolicyError, match=message) as e:
        _parse(raw)
    assert str(e.value).startswith("test-policy.yaml: ")


def test_schema_refuses_a_binary_float() -> None:
    # YAML text never yields a float (0.70 is read as text); a float built in Python is refused
    raw = copy.deepcopy(_ningxia_raw())
    raw["classes"][0]["ratio"][0]["value"] = 1.0
    with pytest.raises(ValidationError, match="binary floats are refused"):
        RegionPolicyFile.model_validate(raw)


def test_not_yaml() -> None:
    with pytest.raises(PolicyError, match="bad.yaml: not valid YAML"):
        parse_policy_text("region: [unclosed", "bad.yaml")


# -- operator parameters ----------------------------------------------------------------


def test_param_with_unknown_name_is_refused() -> None:
    with pytest.raises(
        PolicyError, match=r"region ningxia has no parameter 'income' \(its parameters: "
    ):
        RegionPolicy.load("ningxia", None, {"income": "1"})
    with pytest.raises(
        PolicyError, match=r"no parameter 'resident_income'.*resident_income_prev_year"
    ):
        RegionPolicy.load("shuangyashan", None, {"resident_income": "40000"})


@pytest.mark.parametrize(
    ("option", "message"),
    [
        ("resident_income_prev_year", "expected NAME=VALUE"),
        ("=5", "expected NAME=VALUE"),
        ("a=", "expected NAME=VALUE"),
    ],
)
def test_param_option_syntax(option: str, message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        parse_param_option(option)


def test_param_option_splits_on_the_first_equals() -> None:
    assert parse_param_option(" identity_rule = on_enddate ") == ("identity_rule", "on_enddate")


@pytest.mark.parametrize(
    ("region", "params", "message"),
    [
        ("shuangyashan", {"resident_income_prev_year": "forty"}, "not a number"),
        ("shuangyashan", {"resident_income_prev_year": "-1"}, "out of range"),
        ("xinjiang", {"class1_ratio": "1.5"}, "out of range"),
        ("liuzhou", {"identity_rule": "on_admission"}, "not one of any_day_of_stay"),
    ],
)
def test_param_values_are_checked(region: str, params: dict[str, str], message: str) -> None:
    with pytest.raises(PolicyError, match=message):
        RegionPolicy.load(region, None, params)


@pytest.mark.parametrize(
    ("region", "first", "source"),
    [
        ("xinjiang", "class1_deductible", "新政办发〔2022〕40号"),
        ("meizhou", "tekun_deductible", "梅市医保规〔2023〕2号"),
        ("liuzhou", "identity_rule", "桂政办发〔2022〕5号"),
        ("shuangyashan", "resident_income_prev_year", "双鸭山实施办法 第九条"),
    ],
)
def test_missing_parameter_names_it_and_its_source(region: str, first: str, source: str) -> None:
    policy = RegionPolicy.load(region)
    with pytest.raises(MissingParameter) as e:
        policy.require_parameters()
    assert e.value.name == first
    assert e.value.region == region
    assert source in e.value.source
    assert f"'{first}'" in str(e.value) and source in str(e.value)
    assert f"--param {first}=VALUE" in str(e.value)


def test_missing_parameter_when_some_are_set() -> None:
    names = RegionPolicy.load("xinjiang").missing_parameters(benefits_only=True)
    params = {n: ("0.5" if n.endswith("ratio") else "1000") for n in names if n != "tilt_ratio"}
    with pytest.raises(MissingParameter, match="'tilt_ratio'") as e:
        RegionPolicy.load("xinjiang", None, params).require_parameters()
    assert "新政办发〔2022〕40号" in e.value.source


def test_ningxia_needs_no_parameter() -> None:
    RegionPolicy.load("ningxia").require_parameters()


# -- the operator file ------------------------------------------------------------------

OPERATOR_FILE = """\
# operator settings for the tests
parameters:
  shuangyashan:
    resident_income_prev_year:
      - {from: 2023-01-01, value: "40000", ref: 双鸭山统计公报 2022年}
      - {from: 2025-01-01, value: "50000", ref: 双鸭山统计公报 2024年}
identity_codes:
  "7131": tekun
  "7134": bianyuan
"""


def test_operator_file_dated_parameters(tmp_path: Path) -> None:
    f = tmp_path / "operator.yaml"
    f.write_text(OPERATOR_FILE, encoding="utf-8")
    op = load_operator_file(f)
    assert op.identity_code_map == {"7131": "tekun", "7134": "bianyuan"}
    p = RegionPolicy.load("shuangyashan", op)
    d2024 = {c.id: c.deductible for c in p.terms_on(dt.date(2024, 12, 31)).classes}
    d2025 = {c.id: c.deductible for c in p.terms_on(dt.date(2025, 1, 1)).classes}
    assert (d2024["三"], d2025["三"]) == (4_000_00, 5_000_00)
    assert (d2024["四"], d2025["四"]) == (10_000_00, 12_500_00)
    # a --param for this run overrides the file
    p2 = RegionPolicy.load("shuangyashan", op, {"resident_income_prev_year": "30000"})
    assert {c.id: c.deductible for c in p2.terms_on(dt.date(2025, 6, 1)).classes}["三"] == 3_000_00


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('identity_codes: {"7131": vip}\n', "identity_codes.7131: unknown identity code 'vip'"),
        (
            "parameters: {shuangyashan: {resident_income_prev_year: [{from: 2023-01-01, value: '1'}]}}\n",
            "Field required",
        ),
        ("parameters: [unclosed\n", "cannot read operator file"),
    ],
)
def test_operator_file_errors(tmp_path: Path, text: str, message: str) -> None:
    f = tmp_path / "op.yaml"
    f.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message) as e:
        load_operator_file(f)
    assert str(f) in str(e.value)


def test_operator_file_unknown_parameter(tmp_path: Path) -> None:
    f = tmp_path / "op.yaml"
    f.write_text("parameters: {ningxia: {tilt_ratio: '0.8'}}\n", encoding="utf-8")
    with pytest.raises(PolicyError, match="region ningxia has no parameter 'tilt_ratio'"):
        RegionPolicy.load("ningxia", load_operator_file(f))


def test_operator_file_end_to_end(tmp_path: Path) -> None:
    """`jiuzhu calc --operator-file`: outside identity codes mapped ("7131" → tekun) and a
    parameter that changes on 2025-01-01 (双鸭山实施办法 第九条（二）: 10% of last year's income)."""
    (tmp_path / "operator.yaml").write_text(OPERATOR_FILE, encoding="utf-8")
    (tmp_path / "ids.csv").write_text(
        "psn_no,identity,begndate,enddate\nA,7131,2023-01-01,\nB,7134,2023-01-01,\nC,dibao,2023-01-01,\n",
        encoding="utf-8",
    )
    (tmp_path / "claims.csv").write_text(
        "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay\n"
        "a1,A,2024-03-05 10:00:00,21,2024-03-01,2024-03-05,1000.00,0,0\n"
        "b1,B,2024-05-05 10:00:00,21,2024-05-01,2024-05-05,5000.00,0,0\n"
        "b2,B,2025-05-05 10:00:00,21,2025-05-01,2025-05-05,5000.00,0,0\n"
        "c1,C,2025-05-05 10:00:00,14,2025-05-05,2025-05-05,100.00,0,0\n",
        encoding="utf-8",
    )
    r = run_cli(
        "calc", "--region", "shuangyashan", "--identities", "ids.csv", "--claims", "claims.csv",
        "--out", "out.csv", "--operator-file", "operator.yaml", "-q", cwd=tmp_path,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = [line.split(",")[:5] for line in (tmp_path / "out.csv").read_text().splitlines()[1:]]
    assert rows == [
        # A: 7131 → tekun (class 一, 100%)
        ["a1", "A", "tekun", "1000.00", "0.00"],
        # B 2024: ded 10% × 40,000 = 4,000; 1,000 × 65% = 650
        ["b1", "B", "bianyuan", "650.00", "0.00"],
        # B 2025: ded 10% × 50,000 = 5,000 → nothing above it
        ["b2", "B", "bianyuan", "0.00", "0.00"],
        # C: contract codes still work beside the mapping: 100 × 75%
        ["c1", "C", "dibao", "75.00", "0.00"],
    ]


# -- jiuzhu policy show -----------------------------------------------------------------


def test_policy_show_cites_articles() -> None:
    r = run_cli("policy", "show", "ningxia", "--on", "2024-06-01")
    assert r.returncode == 0, r.stderr
    out = r.stdout
    assert "宁医保发〔2023〕102号" in out
    for article in ("第十二条", "第十三条", "第十四条（一）", "第十四条（三）", "第十四条（五）"):
        assert article in out, article
    for figure in ("50000.00", "160000.00", "7000.00", "110000.00"):
        assert figure in out, figure


def test_policy_show_names_missing_parameters_and_their_source() -> None:
    r = run_cli("policy", "show", "xinjiang", "--on", "2024-06-01")
    assert r.returncode == 0, r.stderr
    assert "第十六条" in r.stdout
    assert "class1_ratio" in r.stdout and "新政办发〔2022〕40号" in r.stdout
    r = run_cli(
        "policy", "show", "shuangyashan", "--on", "2024-06-01",
        "--param", "resident_income_prev_year=40000",
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "第九条" in r.stdout and "第十一条" in r.stdout and "40000" in r.stdout


def test_policy_show_unknown_region() -> None:
    r = run_cli("policy", "show", "hainan")
    assert r.returncode != 0
    assert "unknown region 'hainan'" in r.stderr


def test_missing_parameter_survives_pickle() -> None:
    # the error crosses process boundaries intact (e.g. from a forked worker)
    import pickle

    with pytest.raises(MissingParameter) as e:
        RegionPolicy.load("meizhou").require_parameters()
    back = pickle.loads(pickle.dumps(e.value))
    assert type(back) is MissingParameter and str(back) == str(e.value)
    assert (back.name, back.source, back.field) == (
        e.value.name,
        e.value.source,
        "tekun_deductible",
    )
