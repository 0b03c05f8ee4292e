"""`jiuzhu calc`: the engine over files (calc-contract §8)."""

from __future__ import annotations

import gc
from pathlib import Path

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
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
from jiuzhu.services.batch import readers, reference, results
from jiuzhu.services.batch import run as batch

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
    engine: str = typer.Option(
        "columnar",
        "--engine",
        hidden=True,
        help="columnar (default) | reference: the previous path, for side-by-side benches",
    ),
    workers: int | None = typer.Option(
        None,
        "--workers",
        min=1,
        help="processes (persons are split between them; same results); default: the CPUs",
    ),
) -> None:
    """Compute medical assistance for every claim; write RESULTS.csv in input order."""
    if out is None and not explain:
        raise InputError("--out is required (or --explain SETL_ID)", column="--out")
    policy = load_policy(region, param, operator_file)
    policy.require_parameters()
    # A batch builds millions of small acyclic objects and then exits: the cyclic
    # collector would only rescan them again and again (a third of the run time).
    gc.disable()
    code_map = operator_config(operator_file).identity_code_map
    spans = batch.IdentitySource(identities, code_map)
    carried = readers.read_totals(totals_in) if totals_in else None
    wanted = list(dict.fromkeys(explain or []))
    n_workers = workers if workers is not None else reference.available_workers()
    size = claims.stat().st_size if claims.is_file() else 0
    if size >= PROGRESS_FROM * 100 and err_console.is_terminal:
        with Progress(
            TextColumn("计算 calc"),
            BarColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("calc", total=None)
            result = batch.calc_file(
                claims,
                spans,
                policy,
                carried,
                explain=wanted,
                workers=n_workers,
                progress=lambda n: bar.advance(task, n),
            )
    elif engine == "reference":
        result = batch.ReferenceOutcome(
            reference.run_file(
                claims, spans.spans(), policy, carried, explain=wanted, workers=n_workers
            )
        )
    else:
        result = batch.calc_file(claims, spans, policy, carried, explain=wanted, workers=n_workers)
    if out is not None:
        result.write_results(out)
    if totals_out is not None:
        results.write_totals(totals_out, result.totals)
    for setl_id in wanted:
        a = result.explained[setl_id]
        console.print(
            f"[bold]结算 {escape(a.setl_id)}[/]  人员 {escape(a.psn_no)}  年度 {a.year}  "
            f"医疗救助 {format_fen(a.maf_pay)}  倾斜救助 {format_fen(a.tilt_pay)}",
            highlight=False,
            soft_wrap=True,
        )
        for i, (text, ref) in enumerate(explain_lines(a), 1):
            console.print(
                f"  {i}. {escape(text)}\n     [dim]依据：{escape(ref)}[/]",
                highlight=False,
                soft_wrap=True,
            )
    if not quiet:
        _print_summary(result.summary, result.n_claims, region)


def _print_summary(summary: dict[str, list[int]], n_claims: int, region: str) -> None:
    t = Table(title=f"{region}：{n_claims} 笔结算", show_footer=True)
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
