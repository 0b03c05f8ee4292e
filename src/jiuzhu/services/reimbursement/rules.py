"""The region's manual-reimbursement rules as data: review levels, deadline, materials.

From the policy file (宁医保发〔2023〕102号 第二十条 三级审核, 第二十二条 材料, 第二十三条
30 个工作日; 柳州任务清单 七（四） 初审 + 审批) or, where the region's text gives none
(新疆规程 第十七条, 梅州规程 第十二条（三）, 双鸭山实施办法), from operator parameters.
Nothing is invented: a region whose rules are incomplete refuses applications with a
message naming every parameter the operator must set.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from jiuzhu.domain.errors import PolicyError
from jiuzhu.domain.reimbursement_status import APPLICATION_ZH
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.schema import RetroApplication

LEVEL_ZH = {"first_review": "初审", "second_review": "复审", "approval": "审批"}
STATUS_ZH = APPLICATION_ZH
REGION_PREFIX = {
    "ningxia": "NX",
    "xinjiang": "XJ",
    "shuangyashan": "SYS",
    "meizhou": "MZ",
    "liuzhou": "LZ",
}
REGION_AGENCY = {
    "ningxia": "宁夏回族自治区医疗保障经办机构",
    "xinjiang": "新疆维吾尔自治区医疗保障经办机构",
    "shuangyashan": "双鸭山市医疗保障经办机构",
    "meizhou": "梅州市医疗保障事业管理中心",
    "liuzhou": "柳州市医疗保障经办机构",
}


class NotConfigured(PolicyError):
    """The region's manual-reimbursement rules need operator parameters nobody has set."""

    code = "missing_parameter"


@dataclass(frozen=True, slots=True)
class MaterialReq:
    code: str
    name: str
    ref: str
    when: str = "always"


@dataclass(frozen=True, slots=True)
class Rules:
    """Everything intake and review need to know about a region's procedure."""

    region: str
    levels: tuple[str, ...]
    deadline_days: int
    flow_ref: str
    deadline_ref: str
    materials: tuple[MaterialReq, ...]
    materials_ref: str
    principle: str | None
    retro: RetroApplication | None

    def required_materials(self, agent: bool) -> list[MaterialReq]:
        return [m for m in self.materials if m.when == "always" or (agent and m.when == "agent")]

    def as_json(self) -> dict[str, object]:
        return {
            "region": self.region,
            "levels": [{"level": lv, "level_zh": LEVEL_ZH[lv]} for lv in self.levels],
            "deadline_working_days": self.deadline_days,
            "flow_ref": self.flow_ref,
            "deadline_ref": self.deadline_ref,
            "materials": [
                {"code": m.code, "name": m.name, "ref": m.ref, "when": m.when}
                for m in self.materials
            ],
            "materials_ref": self.materials_ref,
            "principle": self.principle,
            "retro": self.retro.model_dump() if self.retro else None,
        }


def split_list(text: str) -> list[str]:
    """An operator's material list: items separated by '；', ';' or new lines."""
    return [x.strip() for x in re.split(r"[；;\n]", text) if x.strip()]


def rules_for(policy: RegionPolicy, day: dt.date) -> Rules:
    """The rules in force on ``day``; :class:`NotConfigured` lists everything missing."""
    spec = policy.spec
    missing: list[str] = []

    def param(name: str) -> tuple[str, str] | None:
        try:
            return policy.param_value(name, day)
        except PolicyError:
            decl = spec.parameters.get(name)
            what = f"{decl.description}，依据 {decl.source}" if decl else ""
            missing.append(f"{name}（{what}）" if what else name)
            return None

    flow = spec.review_flow
    levels: tuple[str, ...] = ()
    deadline = 0
    flow_ref = deadline_ref = ""
    if flow is None:
        missing.append("review_flow（本地区政策文件未规定零星报销审核流程）")
    else:
        flow_ref = deadline_ref = flow.ref
        if flow.levels:
            levels = tuple(flow.levels)
        elif flow.levels_param:
            got = param(flow.levels_param)
            if got:
                levels = tuple(x.strip() for x in got[0].split(",") if x.strip())
                flow_ref = f"{flow.ref}；审核层级：{got[1]}"
        if flow.deadline_working_days:
            deadline = flow.deadline_working_days
        elif flow.deadline_param:
            got = param(flow.deadline_param)
            if got:
                deadline = int(got[0])
                deadline_ref = f"{flow.ref}；办结时限：{got[1]}"
        else:
            missing.append("review_flow.deadline（本地区政策文件未规定办结时限）")
    mats: tuple[MaterialReq, ...] = ()
    mref = ""
    principle = None
    m = spec.materials
    if m is None:
        missing.append("materials（本地区政策文件未规定零星报销申请材料）")
    else:
        mref, principle = m.ref, m.principle
        if m.items:
            mats = tuple(MaterialReq(i.code, i.name, i.ref, i.when) for i in m.items)
        elif m.param:
            got = param(m.param)
            if got:
                mats = tuple(MaterialReq(n, n, got[1]) for n in split_list(got[0]))
    if missing:
        raise NotConfigured(
            f"地区 {policy.region} 的零星报销规则不完整，不能受理申请；请经办机构设定："
            + "；".join(missing)
            + "（--param NAME=VALUE 或 operator file 的 parameters）",
            field=missing[0].split("（")[0],
        )
    if deadline < 1:
        raise NotConfigured(
            f"地区 {policy.region}: 办结时限必须至少 1 个工作日",
            field="reimb_deadline_working_days",
        )
    return Rules(
        region=policy.region,
        levels=levels,
        deadline_days=deadline,
        flow_ref=flow_ref,
        deadline_ref=deadline_ref,
        materials=mats,
        materials_ref=mref,
        principle=principle,
        retro=spec.retro_application,
    )
