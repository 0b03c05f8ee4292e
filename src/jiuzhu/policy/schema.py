"""Schema of a region's policy file (``policy/regions/<region>.yaml``).

Every number is a list of dated entries ``{from, value, ref}``: the value in force
from that day, and the document and article that give it. A number that lives in
a document outside ``shared/regulations`` is written ``{param: NAME}`` and declared
under ``parameters`` with the document that holds it; the operator must set it.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

IDENTITY_CODES: dict[str, str] = {
    "tekun": "特困人员（特困供养人员）",
    "guer": "孤儿",
    "wurenfuyang": "事实无人抚养儿童",
    "dibao": "最低生活保障对象（低保对象）",
    "gaoling": "高龄低收入老年人",
    "bianyuan": "低保边缘家庭成员",
    "youfu": "享受国家定期抚恤补助的优抚对象",
    "jiance": "纳入监测范围的农村易返贫致贫人口",
    "fanpin": "返贫致贫人口 / 已脱贫人口因病返贫致贫救助对象",
    "yinbing": "因病致贫重病患者（支出型困难家庭成员）",
    "tuopin": "脱贫人口",
    "zhongcan": "重度残疾人",
}
"""calc-contract §1: one code per identity type, the same in every region."""

VisitType = Literal["inpatient", "chronic_outpatient", "outpatient"]
VISIT_TYPE_ZH: dict[str, str] = {
    "inpatient": "住院",
    "chronic_outpatient": "门诊慢特病",
    "outpatient": "普通门诊",
}
IdentityRule = Literal["any_day_of_stay", "on_enddate", "on_begndate"]
IDENTITY_RULE_ZH: dict[str, str] = {
    "any_day_of_stay": "住院期间任一日有效的身份，就高不就低",
    "on_enddate": "出院（结算截止）日有效的身份，就高不就低",
    "on_begndate": "入院日有效的身份",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ParamRef(_Strict):
    """A number taken from an operator parameter, optionally multiplied (e.g. 10% × income)."""

    param: str
    times: Decimal | None = None

    @field_validator("times", mode="before")
    @classmethod
    def _refuse_binary_floats(cls, v: object) -> object:
        if isinstance(v, float):
            raise ValueError("write multipliers as quoted decimals, e.g. '0.10'")
        return v


Scalar = int | str | ParamRef
"""A literal (int or decimal text) or a parameter reference."""


class Dated(_Strict):
    """One dated value: in force from ``from`` (until the next entry), cited by ``ref``."""

    from_: dt.date = Field(alias="from")
    value: Scalar | dict[VisitType, Scalar]
    ref: str = Field(min_length=4)

    @field_validator("value", mode="before")
    @classmethod
    def _refuse_binary_floats(cls, v: object) -> object:
        if isinstance(v, float):
            raise ValueError(
                "write decimal numbers as quoted text, e.g. '0.70'; binary floats are refused"
            )
        if isinstance(v, dict):
            for x in v.values():
                if isinstance(x, float):
                    raise ValueError("write decimal numbers as quoted text, e.g. '0.70'")
        return v


class DatedSeries(_Strict):
    """Dated entries of one quantity, sorted by date, none duplicated."""

    entries: list[Dated] = Field(min_length=1)

    @model_validator(mode="before")
    @classmethod
    def _from_list(cls, v: object) -> object:
        return {"entries": v} if isinstance(v, list) else v

    @model_validator(mode="after")
    def _sorted(self) -> DatedSeries:
        days = [e.from_ for e in self.entries]
        if days != sorted(days) or len(set(days)) != len(days):
            raise ValueError("dated entries must be in increasing order of 'from' with no repeats")
        return self

    def at(self, day: dt.date) -> Dated | None:
        found = None
        for e in self.entries:
            if e.from_ <= day:
                found = e
            else:
                break
        return found


class ParameterDecl(_Strict):
    """An operator parameter: a number (or choice) whose value another document gives."""

    description: str
    unit: Literal["yuan", "ratio", "choice", "days", "text"]
    """``days``: a whole number of days; ``text``: free text (e.g. a '；'-separated list)."""
    source: str = Field(min_length=4, description="document (and article) that gives the value")
    choices: list[str] | None = None
    values: DatedSeries | None = None


class Rule(_Strict):
    value: str
    ref: str


class CoveredVisitTypes(_Strict):
    value: list[VisitType] | Literal["all"]
    ref: str


class ReferralRule(_Strict):
    """Out of area without referral or filing gets nothing, unless an emergency."""

    required_out_of_area: bool
    emergency_exempt: bool
    ref: str


class UnclassedIdentity(_Strict):
    """An identity the region names but gives no benefit standard (e.g. ningxia youfu)."""

    code: str
    reason: str
    ref: str


class RetroStart(_Strict):
    """Benefit period starting N months before recognition (meizhou 第十条（二））."""

    identities: list[str]
    months: int = Field(gt=0)
    ref: str


class ClassDef(_Strict):
    id: str
    name: str
    identities: list[str] = Field(min_length=1)
    ref: str
    deductible: DatedSeries
    ratio: DatedSeries
    annual_cap: DatedSeries
    tilt: bool = False


class TiltDef(_Strict):
    """倾斜救助: part of remaining burden above a threshold, at a ratio, within a cap."""

    cap_kind: Literal["separate", "shared"]
    eligible: Literal["listed_classes", "ratio_below_one", "all_classes"]
    classes: list[str] = []
    requires_in_province: bool
    every_covered_counts_as_referred: bool = False
    requires_referral_out_of_area: bool = False
    """out of area only with ``referral=1`` (柳州任务清单 六（二）规范转诊且在自治区内就医)"""
    threshold: DatedSeries
    ratio: DatedSeries
    annual_cap: DatedSeries | None = None
    ref: str

    @model_validator(mode="after")
    def _cap(self) -> TiltDef:
        if self.cap_kind == "separate" and self.annual_cap is None:
            raise ValueError("a separate tilt cap needs 'annual_cap'")
        if self.eligible == "listed_classes" and not self.classes:
            raise ValueError("eligible: listed_classes needs 'classes'")
        return self


class PremiumSubsidy(_Strict):
    """资助参保: share of the personal premium paid by the assistance fund."""

    identities: list[str]
    kind: Literal["full", "fixed", "none"]
    share: DatedSeries
    ref: str


WarningMeasure = Literal["B", "H", "base", "hifmi_pay"]
WARNING_MEASURE_ZH: dict[str, str] = {
    "B": "年度政策范围内个人自付累计（基本医保、大病保险后）",
    "H": "年度个人负担医疗费用累计（基本医保、大病保险后）",
    "base": "本次政策范围内个人自付",
    "hifmi_pay": "本次大病保险支付",
}
Department = Literal["minzheng", "xiangcun"]
DEPARTMENT_ZH: dict[str, str] = {"minzheng": "民政部门", "xiangcun": "乡村振兴部门"}


class EarlyWarningLine(_Strict):
    """预警监测 (calc-contract §11): who is watched, what is measured, the dated line.

    ``measure`` B/H is the person-year running sum, base/hifmi_pay the settlement's
    own figure; the line fires when the measure is strictly over ``line``.
    ``visit_types``: only these settlements count and fire (None: every settlement).
    ``identities: [anyone]`` watches everybody, with or without an identity.
    """

    id: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    identities: list[str] = Field(min_length=1)
    measure: WarningMeasure
    visit_types: list[VisitType] | None = None
    line: DatedSeries
    departments: list[Department] = Field(min_length=1)
    ref: str

    @field_validator("identities")
    @classmethod
    def _codes(cls, v: list[str]) -> list[str]:
        if v == ["anyone"]:
            return v
        for code in v:
            if code not in IDENTITY_CODES:
                raise ValueError(f"unknown identity code '{code}' (or [anyone])")
        return v


ReviewLevel = Literal["first_review", "second_review", "approval"]


class ReviewFlow(_Strict):
    """零星报销 review levels, in order; deadline in working days.

    Where the region's text gives no levels or no deadline, ``levels_param`` /
    ``deadline_param`` name the operator parameters that must hold them
    (levels as a comma-separated choice, e.g. ``first_review,approval``).
    """

    levels: list[ReviewLevel] = []
    deadline_working_days: int | None = None
    levels_param: str | None = None
    deadline_param: str | None = None
    ref: str

    @model_validator(mode="after")
    def _given_or_param(self) -> ReviewFlow:
        if not self.levels and not self.levels_param:
            raise ValueError("review_flow needs 'levels' or 'levels_param'")
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("review_flow: a level may appear only once")
        return self


class MaterialItem(_Strict):
    """One material an applicant presents for manual reimbursement (零星报销申请材料)."""

    code: str
    name: str
    ref: str
    when: Literal["always", "agent"] = "always"
    """``agent``: only when an agent (代办人) applies for the beneficiary."""


class Materials(_Strict):
    """The region's list of materials; ``param`` when the list lives in another document."""

    items: list[MaterialItem] = []
    param: str | None = None
    principle: str | None = None
    ref: str

    @model_validator(mode="after")
    def _items_or_param(self) -> Materials:
        if not self.items and not self.param:
            raise ValueError("materials needs 'items' or 'param'")
        codes = [m.code for m in self.items]
        if len(set(codes)) != len(codes):
            raise ValueError("materials: codes must be unique")
        return self


class RetroApplication(_Strict):
    """Retroactive manual reimbursement for expense-type households (追溯 12 个月).

    ``anchor``: the window counts back from the recognition day (梅州 第十条（二）) or from
    the application day (双鸭山 第十二条). ``one_account_across_years``: costs of two years
    share one deductible and cap at the discharge year's standard (梅州 第十二条（三）2–3).
    """

    identities: list[str] = Field(min_length=1)
    months: int = Field(gt=0)
    anchor: Literal["recognition", "application"]
    once_per_year: bool = False
    one_account_across_years: bool = False
    ref: str


class Document(_Strict):
    number: str
    title: str
    file: str | None = None
    in_force_from: dt.date | None = None
    in_force_until: dt.date | None = None
    """the last day in force (梅州规程 第二十四条 有效期3年)"""
    present: bool = True


class InsuredElsewhere(_Strict):
    """A beneficiary insured in another place's resident scheme.

    ``subsidise_next_year`` (梅州规程 第六条（二）): subsidised from the next year.
    ``return_or_cash`` (新疆规程 第十一条): returning, enrolled and subsidised here after the
    refund elsewhere; not returning, paid the subsidy at this place's standard, at most
    the person's own contribution."""

    rule: Literal["subsidise_next_year", "return_or_cash"]
    ref: str


class DepositFree(_Strict):
    """先诊疗后付费: inpatients of these identities pay no deposit, under the conditions
    the hospital checks (referral from primary care, a hospital in the city …)."""

    identities: list[str]
    conditions: list[str] = []
    ref: str


class SpecialGroup(_Strict):
    """Assisted by diagnosis rather than identity, when no identity's class applies
    (梅州规程 第十二条（四） "两病" children): age, visit type, a hospital in the city, a
    diagnosis code starting with one of the operator's prefixes; standards from parameters,
    resolved only for a claim of the group (so other claims never need them)."""

    id: str
    name: str
    max_age: int = Field(ge=0)
    visit_types: list[VisitType]
    local_only: bool
    diagnoses: ParamRef
    deductible: DatedSeries
    ratio: DatedSeries
    annual_cap: DatedSeries
    tilt: bool = False
    ref: str


class RegionPolicyFile(_Strict):
    region: str
    name: str
    document: Document
    outside_documents: list[Document] = []
    notes: list[str] = []
    identity_rule: Rule
    year_rule: Rule
    covered_visit_types: CoveredVisitTypes
    referral: ReferralRule
    retro_start: RetroStart | None = None
    unclassed_identities: list[UnclassedIdentity] = []
    parameters: dict[str, ParameterDecl] = {}
    classes: list[ClassDef] = Field(min_length=1)
    tilt: TiltDef | None = None
    premium_subsidy: list[PremiumSubsidy] = []
    insured_elsewhere: InsuredElsewhere | None = None
    deposit_free: DepositFree | None = None
    special_groups: list[SpecialGroup] = []
    early_warning: list[EarlyWarningLine] = []
    review_flow: ReviewFlow | None = None
    materials: Materials | None = None
    retro_application: RetroApplication | None = None

    @model_validator(mode="after")
    def _consistent(self) -> RegionPolicyFile:
        seen: dict[str, str] = {}
        for c in self.classes:
            for code in c.identities:
                if code not in IDENTITY_CODES:
                    raise ValueError(f"class {c.id}: unknown identity code '{code}'")
                if code in seen:
                    raise ValueError(f"identity '{code}' is in classes {seen[code]} and {c.id}")
                seen[code] = c.id
        for u in self.unclassed_identities:
            if u.code not in IDENTITY_CODES:
                raise ValueError(f"unclassed identity: unknown code '{u.code}'")
        ids = [c.id for c in self.classes]
        if len(set(ids)) != len(ids):
            raise ValueError("class ids must be unique")
        if self.tilt and self.tilt.eligible == "listed_classes":
            for cid in self.tilt.classes:
                if cid not in ids:
                    raise ValueError(f"tilt: unknown class '{cid}'")
        if self.identity_rule.value.startswith("param:"):
            name = self.identity_rule.value[6:]
            if name not in self.parameters:
                raise ValueError(f"identity_rule refers to undeclared parameter '{name}'")
        elif self.identity_rule.value not in IDENTITY_RULE_ZH:
            raise ValueError(f"identity_rule: unknown value '{self.identity_rule.value}'")
        for name in _referenced_params(self):
            if name not in self.parameters:
                raise ValueError(f"parameter '{name}' is used but not declared under 'parameters'")
        for name in _reimbursement_params(self):
            if name not in self.parameters:
                raise ValueError(f"parameter '{name}' is used but not declared under 'parameters'")
        lines = [w.id for w in self.early_warning]
        if len(set(lines)) != len(lines):
            raise ValueError("early_warning: line ids must be unique")
        if self.retro_application:
            for code in self.retro_application.identities:
                if code not in IDENTITY_CODES:
                    raise ValueError(f"retro_application: unknown identity code '{code}'")
        return self


def _reimbursement_params(p: RegionPolicyFile) -> list[str]:
    """Operator parameters of manual reimbursement (review flow, deadline, materials)."""
    names: list[str] = []
    if p.review_flow:
        names += [n for n in (p.review_flow.levels_param, p.review_flow.deadline_param) if n]
    if p.materials and p.materials.param:
        names.append(p.materials.param)
    return names


def _referenced_params(p: RegionPolicyFile, benefits_only: bool = False) -> list[str]:
    """Parameters the policy uses; ``benefits_only``: those the benefit engine needs."""
    names: list[str] = []

    def walk(s: DatedSeries | None) -> None:
        if s is None:
            return
        for e in s.entries:
            vals = e.value.values() if isinstance(e.value, dict) else [e.value]
            for v in vals:
                if isinstance(v, ParamRef):
                    names.append(v.param)

    for c in p.classes:
        walk(c.deductible)
        walk(c.ratio)
        walk(c.annual_cap)
    if p.tilt:
        walk(p.tilt.threshold)
        walk(p.tilt.ratio)
        walk(p.tilt.annual_cap)
    if benefits_only:
        return names
    for g in p.special_groups:  # resolved only for a claim of the group
        names.append(g.diagnoses.param)
        walk(g.deductible)
        walk(g.ratio)
        walk(g.annual_cap)
    for s in p.premium_subsidy:
        walk(s.share)
    for w in p.early_warning:
        walk(w.line)
    return names


referenced_params = _referenced_params
