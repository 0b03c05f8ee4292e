"""资助参保: the enrolment cases (梅州规程 第六条, 第七条; 新疆规程 第十一条) and their names."""

from __future__ import annotations

from jiuzhu.adapters.db.enrolment_tables import ENROLMENT_STATUSES

STATUS_NAMES: dict[str, str] = {v: k for k, v in ENROLMENT_STATUSES.items()} | {
    "未参保": "unenrolled",
    "本市居民医保": "local",
    "本市以外居民医保": "elsewhere",
    "外地居民医保": "elsewhere",
    "回认定地参保": "elsewhere_return",
    "自行缴费": "self_paid",
    "职工医保": "employee",
}
REPORT_DAY = 25
"""梅州规程 第七条（二）: 每月25日前报送当月新增的中途参保人员名单"""

CASES: dict[str, tuple[str, str]] = {
    "enrol_now": ("未参保：办理当年度参保登记，按标准资助", "梅州规程 第六条（一）"),
    "local": ("已在本市参加居民医保：按标准资助当年度", "梅州规程 第七条"),
    "elsewhere": (
        "已参加本市以外居民医保：征得本人同意后资助参加下一年度",
        "梅州规程 第六条（二）",
    ),
    "elsewhere_return": (
        "已参加外地居民医保，选择回身份认定地参保：待遇享受期开始前向原参保地申请退费，"
        "退费成功后在本地参保并按规定资助",
        "新疆规程 第十一条",
    ),
    "elsewhere_cash": (
        "已参加外地居民医保，选择不回身份认定地参保：按本地标准向个人支付资助参保费用，"
        "不超过个人缴费部分",
        "新疆规程 第十一条",
    ),
    "self_paid_before": (
        "认定前已自行参加当年度居民医保：资助参加下一年度",
        "梅州规程 第六条（三）",
    ),
    "self_paid_after": (
        "纳入保障期后自行缴费：主动通知退费，按资助参保流程核定免缴台账",
        "梅州规程 第七条（三）",
    ),
    "employee": ("已参加职工基本医疗保险：不予资助参加居民医保", "梅州规程 第六条（四）"),
}


def parse_status(text: str) -> str | None:
    t = text.strip()
    if t in ENROLMENT_STATUSES:
        return t
    return STATUS_NAMES.get(t)


def status_label(status: str | None) -> str:
    return ENROLMENT_STATUSES.get(status or "", "无参保记录")
