"""Who may recognise which identity (SOURCES) and the identity names a department list may
use (Chinese names, aliases, the operator's outside codes) — the registry's vocabulary."""

from __future__ import annotations

import re
from collections.abc import Mapping

from jiuzhu.policy.schema import IDENTITY_CODES

SOURCES: dict[str, frozenset[str]] = {
    # 新疆规程 第六条; 宁医保发〔2023〕102号 第十一条 first paragraph; 柳州任务清单 一
    "minzheng": frozenset(
        {"tekun", "guer", "wurenfuyang", "dibao", "gaoling", "bianyuan", "yinbing"}
    ),
    "xiangcun": frozenset({"jiance", "fanpin", "tuopin"}),
    "canlian": frozenset({"zhongcan"}),
    # 宁医保发〔2023〕102号 第十一条 second paragraph: the agency maintains any identity
    # from the recognising department's document
    "yibao": frozenset(IDENTITY_CODES),
}
SOURCE_ZH: dict[str, str] = {
    "minzheng": "民政部门",
    "xiangcun": "乡村振兴（农业农村）部门",
    "canlian": "残疾人联合会",
    "yibao": "医保经办机构",
}

_EXTRA_ALIASES: dict[str, str] = {
    "特困": "tekun",
    "特困供养": "tekun",
    "特困供养人员": "tekun",
    "城乡特困救助供养对象": "tekun",
    "事实无人抚养": "wurenfuyang",
    "低保": "dibao",
    "低保户": "dibao",
    "城乡最低生活保障家庭成员": "dibao",
    "高龄老人": "gaoling",
    "低保边缘": "bianyuan",
    "低保边缘对象": "bianyuan",
    "低保边缘户": "bianyuan",
    "最低生活保障边缘家庭成员": "bianyuan",
    "优抚对象": "youfu",
    "重点优抚对象": "youfu",
    "监测对象": "jiance",
    "监测人口": "jiance",
    "易返贫致贫人口": "jiance",
    "农村易返贫致贫人口": "jiance",
    "返贫致贫": "fanpin",
    "因病返贫致贫": "fanpin",
    "因病致贫": "yinbing",
    "因病致贫重病患者": "yinbing",
    "支出型困难家庭": "yinbing",
    "支出型医疗救助对象": "yinbing",
    "因病支出型困难家庭成员": "yinbing",
    "脱贫户": "tuopin",
    "已脱贫人口": "tuopin",
    "重度残疾": "zhongcan",
    "重度残疾人员": "zhongcan",
}


def _build_identity_names() -> dict[str, str]:
    """Chinese names → contract codes (calc-contract §1), from the names in the schema."""
    out: dict[str, str] = {}
    for code, zh in IDENTITY_CODES.items():
        out[zh] = code
        for part in re.split(r"[（）()/、]", zh):
            part = part.strip()
            if part:
                out.setdefault(part, code)
    for alias, code in _EXTRA_ALIASES.items():
        out.setdefault(alias, code)
    return out


IDENTITY_NAMES: dict[str, str] = _build_identity_names()


def resolve_identity_code(text: str, operator_map: Mapping[str, str] | None = None) -> str | None:
    """A contract code from a contract code, an outside (department) code in the operator's
    ``identity_codes`` mapping, or a Chinese identity name; None if unknown."""
    t = text.strip()
    if not t:
        return None
    if t in IDENTITY_CODES:
        return t
    if t.lower() in IDENTITY_CODES:
        return t.lower()
    if operator_map and t in operator_map:
        return operator_map[t]
    return IDENTITY_NAMES.get(t)


def source_problem(source: str, code: str) -> str | None:
    """Why ``source`` may not give identity ``code`` (None if it may)."""
    if source not in SOURCES:
        return f"unknown source '{source}' (known: {', '.join(SOURCES)})"
    if code not in SOURCES[source]:
        return (
            f"identity '{code}' is not recognised by {source} ({SOURCE_ZH[source]}); "
            f"its types: {', '.join(sorted(SOURCES[source]))}"
        )
    return None
