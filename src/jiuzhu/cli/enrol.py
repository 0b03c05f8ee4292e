"""`jiuzhu enrol`: 资助参保 — enrolment facts and the subsidy register (资助参保台账, 免缴台账).

梅州规程 第六–七条; 双鸭山实施办法 第五条; 新疆规程 第八–十二条.
"""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import OperatorFileOption, ParamOption, console, load_policy, reports_errors
from jiuzhu.cli.identities import _date
from jiuzhu.cli.keys import cli_actor
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import AmountError, format_fen, parse_fen
from jiuzhu.reports.xlsx import write_xlsx
from jiuzhu.wire import enrolment

app = typer.Typer(help="资助参保 subsidised enrolment and the 免缴台账.", no_args_is_help=True)


@app.command("plan")
@reports_errors
def plan(
    year: int = typer.Option(..., "--year"),
    region: str | None = typer.Option(None, "--region"),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    out: Path | None = typer.Option(None, "--out", help="write the register to this XLSX file"),
    as_json: bool = typer.Option(False, "--json", help="print the register as JSON"),
    show: int = typer.Option(30, "--show", help="lines shown in the terminal"),
) -> None:
    """Build the year's subsidy register: class, premium, subsidy, personal part, 第六条 case."""
    policy = load_policy(region or get_settings().region, param, operator_file)
    with UnitOfWork().read() as s:
        register = enrolment.build_register(s, policy, year)
    if as_json:
        console.print_json(json.dumps(register.as_dict(), ensure_ascii=False))
    else:
        t = Table(
            title=f"{year} 年度免缴台账 {policy.region}（个人缴费 {format_fen(register.premium)} 元；★ 最高身份）"
        )
        for col in (
            "人员编号",
            "姓名",
            "身份证号码",
            "身份",
            "资助比例",
            "资助",
            "个人",
            "情形",
            "退费",
            "备注",
        ):
            t.add_column(col)
        for ln in register.lines[:show]:
            r = enrolment.register_row(ln)
            t.add_row(r[0], r[1], r[2], r[3], r[8], r[10], r[11], ln.case_text, r[18], r[19])
        console.print(t)
        tot = register.totals()
        console.print(
            f"人数 {tot['persons']:,}；资助合计 {tot['subsidy']} 元；个人缴纳合计 {tot['personal']} 元；"
            f"退费合计 {tot['refund']} 元；中途新增 {len(register.mid_year)} 人",
            highlight=False,
        )
        if register.mid_year:
            m = Table(title="中途新增（每月25日前报送，梅州规程 第七条（二））")
            for col in ("报送月份", "截止", "人员编号", "认定日期", "资助"):
                m.add_column(col)
            for e in register.mid_year[:show]:
                m.add_row(
                    e.month,
                    e.deadline.isoformat(),
                    e.line.psn_no,
                    e.line.recognised_on.isoformat(),
                    format_fen(e.line.subsidy),
                )
            console.print(m)
    if out:
        write_xlsx(out, enrolment.register_sheets(register))
        console.print(f"台账已导出 ledger written: {out}", highlight=False)


@app.command("set")
@reports_errors
def set_status(
    psn_no: str = typer.Argument(...),
    year: int = typer.Option(..., "--year"),
    status: str = typer.Option(
        ...,
        "--status",
        help="unenrolled | local | elsewhere | elsewhere_return | self_paid | employee (or 中文)",
    ),
    paid_on: str | None = typer.Option(None, "--paid-on", help="self_paid: day paid"),
    paid: str | None = typer.Option(None, "--paid", help="self_paid: amount in yuan"),
    note: str | None = typer.Option(None, "--note"),
) -> None:
    """Record a person's enrolment in a year (梅州规程 第六条 cases)."""
    st = enrolment.parse_status(status)
    if st is None:
        raise InputError(f"unknown status '{status}'", column="--status")
    try:
        fen = parse_fen(paid) if paid else None
    except AmountError as exc:
        raise InputError(str(exc), column="--paid") from exc
    with UnitOfWork().begin() as s:
        d = enrolment.set_enrolment(
            s, cli_actor(), psn_no, year, st, _date(paid_on, "--paid-on"), fen, note
        )
    console.print(
        f"已记录 recorded {d['psn_no']} {d['year']}: {enrolment.status_label(d['status'])}",
        highlight=False,
    )


@app.command("import")
@reports_errors
def import_file(file: Path = typer.Argument(..., exists=True, dir_okay=False)) -> None:
    """Enrolment facts from CSV: psn_no,year,status[,self_paid_on,self_paid_amount,note]
    (or 人员编号,年度,参保状态,自行缴费日期,自行缴费金额,备注). All rows or none."""
    n = enrolment.import_enrolment(UnitOfWork(), str(file), file.read_bytes(), cli_actor())
    console.print(f"已导入 imported {n} enrolment record(s)", highlight=False)
