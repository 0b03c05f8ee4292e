"""`jiuzhu policy show REGION`: a region's table with citations."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    console,
    operator_config,
    reports_errors,
)
from jiuzhu.domain.errors import MissingParameter
from jiuzhu.policy.loader import REGIONS, RegionPolicy, load_policy_file, parse_param_option
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.schema import (
    IDENTITY_CODES,
    IDENTITY_RULE_ZH,
    VISIT_TYPE_ZH,
    DatedSeries,
    ParamRef,
)

app = typer.Typer(help="Region policy files: show and check.", no_args_is_help=True)


def _value_text(
    series: DatedSeries, day: dt.date, policy: RegionPolicy, money: bool
) -> tuple[str, str]:
    e = series.at(day)
    if e is None:
        return "—", ""
    vals = e.value if isinstance(e.value, dict) else {"": e.value}
    parts = []
    for vt, v in vals.items():
        label = f"{VISIT_TYPE_ZH.get(vt, vt)} " if vt else ""
        if isinstance(v, ParamRef):
            try:
                raw, _ = policy.param_value(v.param, day)
                shown = f"{raw}×{v.times}" if v.times is not None else raw
            except MissingParameter:
                shown = f"[red]参数 {v.param} 未设置[/]"
            times = f"{v.times}×" if v.times is not None else ""
            parts.append(f"{label}{times}{{{v.param}}} = {shown}")
        else:
            parts.append(f"{label}{format_fen(int(v) * 100) if money and str(v).isdigit() else v}")
    return "；".join(parts), e.ref


@reports_errors
@app.command("show")
def show(
    region: str = typer.Argument(..., help="|".join(REGIONS)),
    on: str | None = typer.Option(
        None, "--on", help="the day (YYYY-MM-DD) whose values to show; default today"
    ),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """Print the region's classes, numbers and rules, each with its article."""
    spec = load_policy_file(region)
    policy = RegionPolicy(
        spec,
        operator_config(operator_file).params.get(region),
        dict(parse_param_option(p) for p in param or []),
    )
    day = dt.date.fromisoformat(on) if on else dt.date.today()
    console.print(
        f"[bold]{spec.name}[/]  {spec.document.title} {spec.document.number}（于 {day} 有效的规定）",
        highlight=False,
    )
    for d in spec.outside_documents:
        console.print(f"  [yellow]引用未收录文件[/] {d.number} {d.title}", highlight=False)
    t = Table(show_lines=True)
    for col in ("类别", "身份", "起付标准", "救助比例", "年度限额", "倾斜"):
        t.add_column(col)
    for c in spec.classes:
        ded, ded_ref = _value_text(c.deductible, day, policy, True)
        rat, rat_ref = _value_text(c.ratio, day, policy, False)
        cap, cap_ref = _value_text(c.annual_cap, day, policy, True)
        ids = "\n".join(f"{IDENTITY_CODES[i]} {i}" for i in c.identities)
        t.add_row(
            f"{c.id} {c.name}",
            ids,
            f"{ded}\n[dim]{ded_ref}[/]",
            f"{rat}\n[dim]{rat_ref}[/]",
            f"{cap}\n[dim]{cap_ref}[/]",
            "是" if c.tilt or (spec.tilt and spec.tilt.eligible != "listed_classes") else "否",
        )
    console.print(t)
    rows = [
        (
            "身份认定",
            IDENTITY_RULE_ZH.get(spec.identity_rule.value, spec.identity_rule.value),
            spec.identity_rule.ref,
        ),
        ("计入年度", "出院（enddate）所在年度", spec.year_rule.ref),
        (
            "救助范围",
            "全部"
            if spec.covered_visit_types.value == "all"
            else "、".join(VISIT_TYPE_ZH[v] for v in spec.covered_visit_types.value),
            spec.covered_visit_types.ref,
        ),
        (
            "转诊规则",
            ("异地就医须转诊/备案" if spec.referral.required_out_of_area else "不要求")
            + ("，急诊抢救视同备案" if spec.referral.emergency_exempt else ""),
            spec.referral.ref,
        ),
    ]
    if spec.retro_start:
        rows.append(
            (
                "追溯",
                f"{'、'.join(spec.retro_start.identities)} 自认定之日前 {spec.retro_start.months} 个月",
                spec.retro_start.ref,
            )
        )
    for u in spec.unclassed_identities:
        rows.append((f"无类别 {u.code}", u.reason, u.ref))
    if spec.tilt:
        tt = spec.tilt
        thr, thr_ref = _value_text(tt.threshold, day, policy, True)
        rat, rat_ref = _value_text(tt.ratio, day, policy, False)
        rows.append(("倾斜救助门槛", thr, thr_ref))
        rows.append(("倾斜救助比例", rat, rat_ref))
        if tt.annual_cap:
            cap, cap_ref = _value_text(tt.annual_cap, day, policy, True)
            rows.append(("倾斜救助年度限额", cap, cap_ref))
        else:
            rows.append(("倾斜救助限额", "与年度救助限额共用", tt.ref))
    for s in spec.premium_subsidy:
        v, ref = _value_text(s.share, day, policy, False)
        rows.append((f"资助参保 {'、'.join(s.identities)}", f"{s.kind} {v}", ref))
    for w in spec.early_warning:
        v, ref = _value_text(w.line, day, policy, True)
        who = "所有参保人员" if w.identities == ["anyone"] else "、".join(w.identities)
        rows.append((f"预警线 {w.id}（{who}，{w.measure}）", v, ref))
    if spec.review_flow:
        rows.append(
            (
                "零星报销审核",
                " → ".join(spec.review_flow.levels)
                + (
                    f"，{spec.review_flow.deadline_working_days} 个工作日"
                    if spec.review_flow.deadline_working_days
                    else ""
                ),
                spec.review_flow.ref,
            )
        )
    r = Table(show_lines=False)
    r.add_column("规则")
    r.add_column("内容")
    r.add_column("依据", style="dim")
    for row in rows:
        r.add_row(*row)
    console.print(r)
    missing = policy.missing_parameters()
    if missing:
        console.print("[yellow]须由经办机构设置的参数（--param NAME=VALUE 或 operator 文件）：[/]")
        for name in missing:
            decl = spec.parameters[name]
            console.print(f"  {name}: {decl.description} — 见 {decl.source}", highlight=False)


@reports_errors
@app.command("check")
def check() -> None:
    """Load and schema-check every region's policy file."""
    for region in REGIONS:
        spec = load_policy_file(region)
        console.print(
            f"{region}: {len(spec.classes)} classes, {len(spec.parameters)} parameters — ok"
        )
