"""`jiuzhu checks …`: 核查 rules, runs (on demand or from cron), findings workflow, death list."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer

from jiuzhu.cli.common import console, reports_errors

app = typer.Typer(
    help="核查 checks: enrolment, benefits, hospitals; findings; claw-backs; death list."
)


def _store():  # type: ignore[no-untyped-def]
    from jiuzhu.cli.settlements import _store as store

    return store()


def _actor() -> str:
    from jiuzhu.cli.keys import cli_actor

    return cli_actor()


@app.command("rules")
def rules() -> None:
    """The rules, each with its article."""
    from jiuzhu.services.checks.rules import RULES

    for r in RULES.values():
        needs = f"（需 --{r.needs.replace('_', '-')}）" if r.needs else ""
        console.print(
            f"{r.name:36} {r.category:10} {r.title}{needs}  [dim]{r.article}[/]", highlight=False
        )


@app.command("run")
@reports_errors
def run(
    rule: list[str] | None = typer.Option(None, "--rule", help="only these rules (repeatable)"),
    year: int | None = typer.Option(None, "--year", help="enrolment year (default: this year)"),
    readmission_days: int | None = typer.Option(
        None, "--readmission-days", help="分解住院 window (the operator's number)"
    ),
    outlier_factor: int | None = typer.Option(
        None, "--outlier-factor", help="× the hospital's median (the operator's number)"
    ),
    payable_days: int | None = typer.Option(
        None, "--payable-days", help="payables overdue after this many days (the operator's number)"
    ),
    recon_days: int | None = typer.Option(
        None,
        "--recon-days",
        help="reconciliation differences open longer than this (the operator's number)",
    ),
    scheduled: bool = typer.Option(
        False, "--scheduled", help="mark the run as the scheduled one (cron)"
    ),
) -> None:
    """Run the checks; new findings are stored once each (cron: `jiuzhu checks run --scheduled`)."""
    from jiuzhu.services.checks.rules import Options
    from jiuzhu.services.checks.run import run_checks

    o = Options(
        year=year or dt.date.today().year,
        readmission_days=readmission_days,
        outlier_factor=outlier_factor,
        payable_days=payable_days,
        recon_days=recon_days,
    )
    r = run_checks(
        _store(),
        actor=_actor(),
        rules=rule,
        options=o,
        trigger="schedule" if scheduled else "demand",
    )
    console.print(f"核查 run #{r.run_id}", highlight=False)
    for n, sec in r.seconds.items():
        if n not in r.found:
            console.print(f"  {n}（{sec} s）", highlight=False)
    for n, c in r.found.items():
        console.print(f"  {n}: {c}（{r.seconds.get(n, '?')} s）", highlight=False)
    for n, why in r.skipped.items():
        console.print(f"  {n}: 未运行 skipped — {why}", highlight=False)


@app.command("list")
@reports_errors
def list_(
    status: str | None = typer.Option(None, "--status"),
    rule: str | None = typer.Option(None, "--rule"),
    limit: int = typer.Option(100, "--limit"),
) -> None:
    """Findings with their evidence."""
    from rich.table import Table

    from jiuzhu.wire.checks import list_findings

    t = Table(title="核查发现 findings")
    for c in ("#", "规则", "对象", "金额", "状态", "承办", "证据"):
        t.add_column(c)
    for f in list_findings(_store(), status=status, rule=rule, limit=limit):
        t.add_row(
            str(f.id), f.rule, f.subject, f.amount, f.status_zh, f.assignee or "", str(f.evidence)
        )
    console.print(t)


@app.command("assign")
@reports_errors
def assign(finding: int = typer.Argument(...), to: str = typer.Option(..., "--to")) -> None:
    from jiuzhu.wire.checks import assign as do

    f = do(_store(), finding, to, actor=_actor())
    console.print(f"#{f.id} → {f.status_zh}（{f.assignee}）", highlight=False)


@app.command("investigate")
@reports_errors
def investigate(
    finding: int = typer.Argument(...), note: str | None = typer.Option(None, "--note")
) -> None:
    from jiuzhu.wire.checks import investigate as do

    f = do(_store(), finding, actor=_actor(), note=note)
    console.print(f"#{f.id} → {f.status_zh}", highlight=False)


@app.command("resolve")
@reports_errors
def resolve(
    finding: int = typer.Argument(...),
    how: str = typer.Option(..., "--as", help="corrected | transferred (移交) | dismissed"),
    note: str = typer.Option(..., "--note"),
) -> None:
    from jiuzhu.wire.checks import resolve as do

    f = do(_store(), finding, how, actor=_actor(), note=note)
    console.print(f"#{f.id} → {f.status_zh}", highlight=False)


@app.command("clawback")
@reports_errors
def clawback(finding: int = typer.Argument(...), note: str = typer.Option(..., "--note")) -> None:
    """追回 (新疆规程 第二十四条): reverse the settlement's effect and record the claw-back."""
    from jiuzhu.wire.checks import claw_back

    f = claw_back(_store(), finding, actor=_actor(), note=note)
    console.print(
        f"#{f.id} → {f.status_zh}：{f.setl_id} {f.amount}（{f.institution}）", highlight=False
    )


@app.command("deaths")
@reports_errors
def deaths(
    file: Path = typer.Argument(..., help="certno,death_date (CSV or XLSX)"),
    source: str = typer.Option(..., "--source", help="minzheng | gongan"),
) -> None:
    """Import a death list (nothing written if any row is bad)."""
    from jiuzhu.domain.errors import InputError
    from jiuzhu.services.checks.deaths import import_deaths

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=str(file)) from None
    r = import_deaths(_store(), str(file), data, source, actor=_actor())
    console.print(
        f"死亡名单 {file.name}: {r.rows} 行，新增 {r.added}，匹配人员 {r.matched}", highlight=False
    )


@app.command("insured")
@reports_errors
def insured(
    file: Path = typer.Argument(..., help="certno,year,region[,scheme] (CSV or XLSX)"),
    source: str = typer.Option(..., "--source", help="other_region | province"),
) -> None:
    """Import an enrolment list of other pooling areas (重复参保; nothing written if any row is bad)."""
    from jiuzhu.domain.errors import InputError
    from jiuzhu.services.checks.insured import import_insured

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=str(file)) from None
    r = import_insured(_store(), str(file), data, source, actor=_actor())
    console.print(f"参保名单 {file.name}: {r.rows} 行，匹配人员 {r.matched}", highlight=False)
