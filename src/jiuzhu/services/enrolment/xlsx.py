"""The 免缴台账 as an XLSX workbook (Chinese headers, ID numbers and names masked): the
lines, the totals by case, the mid-year additions by month (梅州规程 第七条（二））."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from jiuzhu.adapters.db.enrolment_tables import ENROLMENT_STATUSES
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.reports.xlsx import Sheet
from jiuzhu.services.enrolment.cases import CASES

if TYPE_CHECKING:
    from jiuzhu.services.enrolment.register import SubsidyRegister, SubsidyRegisterLine

REGISTER_HEADERS = (
    "人员编号",
    "姓名",
    "身份证号码",
    "救助身份（全部）",
    "最高身份（就高不就低）",
    "救助类别",
    "资助身份",
    "资助方式",
    "资助比例",
    "个人缴费标准（元）",
    "资助金额（元）",
    "个人缴纳（元）",
    "认定日期",
    "退出日期",
    "参保情形",
    "处理",
    "依据",
    "资助年度",
    "退费金额（元）",
    "备注",
)
KIND_ZH = {"full": "全额资助", "fixed": "定额资助", "none": "不资助"}


def _identity_list(codes: Sequence[str], top: str) -> str:
    return "、".join(
        f"{IDENTITY_CODES.get(c, c).split('（')[0]}{'★' if c == top else ''}" for c in codes
    )


def register_row(ln: SubsidyRegisterLine) -> list[Any]:
    return [
        ln.psn_no,
        ln.name,
        ln.certno,
        _identity_list(ln.identities, ln.highest),
        IDENTITY_CODES.get(ln.highest, ln.highest).split("（")[0],
        f"{ln.class_id} {ln.class_name}" if ln.class_id else "",
        IDENTITY_CODES.get(ln.subsidy_identity, ln.subsidy_identity).split("（")[0],
        KIND_ZH.get(ln.kind, ln.kind),
        f"{ln.share * 100:.0f}%",
        format_fen(ln.premium),
        format_fen(ln.subsidy),
        format_fen(ln.personal),
        ln.recognised_on.isoformat(),
        ln.left_on.isoformat() if ln.left_on else "",
        ENROLMENT_STATUSES.get(ln.status or "", "无参保记录"),
        ln.case_text,
        f"{ln.case_ref}；{ln.share_ref}",
        ln.subsidised_year or "",
        format_fen(ln.refund) if ln.refund else "",
        "；".join(ln.notes),
    ]


def register_sheets(register: SubsidyRegister) -> list[Sheet]:
    """免缴台账, 中途新增 (by month, 25th deadline), 退费, 汇总 — Chinese headers, masked."""

    t = register.totals()
    head = [
        f"{register.year}年度医疗救助资助参保免缴台账（{register.region}）",
        f"个人缴费标准 {format_fen(register.premium)} 元（{register.premium_ref}）；"
        "★ 为就高不就低的最高身份；证件号码、姓名已脱敏",
    ]
    return [
        Sheet(
            "免缴台账",
            REGISTER_HEADERS,
            (register_row(ln) for ln in register.lines),
            widths=(16, 8, 22, 28, 14, 18, 14, 10, 8, 12, 12, 12, 12, 12, 22, 40, 40, 8, 12, 50),
            notes=head,
        ),
        Sheet(
            "中途新增",
            (
                "报送月份",
                "报送截止日",
                "人员编号",
                "姓名",
                "身份证号码",
                "认定日期",
                "资助身份",
                "资助金额（元）",
                "处理",
            ),
            (
                [
                    m.month,
                    m.deadline.isoformat(),
                    m.line.psn_no,
                    m.line.name,
                    m.line.certno,
                    m.line.recognised_on.isoformat(),
                    IDENTITY_CODES.get(m.line.subsidy_identity, "").split("（")[0],
                    format_fen(m.line.subsidy),
                    m.line.case_text,
                ]
                for m in register.mid_year
            ),
            widths=(10, 12, 16, 8, 22, 12, 14, 12, 40),
            notes=[
                "中途新增资助参保人员：认定当月完成参保登记和身份标识，每月25日前报送"
                "（梅州规程 第七条（二））"
            ],
        ),
        Sheet(
            "退费",
            ("人员编号", "姓名", "身份证号码", "认定日期", "退费金额（元）", "依据"),
            (
                [
                    ln.psn_no,
                    ln.name,
                    ln.certno,
                    ln.recognised_on.isoformat(),
                    format_fen(ln.refund),
                    ln.case_ref,
                ]
                for ln in register.lines
                if ln.refund
            ),
            widths=(16, 8, 22, 12, 12, 30),
            notes=["纳入医疗救助保障期后自行缴费的，主动通知退费（梅州规程 第七条（三））"],
        ),
        Sheet(
            "汇总",
            ("项目", "数值"),
            [
                ["人数", t["persons"]],
                ["个人缴费合计（元）", t["premium"]],
                ["资助金额合计（元）", t["subsidy"]],
                ["个人缴纳合计（元）", t["personal"]],
                ["退费合计（元）", t["refund"]],
                *[[CASES[c][0], n] for c, n in t["by_case"].items()],
            ],
            widths=(50, 16),
        ),
    ]
