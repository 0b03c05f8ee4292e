"""`jiuzhu warning …`: early-warning lines 预警监测 (calc-contract §11)."""

from __future__ import annotations

import gc
from pathlib import Path

import typer

from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    err_console,
    load_policy,
    operator_config,
    reports_errors,
)

app = typer.Typer(help="预警监测 early warning: scan, monitoring list, pushes, feedback.")


@app.command("scan")
@reports_errors
def scan(
    region: str = typer.Option(
        ..., "--region", help="xinjiang | shuangyashan | ningxia | liuzhou | meizhou"
    ),
    identities: Path = typer.Option(..., "--identities", help="IDENTITIES.csv"),
    claims: Path = typer.Option(..., "--claims", help="CLAIMS.csv (medfee_sumamt optional)"),
    out: Path = typer.Option(..., "--out", help="WARNINGS.csv to write (atomically)"),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Every line met, one row per person, year and line (calc-contract §11)."""
    from jiuzhu.policy.warning import require_warning_parameters
    from jiuzhu.services.batch.readers import read_identities
    from jiuzhu.services.warning.scan import scan_file, write_warnings

    policy = load_policy(region, param, operator_file)
    require_warning_parameters(policy)
    gc.disable()
    spans = read_identities(identities, operator_config(operator_file).identity_code_map)
    result = scan_file(claims, spans, policy)
    write_warnings(out, result)
    if not quiet:
        summary = "，".join(f"{k} {v}" for k, v in sorted(result.counts.items())) or "无"
        total = sum(result.counts.values())
        err_console.print(f"预警 warnings: {total}（{summary}）→ {out}", highlight=False)


def _store():  # type: ignore[no-untyped-def]
    from jiuzhu.cli.settlements import _store as store

    return store()


def _actor() -> str:
    from jiuzhu.cli.keys import cli_actor

    return cli_actor()


@app.command("list")
@reports_errors
def list_(
    status: str | None = typer.Option(
        None,
        "--status",
        help="new | pushed | feedback_received | recognised | not_recognised | closed",
    ),
    line: str | None = typer.Option(None, "--line"),
    year: int | None = typer.Option(None, "--year"),
    psn_no: str | None = typer.Option(None, "--psn-no"),
    limit: int = typer.Option(100, "--limit"),
) -> None:
    """监测名单: person-years on watch, with the line, the settlement that fired it and status."""
    from rich.table import Table

    from jiuzhu.cli.common import console
    from jiuzhu.wire.warning import list_entries

    t = Table(title="监测名单 monitoring list")
    for c in ("#", "人员编号", "年度", "预警线", "触发结算", "身份", "金额", "预警线值", "状态"):
        t.add_column(c)
    for e in list_entries(
        _store(), status=status, line=line, year=year, psn_no=psn_no, limit=limit
    ):
        t.add_row(
            str(e.id),
            e.psn_no,
            str(e.year),
            e.line,
            e.setl_id,
            e.identity,
            e.amount,
            e.threshold,
            e.status_zh,
        )
    console.print(t)


@app.command("show")
@reports_errors
def show(entry_id: int = typer.Argument(...)) -> None:
    """One entry with its running sums and trace."""
    from jiuzhu.cli.common import console
    from jiuzhu.wire.warning import get_entry

    e = get_entry(_store(), entry_id)
    console.print(
        f"#{e.id} {e.psn_no} {e.year} {e.line} {e.status_zh}（{e.status}）", highlight=False
    )
    for t in e.trace:
        console.print(f"  {t}", highlight=False, soft_wrap=True)
    console.print(f"  依据：{e.ref}；累计 {e.sums}", highlight=False, soft_wrap=True)


@app.command("status")
@reports_errors
def status_(
    entry_id: int = typer.Argument(...),
    to: str = typer.Option(..., "--to", help="the new status (the transition table decides)"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Move an entry along its workflow (audited)."""
    from jiuzhu.cli.common import console
    from jiuzhu.wire.warning import set_status

    e = set_status(_store(), entry_id, to, actor=_actor(), note=note)
    console.print(f"#{e.id} → {e.status_zh}（{e.status}）", highlight=False)


@app.command("push")
@reports_errors
def push_(
    department: str = typer.Option(..., "--department", help="minzheng | xiangcun"),
    out_dir: Path = typer.Option(Path("var/pushes"), "--out-dir"),
    fmt: str = typer.Option("xlsx", "--format", help="xlsx | csv"),
) -> None:
    """A numbered push batch to a department, written encrypted; its password is shown once."""
    from jiuzhu.cli.common import console
    from jiuzhu.services.warning.push import push

    r = push(_store(), department, out_dir, actor=_actor(), fmt=fmt)
    console.print(
        f"推送批次 batch #{r.batch_id}（{department}）：{r.entries} 人次 → {r.path}",
        highlight=False,
    )
    console.print("文件为 AES-256 加密 ZIP；密码仅显示一次 password, shown once:", highlight=False)
    console.print(r.password, highlight=False)


@app.command("feedback")
@reports_errors
def feedback(
    file: Path = typer.Argument(
        ..., help="the push file filled in by the department (CSV or XLSX)"
    ),
    department: str = typer.Option(..., "--department", help="minzheng | xiangcun"),
    region: str | None = typer.Option(None, "--region"),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """Import a department's feedback: recognised persons get the identity; back-pay offers."""
    from jiuzhu.cli.common import console
    from jiuzhu.config import get_settings
    from jiuzhu.domain.errors import InputError
    from jiuzhu.services.warning.feedback import import_feedback

    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot open: {exc.strerror}", file=str(file)) from None
    policy = load_policy(region or get_settings().region, param, operator_file)
    r = import_feedback(_store(), str(file), data, department, policy, actor=_actor())
    console.print(
        f"反馈 feedback {file.name}: 认定 recognised {len(r.recognised)}，未认定 not recognised "
        f"{len(r.not_recognised)}；身份导入批次 #{r.identity_batch or '-'}；可补报结算 back-pay offers "
        f"{len(r.backpay_offers)}",
        highlight=False,
    )
    for o in r.backpay_offers:
        console.print(f"  补报 {o['setl_id']} {o['psn_no']} 年度 {o['year']}", highlight=False)
