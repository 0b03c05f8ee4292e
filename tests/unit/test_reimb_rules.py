"""Manual-reimbursement rules as policy data, per region (no database)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.reimbursement.rules import NotConfigured, rules_for, split_list

DAY = dt.date(2025, 6, 2)


def test_ningxia_materials_are_article_22_exactly() -> None:
    r = rules_for(RegionPolicy.load("ningxia"), DAY)
    assert [m.name for m in r.materials] == [
        "户口簿复印件",
        "本人社保卡（已开通金融功能）或本人身份证+银行卡",
        "代办的提供代办人身份证",
        "基本医保、大病保险报销后的结算单",
        "医院发票",
        "费用清单",
        "出院记录（出院证）",
    ]
    assert all(m.ref.startswith("宁医保发〔2023〕102号 第二十二条") for m in r.materials)
    assert [m.code for m in r.required_materials(agent=False)] == [
        "hukou",
        "sbk_or_id_bank",
        "settlement_statement",
        "invoice",
        "fee_list",
        "discharge_record",
    ]
    assert "agent_id" in [m.code for m in r.required_materials(agent=True)]
    # 第二十条 three levels, 第二十三条 30 working days
    assert r.levels == ("first_review", "second_review", "approval")
    assert r.deadline_days == 30 and "第二十三条" in r.deadline_ref


def test_liuzhou_two_levels_from_its_text() -> None:
    p = RegionPolicy.load(
        "liuzhou", cli_params={"reimb_deadline_working_days": "15", "reimb_materials": "申请表"}
    )
    r = rules_for(p, DAY)
    assert r.levels == ("first_review", "approval") and "七（四）" in r.flow_ref
    assert r.deadline_days == 15


@pytest.mark.parametrize(
    ("region", "missing"),
    [
        ("xinjiang", ["reimb_review_levels", "reimb_deadline_working_days", "reimb_materials"]),
        ("meizhou", ["reimb_review_levels", "reimb_deadline_working_days", "reimb_materials"]),
        ("shuangyashan", ["reimb_review_levels", "reimb_deadline_working_days", "reimb_materials"]),
        ("liuzhou", ["reimb_deadline_working_days", "reimb_materials"]),
    ],
)
def test_regions_without_rules_name_every_missing_parameter(
    region: str, missing: list[str]
) -> None:
    with pytest.raises(NotConfigured) as exc:
        rules_for(RegionPolicy.load(region), DAY)
    for name in missing:
        assert name in exc.value.message
    assert exc.value.code == "missing_parameter"


def test_xinjiang_principle_and_operator_list() -> None:
    p = RegionPolicy.load(
        "xinjiang",
        cli_params={
            "reimb_review_levels": "first_review,approval",
            "reimb_deadline_working_days": "20",
            "reimb_materials": "医疗救助申请表；身份证;住院发票\n费用清单",
        },
    )
    r = rules_for(p, DAY)
    assert r.principle == "一次告知、一表申请、一窗办成"
    assert [m.name for m in r.materials] == ["医疗救助申请表", "身份证", "住院发票", "费用清单"]
    assert r.levels == ("first_review", "approval")


def test_bad_operator_values_are_refused() -> None:
    with pytest.raises(Exception, match="reimb_review_levels"):
        RegionPolicy.load("xinjiang", cli_params={"reimb_review_levels": "approval,first_review"})
    with pytest.raises(Exception, match="whole number"):
        RegionPolicy.load("xinjiang", cli_params={"reimb_deadline_working_days": "2.5"})


def test_retro_rules_are_data() -> None:
    mz = RegionPolicy.load("meizhou").spec.retro_application
    sy = RegionPolicy.load("shuangyashan").spec.retro_application
    assert mz is not None and mz.anchor == "recognition" and mz.one_account_across_years
    assert sy is not None and sy.anchor == "application" and sy.once_per_year
    assert RegionPolicy.load("ningxia").spec.retro_application is None


def test_split_list() -> None:
    assert split_list(" a；b ;\nc ") == ["a", "b", "c"]
