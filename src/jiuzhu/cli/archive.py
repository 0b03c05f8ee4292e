"""`jiuzhu archive`: case files per person and per application — open, add scans, list
the catalogue, file with a retention period, export as one PDF (宁医保发〔2023〕102号
第三十四条). Staff act with ``--as USER``, authenticated like the API."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.adapters.files import write_bytes_atomically
from jiuzhu.cli.common import cli_login, console, reports_errors
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import InputError
from jiuzhu.wire import archives as svc

app = typer.Typer(help="档案 archives: case files, scans, catalogue, PDF.", no_args_is_help=True)
AsOption = typer.Option(..., "--as", envvar="JIUZHU_USER", help="staff username acting")


def _actor(uow: UnitOfWork, username: str) -> str:
    return f"staff:{cli_login(uow, username).username}"


@app.command("open")
@reports_errors
def open_(
    person: str | None = typer.Option(None, "--person", help="人员编号 psn_no"),
    application: str | None = typer.Option(None, "--application", help="受理编号 app_no"),
    staff: str = AsOption,
) -> None:
    """立卷: open the case file of a person or of an application; prints its number."""
    if bool(person) == bool(application):
        raise InputError("give exactly one of --person or --application", column="--person")
    uow = UnitOfWork()
    kind, subject = ("person", person) if person else ("application", application)
    no = svc.open_case(uow, kind, str(subject), _actor(uow, staff), get_settings().region)
    print(no)


@app.command("add")
@reports_errors
def add(
    case_no: str = typer.Argument(...),
    file: Path = typer.Argument(..., help="the scan: PDF, PNG or JPEG"),
    title: str = typer.Option(..., "--title", help="文件题名"),
    doc_type: str = typer.Option("其他", "--type", help="、".join(svc.DOC_TYPES)),
    staff: str = AsOption,
) -> None:
    """收集: add a scan to an open case file (stored encrypted, with its SHA-256)."""
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", file=str(file)) from None
    uow = UnitOfWork()
    d = svc.add_document(uow, case_no, data, file.name, title, doc_type, _actor(uow, staff))
    console.print(
        f"#{d['seq']} {d['title']} ({d['pages']} 页) sha256 {d['sha256']}", highlight=False
    )


@app.command("list")
@reports_errors
def list_(case_no: str = typer.Argument(...)) -> None:
    """卷内目录: the catalogue of a case file."""
    v = svc.catalogue(UnitOfWork(), case_no)
    c = v.case
    console.print(
        f"{c['case_no']} {c['title']} — {c['status']}"
        + (f", 保管 {c['retention_years']} 年至 {c['retain_until']}" if c["retain_until"] else ""),
        highlight=False,
    )
    t = Table("序号", "题名", "类型", "页号", "页数", "SHA-256", "收集")
    for d in v.catalogue:
        t.add_row(
            str(d["seq"]), d["title"], d["type"], str(d["first_page"]), str(d["pages"]),
            d["sha256"][:16] + "…", f"{d['added_by']} {d['added_at']}",
        )  # fmt: skip
    console.print(t)


@app.command("file")
@reports_errors
def file_(
    case_no: str = typer.Argument(...),
    retention_years: int | None = typer.Option(
        None, "--retention-years", help="保管期限 (default $JIUZHU_ARCHIVE_RETENTION_YEARS)"
    ),
    staff: str = AsOption,
) -> None:
    """归档: close the case file with its retention period."""
    uow = UnitOfWork()
    out = svc.file_case(uow, case_no, retention_years, _actor(uow, staff))
    console.print(
        f"已归档 filed {case_no}: 保管 {out['retention_years']} 年，至 {out['retain_until']}",
        highlight=False,
    )


@app.command("pdf")
@reports_errors
def pdf(
    case_no: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out"),
    staff: str = AsOption,
) -> None:
    """The case file as one PDF: cover, catalogue, every scan."""
    uow = UnitOfWork()
    data = svc.export_pdf(uow, case_no, _actor(uow, staff))
    write_bytes_atomically(out, data)
    console.print(f"{out} ({len(data)} bytes)", highlight=False)
