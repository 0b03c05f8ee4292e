"""`jiuzhu audit`: seal and verify the tamper-evident audit trail (issue 8 item 5;
宁医保发〔2023〕102号 第九条 全程痕迹管理)."""

from __future__ import annotations

import typer

from jiuzhu.adapters.audit_chain import seal, verify
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import console, err_console, reports_errors

app = typer.Typer(help="审计日志 audit trail: seal, verify.", no_args_is_help=True)


@app.command("seal")
@reports_errors
def seal_cmd() -> None:
    """Chain every signed record not yet in the chain."""
    with UnitOfWork().begin() as s:
        n = seal(s)
    console.print(f"已封存 sealed {n} record(s)", highlight=False)


@app.command("verify")
@reports_errors
def verify_cmd(
    no_seal: bool = typer.Option(False, "--no-seal", help="do not seal pending records first"),
    expect_head: str | None = typer.Option(
        None, "--expect-head", help="SEQ:CHAIN noted earlier: the chain must still contain it"
    ),
) -> None:
    """Check every record's signature and the chain; exit 1 on any finding."""
    uow = UnitOfWork()
    if not no_seal:
        with uow.begin() as s:
            seal(s)
    with uow.read() as s:
        v = verify(s)
        if expect_head:
            seq_text, _, chain = expect_head.partition(":")
            from jiuzhu.services.audit_log import chain_at

            got = chain_at(s, int(seq_text))
            if got != chain:
                v.problems.append(f"the noted head {seq_text} is not in the chain any more")
    console.print(
        f"审计记录 records {v.records}, 已封存 sealed {v.sealed}; head {v.head_seq}:{v.head_chain}",
        highlight=False,
        soft_wrap=True,
    )
    if v.ok:
        console.print("完整 intact: every signature and link verified", highlight=False)
        return
    for p in v.problems[:200]:
        err_console.print(f"[bold red]篡改 tampered:[/] {p}", highlight=False, soft_wrap=True)
    if len(v.problems) > 200:
        err_console.print(f"… and {len(v.problems) - 200} more", highlight=False)
    raise typer.Exit(1)
