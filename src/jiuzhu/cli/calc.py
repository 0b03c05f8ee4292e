"""`jiuzhu calc`: the engine over files (calc-contract §8)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    console,
    err_console,
    load_policy,
    operator_config,
    reports_errors,
)
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.explain import explain_lines
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services import calc as calc_service

PROGRESS_FROM = 50_000


@reports_errors
def calc(
    region: str = typer.Option(
        ..., "--region", help="ningxia | shuangyashan | xinjiang | meizhou | liuzhou"
    ),
    identities: Path = typer.Option(
        ..., "--identities", help="IDENTITIES.csv: psn_no,identity,begndate,enddate"
    ),
    claims: Path = typer.Option(..., "--claims", help="CLAIMS.csv: the settlements"),
    out: Path | None = typer.Option(None, "--out", help="RESULTS.csv to write (atomically)"),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    explain: list[str] | None = typer.Option(
        None, "--explain", help="print this settlement's trace (repeatable)"
    ),
    totals_in: Path | None = typer.Option(
        None, "--totals-in", help="carry person-year totals in from a previous run"
    ),
    totals_out: Path | None = typer.Option(
        None, "--totals-out", help="write person-year totals after this run"
    ),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="no summary table"),
) -> None:
    """Compute medical assistance for every claim; write RESULTS.csv in input order."""
    if out is None and not explain:
        raise InputError("--out is required (or --explain SETL_ID)", column="--out")
    policy = load_policy(region, param, operator_file)
    policy.require_parameters()
    code_map = operator_config(operator_file).identity_code_map
    spans = calc_service.read_identities(identities, code_map)
    claim_list = calc_service.read_claims(claims)
    carried = calc_service.read_totals(totals_in) if totals_in else None
    if len(claim_list) >= PROGRESS_FROM and err_console.is_terminal:
        with Progress(
            TextColumn("计算 calc"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("calc", total=len(claim_list))
            result = calc_service.run_claims(
                claim_list, spans, policy, carried, lambda n: bar.advance(task, n)
            )
    else:
        result = calc_service.run_claims(claim_list, spans, policy, carried)
    if out is not None:
        calc_service.write_results(out, result.assessments)
    if totals_out is not None:
        calc_service.write_totals(totals_out, result.totals)
    for setl_id in explain or []:
        found = [a for a in result.assessments if a.setl_id == setl_id]
        if not found:
            raise InputError(
                f"no settlement {setl_id!r} in the claims file", file=str(claims), column="setl_id"
            )
        a = found[0]
        console.print(
            f"[bold]结算 {a.setl_id}[/]  人员 {a.psn_no}  年度 {a.year}  "
            f"医疗救助 {format_fen(a.maf_pay)}  倾斜救助 {format_fen(a.tilt_pay)}",
            highlight=False,
        )
        for i, (text, ref) in enumerate(explain_lines(a), 1):
            console.print(f"  {i}. {text}\n     [dim]依据：{ref}[/]", highlight=False)
    if not quiet:
        _print_summary(result.assessments, region)


def _print_summary(assessments: list, region: str) -> None:  # type: ignore[type-arg]
    summary = calc_service.summarise(assessments)
    t = Table(title=f"{region}：{len(assessments)} 笔结算", show_footer=True)
    t.add_column("身份 identity", footer="合计 total")
    t.add_column(
        "结算笔数 claims", justify="right", footer=str(sum(v[0] for v in summary.values()))
    )
    t.add_column("有支付 paid", justify="right", footer=str(sum(v[1] for v in summary.values())))
    t.add_column(
        "医疗救助 maf_pay", justify="right", footer=format_fen(sum(v[2] for v in summary.values()))
    )
    t.add_column(
        "倾斜救助 tilt_pay", justify="right", footer=format_fen(sum(v[3] for v in summary.values()))
    )
    for code in sorted(
        summary, key=lambda c: list(IDENTITY_CODES).index(c) if c in IDENTITY_CODES else 99
    ):
        n, paid, maf, tilt = summary[code]
        label = f"{IDENTITY_CODES[code]} {code}" if code else "无有效身份"
        t.add_row(label, str(n), str(paid), format_fen(maf), format_fen(tilt))
    err_console.print(t)
