"""The trace of an assessment in Chinese, each line with its article (为每笔支付说明理由)."""

from __future__ import annotations

from jiuzhu.domain.engine import Assessment, Step
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.schema import IDENTITY_CODES, IDENTITY_RULE_ZH, VISIT_TYPE_ZH


def _y(v: object) -> str:
    return format_fen(int(v)) if isinstance(v, int) and not isinstance(v, bool) else str(v)  # type: ignore[arg-type]


def _name(code: object) -> str:
    c = str(code)
    return f"{IDENTITY_CODES.get(c, c)}（{c}）"


def step_text(s: Step) -> str:
    d = s.data
    k = s.key
    if k == "identity":
        cands = "、".join(_name(c) for c in d["candidates"]) or "无"  # type: ignore[attr-defined]
        rule = IDENTITY_RULE_ZH.get(str(d["rule"]), str(d["rule"]))
        if d["class"] is not None:
            chosen = f"适用身份：{_name(d['chosen'])}，救助类别 {d['class']}（{d['class_name']}）"
        elif d["chosen"]:
            chosen = f"报告身份：{_name(d['chosen'])}，无救助类别"
        else:
            chosen = "无有效救助身份"
        return f"身份认定〔{rule}〕：有效身份 {cands}；{chosen}"
    if k == "no_identity":
        return "结算期间无有效救助身份，不予救助"
    if k == "unclassed_identity":
        return f"{_name(d['code'])}：{d['why']}，不予救助"
    if k == "visit_type_not_covered":
        return f"医疗类别 {d['med_type']}（{VISIT_TYPE_ZH.get(str(d['visit_type']), d['visit_type'])}）不在本地区救助范围，不予救助"
    if k == "out_of_area_without_referral":
        return "异地就医未按规定办理转诊（备案）且非急诊抢救，不予救助"
    if k == "base":
        return (
            f"救助基数 = 政策范围内费用 {_y(d['inscp_scp_amt'])} − 统筹基金 {_y(d['hifp_pay'])} − 大病保险 "
            f"{_y(d['hifmi_pay'])} − 大额补助 {_y(d['hifob_pay'])} = {_y(d['base'])}"
        )
    if k == "deductible":
        return f"起付标准 {_y(d['line'])}，本年已累计个人自付 {_y(d['S_before'])}，本次扣除起付 {_y(d['used'])}"
    if k == "ratio":
        return f"救助比例 {d['ratio']}：{_y(d['eligible'])} × {d['ratio']} = {_y(d['amount'])}（四舍五入到分）"
    if k == "cap":
        extra = "，触及年度限额" if d["capped"] else ""
        return f"年度救助限额 {_y(d['cap'])}：本次前剩余 {_y(d['left_before'])}，本次后剩余 {_y(d['left_after'])}{extra}"
    if k == "tilt":
        kind = "倾斜救助年度限额" if d["cap_kind"] == "separate" else "共用年度救助限额"
        return (
            f"倾斜救助：本次剩余个人负担 {_y(d['remaining'])}，年度累计前 {_y(d['R_before'])}，"
            f"超过 {_y(d['threshold'])}〔{d['threshold_ref']}〕部分 {_y(d['over'])} × {d['ratio']}"
            f"〔{d['ratio_ref']}〕= {_y(d['raw'])}；{kind}剩余 {_y(d['left_before'])}〔{d['cap_ref']}〕；"
            f"倾斜救助 {_y(d['tilt'])}"
        )
    if k == "tilt_none":
        why = ""
        if d.get("in_province") is False:
            why = "（非省（区）内就医）"
        elif d.get("out_of_area") and not d.get("referral"):
            why = "（异地就医未规范转诊）"
        return f"类别 {d['class']} 本次不享受倾斜救助{why}"
    if k == "result":
        return f"医疗救助支付 {_y(d['maf_pay'])}，倾斜救助支付 {_y(d['tilt_pay'])}"
    return f"{k}: {d}"


def explain_lines(a: Assessment) -> list[tuple[str, str]]:
    """(text, article) pairs for every step."""
    return [(step_text(s), s.ref) for s in a.trace]


def trace_json(a: Assessment) -> list[dict[str, object]]:
    """The trace as stored and returned by the API."""
    out: list[dict[str, object]] = []
    for s in a.trace:
        data = {
            k: (format_fen(v) if isinstance(v, int) and not isinstance(v, bool) else v)
            for k, v in s.data.items()
        }
        out.append({"step": s.key, "text": step_text(s), "ref": s.ref, "data": data})
    return out
