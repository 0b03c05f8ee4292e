"""`jiuzhu settlements`: bulk import (异地、线下结算), back-pay (补报) and the trace of one."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    console,
    err_console,
    load_policy,
    reports_errors,
)
from jiuzhu.cli.keys import cli_actor
from jiuzhu.config import get_settings
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services import backpay as backpay_service
from jiuzhu.services import settlement_import
from jiuzhu.services.settlement import get_settlement

app = typer.Typer(help="结算 settlements: import, back-pay, show.", no_args_is_help=True)
backpay_app = typer.Typer(
    help="补报 back-pay when a late identity pays more (宁医保发〔2023〕102号 第十九条).",
    no_args_is_help=True,
)
app.add_typer(backpay_app, name="backpay")

RegionOption = typer.Option(None, "--region", help="default: $JIUZHU_REGION (ningxia)")

REASON_ZH = {
    "paid": "已救助",
    "no_identity": "无有效救助身份",
    "unclassed_identity": "身份无救助类别",
    "visit_type_not_covered": "医疗类别不在救助范围",
    "out_of_area_without_referral": "异地未转诊（备案）",
}


def _policy(
    region: str | None, param: list[str] | None, operator_file: Path | None
) -> RegionPolicy:
    policy = load_policy(region or get_settings().region, param, operator_file)
    policy.require_parameters()
    return policy


def _store() -> UnitOfWork:
    """The database, checked as `jiuzhu serve` checks it: reachable and migrated (else the
    message says to run `jiuzhu db upgrade`, instead of a database traceback)."""
    from jiuzhu.cli.serve import check_database

    check_database(get_settings().database_url)
    return UnitOfWork()


@app.command("import")
@reports_errors
def import_(
    file: Path = typer.Argument(
        ..., help="CLAIMS.csv (calc-contract §8) with optional institution, mdtrt_id, medfee_sumamt"
    ),
    region: str | None = RegionOption,
    institution: str | None = typer.Option(
        None, "--institution", help="institution for rows without an institution column"
    ),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """Settle a file of settlements through the real-time path, in setl_time order.

    The whole file is checked first; if any row is bad nothing is written. Running the
    same file again changes nothing.
    """
    policy = _policy(region, param, operator_file)
    uow = _store()
    rows = settlement_import.read_import(file, institution)
    already = settlement_import.check_against_store(uow, rows, str(file))
    with Progress(
        TextColumn("结算导入 import"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=not err_console.is_terminal,
        disable=not rows,
    ) as bar:
        task = bar.add_task("import", total=len(rows))
        res = settlement_import.import_rows(
            uow, policy, rows, actor=cli_actor(), progress=lambda n: bar.advance(task, n)
        )
    console.print(
        f"导入完成 imported {res.rows} rows: {res.settled} settled, {res.replayed} already stored"
        f" ({already} known before); 医疗救助 maf_pay {format_fen(res.maf_fen)}, "
        f"倾斜救助 tilt_pay {format_fen(res.tilt_fen)}",
        highlight=False,
    )
    for reason, n in sorted(res.by_reason.items()):
        console.print(f"  {REASON_ZH.get(reason, reason)} {reason}: {n}", highlight=False)


@backpay_app.command("list")
@reports_errors
def backpay_list(
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """Settlements a late identity of a higher class (or any, when none) would pay more:
    the difference is due."""
    policy = _policy(region, param, operator_file)
    cands = backpay_service.candidates(_store(), policy)
    t = Table(
        "结算ID setl_id",
        "人员编号 psn_no",
        "结算时间",
        "机构",
        "现身份 identity",
        "类别 then→now",
        "应补救助 maf",
        "应补倾斜 tilt",
        title=f"待补报 back-pay due ({backpay_service.ARTICLE})",
    )
    for c in cands:
        t.add_row(
            c.setl_id,
            c.psn_no,
            c.setl_time,
            c.institution or "",
            f"{IDENTITY_CODES.get(c.identity_now, c.identity_now)} {c.identity_now}",
            f"{c.class_then or '—'}→{c.class_now}",
            format_fen(c.maf_fen),
            format_fen(c.tilt_fen),
        )
    console.print(t)
    console.print(f"共 {len(cands)} 笔 candidates", highlight=False)


@backpay_app.command("run")
@reports_errors
def backpay_run(
    evidence: str = typer.Option(
        ..., "--evidence", help="身份认定部门出具的证明 (document number), recorded in the audit"
    ),
    setl_id: list[str] | None = typer.Option(
        None, "--setl-id", help="only these (repeatable); default: every candidate"
    ),
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """Back-pay the candidates through the engine, once each (setl_id <orig>-BP)."""
    policy = _policy(region, param, operator_file)
    answers = backpay_service.run(
        _store(), policy, actor=cli_actor(), evidence=evidence, setl_ids=setl_id or None
    )
    for a in answers:
        console.print(
            f"{a['setl_id']}: {a['identity']} 医疗救助 {a['maf_pay']} 倾斜救助 {a['tilt_pay']}",
            highlight=False,
        )
    console.print(f"已补报 back-paid {len(answers)} 笔", highlight=False)


@app.command("show")
@reports_errors
def show(setl_id: str = typer.Argument(...)) -> None:
    """One settlement with its trace in Chinese, each step with its article."""
    s = get_settlement(_store(), setl_id)
    ident = s["identity"] or ""
    console.print(
        f"[bold]结算 {s['setl_id']}[/]  人员 {s['psn_no']}  年度 {s['year']}  "
        f"身份 {IDENTITY_CODES.get(ident, ident) or '无'} {ident}  类别 {s['class'] or '—'}  "
        f"状态 {s['status']}  来源 {s['source']}  机构 {s['institution'] or '—'}",
        highlight=False,
    )
    console.print(
        f"医疗救助 maf_pay [bold]{s['maf_pay']}[/]  倾斜救助 tilt_pay [bold]{s['tilt_pay']}[/]  "
        f"（{REASON_ZH.get(s['reason'], s['reason'])}）",
        highlight=False,
    )
    console.print("计算过程 trace:", highlight=False)
    for i, step in enumerate(s["trace"], 1):
        console.print(f"  {i}. {step['text']}  〔{step['ref']}〕", highlight=False, soft_wrap=True)
    after = s["totals_after"]
    console.print(
        f"本年累计 after: 个人自付 S {after['S']}  救助 P {after['P']}  "
        f"倾斜负担 R {after['R']}  倾斜救助 TP {after['TP']}",
        highlight=False,
    )
    if s.get("reversed_at"):
        console.print(f"已撤销 reversed at {s['reversed_at']}", highlight=False)
