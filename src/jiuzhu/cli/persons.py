"""`jiuzhu persons`: the beneficiary registry (救助对象), always shown masked."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import OperatorFileOption, ParamOption, console, load_policy, reports_errors
from jiuzhu.cli.identities import _date
from jiuzhu.cli.keys import cli_actor
from jiuzhu.config import get_settings
from jiuzhu.wire import registry
from jiuzhu.wire.enrolment import enrolment_of, status_label

app = typer.Typer(help="救助对象 persons in the registry (masked).", no_args_is_help=True)


@app.command("add")
@reports_errors
def add(
    psn_no: str = typer.Argument(..., help="人员编号"),
    certno: str = typer.Option(..., "--certno", help="身份证号码 (GB 11643 check digit verified)"),
    name: str = typer.Option(..., "--name", help="姓名"),
    household: str | None = typer.Option(None, "--household", help="户号"),
    insured_region: str | None = typer.Option(None, "--insured-region", help="参保地"),
) -> None:
    """Register a person (ID number and name encrypted at rest)."""
    with UnitOfWork().begin() as s:
        p = registry.create_person(s, cli_actor(), psn_no, certno, name, household, insured_region)
        d = registry.person_json(p)
    console.print(f"已登记 registered {d['psn_no']} {d['name']} {d['certno']}", highlight=False)


@app.command("show")
@reports_errors
def show(
    psn_no: str = typer.Argument(...),
    region: str | None = typer.Option(
        None, "--region", help="whose class order decides 就高不就低"
    ),
    on: str | None = typer.Option(None, "--on", help="the day (default today)"),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """A person with every identity; ★ marks the highest valid one (就高不就低)."""
    policy = load_policy(region or get_settings().region, param, operator_file)
    with UnitOfWork().read() as s:
        d = registry.person_detail(s, psn_no, policy, _date(on, "--on"))
        enrol = enrolment_of(s, psn_no)
    console.print(
        f"[bold]{d['psn_no']}[/] {d['name']}  {d['certno']}  性别 {d['sex'] or ''}  "
        f"出生 {d['birth_date'] or ''}  户号 {d['household_no'] or ''}  参保地 {d['insured_region'] or ''}",
        highlight=False,
    )
    t = Table(title=f"救助身份（{policy.region} 类别顺序，{d['as_of']} 有效者；★ 最高）")
    for col in ("id", "", "身份", "code", "类别", "开始", "结束", "有效", "来源", "依据/批次"):
        t.add_column(col)
    for i in d["identities"]:
        t.add_row(
            str(i["id"]),
            "★" if i["highest"] else "",
            i["name"].split("（")[0],
            i["code"],
            f"{i['class_id']} {i['class_name']}" if i["class_id"] else "无类别",
            i["begndate"],
            i["enddate"] or "至今",
            "是" if i["valid"] else "",
            registry.SOURCE_ZH.get(i["source"], i["source"]),
            i["source_doc"] or "",
        )
    console.print(t)
    if enrol:
        e = Table(title="参保情况 enrolment")
        for col in ("年度", "状态", "自行缴费日期", "自行缴费金额", "备注"):
            e.add_column(col)
        for r in enrol:
            e.add_row(
                str(r["year"]),
                status_label(r["status"]),
                r["self_paid_on"] or "",
                r["self_paid"] or "",
                r["note"] or "",
            )
        console.print(e)


@app.command("search")
@reports_errors
def search(
    q: str | None = typer.Argument(None, help="人员编号 prefix, 户号, or a full ID number"),
    limit: int = typer.Option(50, "--limit"),
    offset: int = typer.Option(0, "--offset"),
) -> None:
    """List persons (masked)."""
    with UnitOfWork().read() as s:
        total, rows = registry.search_persons(s, q, limit, offset)
    t = Table(title=f"救助对象 persons ({total:,})")
    for col in ("人员编号", "姓名", "身份证号码", "性别", "出生日期", "户号", "参保地"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r["psn_no"],
            r["name"],
            r["certno"],
            r["sex"] or "",
            r["birth_date"] or "",
            r["household_no"] or "",
            r["insured_region"] or "",
        )
    console.print(t)
