"""`jiuzhu identities`: department lists and identity maintenance (救助身份).

新疆规程 第六条 (每月全面比对、动态调整); 宁医保发〔2023〕102号 第十一条; 柳州任务清单 一.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import (
    OperatorFileOption,
    console,
    err_console,
    operator_config,
    reports_errors,
)
from jiuzhu.cli.keys import cli_actor
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.services import registry
from jiuzhu.services.identity_import import ImportResult, import_identities, parse_date
from jiuzhu.services.identity_import import queries as batch_queries

app = typer.Typer(
    help="救助身份 identities: department lists and maintenance.", no_args_is_help=True
)

KIND_ZH = {
    "added": "新增 added",
    "changed": "变更 changed",
    "ended": "终止 ended",
    "unchanged": "无变化 unchanged",
    "merged": "合并 merged (valid on the union)",
    "rejected": "拒绝 rejected",
    "persons_created": "新建人员 persons created",
    "kept_rejected": "行被拒绝而保留 kept (row rejected)",
}


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    d = parse_date(text)
    if d is None:
        raise InputError(f"malformed date '{text}' (use YYYY-MM-DD)", column=option)
    return d


def print_result(res: ImportResult, show: int = 10) -> None:
    """The diff report as Rich tables (every value already masked)."""
    t = Table(
        title=f"名单导入 {res.file}（{registry.SOURCE_ZH[res.source]}，"
        f"{'全量比对 full list as of ' + str(res.as_of) if res.mode == 'full' else '变更名单 change list'}）"
    )
    t.add_column("结果 result")
    t.add_column("数量 count", justify="right")
    for k in (
        "added",
        "changed",
        "ended",
        "unchanged",
        "merged",
        "rejected",
        "persons_created",
        "kept_rejected",
    ):
        if k in res.counts:
            t.add_row(KIND_ZH[k], f"{res.counts[k]:,}")
    console.print(t)
    for kind in ("added", "changed", "ended", "merged"):
        items = res.details.get(kind) or []
        if not items:
            continue
        d = Table(
            title=f"{KIND_ZH[kind]}（前 {min(show, len(items))} 条 / {res.counts.get(kind, 0):,}）"
        )
        last = "原因 reason" if kind == "merged" else "原结束"
        for col in ("行 line", "人员编号", "身份证号码", "姓名", "身份", "开始", "结束", last):
            d.add_column(col)
        for it in items[:show]:
            d.add_row(
                str(it["line"] or ""),
                it["psn_no"],
                it["certno"],
                it["name"],
                it["identity"],
                it["begndate"] or "",
                it["enddate"] or "",
                (it["reason"] if kind == "merged" else it["old_enddate"]) or "",
            )
        console.print(d)


def print_errors(res: ImportResult, limit: int = 50) -> None:
    e = Table(title=f"拒绝的行 rejected rows（{len(res.errors)}）", show_lines=False)
    e.add_column("文件 file")
    e.add_column("行 line", justify="right")
    e.add_column("列 column")
    e.add_column("原因 reason")
    for err in res.errors[:limit]:
        e.add_row(err.file, str(err.line), err.column, err.message)
    err_console.print(e)
    if len(res.errors) > limit:
        err_console.print(f"… and {len(res.errors) - limit} more")


@app.command("import")
@reports_errors
def import_list(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="CSV or XLSX list"),
    source: str = typer.Option(
        ..., "--source", help="minzheng | xiangcun | canlian | yibao (the department)"
    ),
    full_list: bool = typer.Option(
        False,
        "--full-list",
        help="the complete list of this source: identities not on it are ended (新疆规程 第六条)",
    ),
    as_of: str | None = typer.Option(
        None, "--as-of", help="full list valid from DATE; missing identities end the day before"
    ),
    accept_valid: bool = typer.Option(
        False, "--accept-valid", help="import the valid rows and report the rest"
    ),
    operator_file: Path | None = OperatorFileOption,
    quiet: bool = typer.Option(False, "--quiet", help="no progress bar"),
) -> None:
    """Import a department list (calc-contract §10): psn_no,certno,psn_name,identity,begndate,enddate
    or 人员编号,身份证号码,姓名,身份类别,开始日期,结束日期. All rows or none, unless --accept-valid."""
    if source not in registry.SOURCES:
        raise InputError(
            f"unknown source '{source}'; one of: {', '.join(registry.SOURCES)}", column="--source"
        )
    day = _date(as_of, "--as-of")
    if full_list and day is None:
        raise InputError("--full-list needs --as-of DATE", column="--as-of")
    op = operator_config(operator_file)
    data = file.read_bytes()
    uow = UnitOfWork()
    big = len(data) > 2_000_000 and not quiet
    kw: dict[str, Any] = dict(
        actor=cli_actor(),
        full_list=full_list,
        as_of=day,
        accept_valid=accept_valid,
        operator_map=op.identity_code_map,
    )
    if big:
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TextColumn("{task.completed:,}"),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
        ) as bar:
            task = bar.add_task("读取 reading", total=None)

            def progress(stage: str, done: int, total: int) -> None:
                bar.update(task, description=stage, completed=done, total=total or None)

            res = import_identities(uow, str(file), data, source, progress=progress, **kw)
    else:
        res = import_identities(uow, str(file), data, source, **kw)
    if res.refused:
        print_errors(res)
        err_console.print(
            f"[bold red]名单被拒绝，未写入任何数据 refused: nothing written[/] — "
            f"{res.counts.get('rejected', 0)} invalid row(s) in {file}; fix them or use --accept-valid",
            highlight=False,
        )
        raise typer.Exit(1)
    print_result(res)
    if res.errors:
        print_errors(res)
    if not res.changed_anything:
        same = (
            f"（与批次 #{res.previous_batch} 文件相同 same file as batch #{res.previous_batch}）"
            if res.previous_batch
            else ""
        )
        console.print(
            f"无变化 nothing changed: every row matches the registry{same}", highlight=False
        )
    console.print(
        f"批次 batch #{res.batch_id}: {res.counts.get('rows', 0):,} rows in {res.elapsed:.1f} s; "
        f"report {res.report_json} , {res.report_csv}",
        highlight=False,
        soft_wrap=True,
    )


@app.command("add")
@reports_errors
def add(
    psn_no: str = typer.Argument(..., help="人员编号"),
    code: str = typer.Argument(..., help="identity code or Chinese name, e.g. dibao / 低保对象"),
    begndate: str = typer.Option(..., "--from", help="valid from (YYYY-MM-DD)"),
    enddate: str | None = typer.Option(None, "--to", help="valid to, included (empty = open)"),
    source: str = typer.Option("yibao", "--source"),
    doc: str | None = typer.Option(None, "--doc", help="the recognising document (认定文件)"),
) -> None:
    """Add an identity by hand (宁医保发〔2023〕102号 第十一条 second paragraph)."""
    c = registry.resolve_identity_code(code)
    if c is None:
        raise InputError(f"unknown identity '{code}'", column="code")
    beg = _date(begndate, "--from")
    assert beg is not None
    with UnitOfWork().begin() as s:
        i = registry.add_identity(
            s, cli_actor(), psn_no, c, beg, _date(enddate, "--to"), source, doc
        )
        console.print(
            f"已添加 added identity #{i.id}: {psn_no} {c} {beg}–{i.enddate or '至今'}",
            highlight=False,
        )


@app.command("end")
@reports_errors
def end(
    identity_id: int = typer.Argument(..., help="identity id (see `jiuzhu persons show`)"),
    on: str = typer.Option(..., "--on", help="last valid day (included)"),
    doc: str | None = typer.Option(None, "--doc"),
) -> None:
    """End an identity (动态调整, 新疆规程 第六条)."""
    day = _date(on, "--on")
    assert day is not None
    with UnitOfWork().begin() as s:
        i = registry.end_identity(s, cli_actor(), identity_id, day, doc)
        console.print(
            f"已终止 ended identity #{i.id}: {i.psn_no} {i.code} {i.begndate}–{i.enddate}",
            highlight=False,
        )


@app.command("change")
@reports_errors
def change(
    identity_id: int = typer.Argument(...),
    begndate: str | None = typer.Option(None, "--from"),
    enddate: str | None = typer.Option(None, "--to"),
    reopen: bool = typer.Option(False, "--open", help="clear the end date"),
    doc: str | None = typer.Option(None, "--doc"),
) -> None:
    """Change an identity's dates."""
    with UnitOfWork().begin() as s:
        i = registry.change_identity(
            s,
            cli_actor(),
            identity_id,
            begndate=_date(begndate, "--from"),
            enddate=_date(enddate, "--to"),
            clear_enddate=reopen,
            source_doc=doc,
        )
        console.print(
            f"已变更 changed identity #{i.id}: {i.psn_no} {i.code} {i.begndate}–{i.enddate or '至今'}",
            highlight=False,
        )


@app.command("batches")
@reports_errors
def batches(limit: int = typer.Option(20, "--limit")) -> None:
    """The latest list imports with their counts."""
    t = Table(title="名单导入批次 import batches")
    for col in (
        "#",
        "时间",
        "来源",
        "方式",
        "as of",
        "文件",
        "新增",
        "变更",
        "终止",
        "无变化",
        "拒绝",
        "操作人",
    ):
        t.add_column(col)
    with UnitOfWork().read() as s:
        for b in batch_queries.list_batches(s, limit):
            c = b.counts or {}
            t.add_row(
                str(b.id),
                f"{b.created_at:%Y-%m-%d %H:%M}",
                b.source or "",
                b.mode or "",
                str(b.as_of or ""),
                Path(b.file_name or "").name,
                *(
                    str(c.get(k, ""))
                    for k in ("added", "changed", "ended", "unchanged", "rejected")
                ),
                b.actor,
            )
    console.print(t)


@app.command("codes")
def codes() -> None:
    """Identity codes (calc-contract §1) and which department gives them."""
    t = Table(title="身份代码 identity codes")
    t.add_column("code")
    t.add_column("中文")
    t.add_column("来源 sources")
    for code, zh in IDENTITY_CODES.items():
        srcs = [s for s, types in registry.SOURCES.items() if code in types]
        t.add_row(code, zh, ", ".join(srcs))
    console.print(t)
