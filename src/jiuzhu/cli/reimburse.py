"""`jiuzhu reimburse`: manual reimbursement (零星/手工报销) — intake, lists, review, payment, PDFs.

宁医保发〔2023〕102号 第二十至二十三条; 新疆规程 第十七条; 梅州规程 第十二条（三）;
双鸭山实施办法 第十二条; 柳州任务清单 七（四）. Every step acts as a staff account
(``--as USER`` or $JIUZHU_USER, authenticated by $JIUZHU_PASSWORD, $JIUZHU_TOKEN or a
password prompt) whose roles decide what it may do.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import typer
import yaml
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.adapters.files import write_bytes_atomically
from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    cli_login,
    console,
    load_policy,
    reports_errors,
)
from jiuzhu.config import get_settings
from jiuzhu.domain.dates import parse_date
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.reports.pdf import render
from jiuzhu.wire import reimbursement as rb

app = typer.Typer(
    help="零星报销 manual reimbursement: intake, list, review, pay, pdf.", no_args_is_help=True
)
pay_app = typer.Typer(help="拨付 payment batches: batch → export → confirm.", no_args_is_help=True)
app.add_typer(pay_app, name="pay")

RegionOption = typer.Option(None, "--region", help="default: $JIUZHU_REGION (ningxia)")
AsOption = typer.Option(..., "--as", envvar="JIUZHU_USER", help="staff username acting")
JsonOption = typer.Option(False, "--json", help="print JSON instead of a table")
TodayOption = typer.Option(None, "--today", help="YYYY-MM-DD (default: today)")


def _uow() -> UnitOfWork:
    return UnitOfWork()


def _staff(uow: UnitOfWork, username: str) -> rb.Staff:
    """``--as USER`` authenticated like the API (password or token; issue 8 item 5), so
    the three review levels are three people who each proved who they are."""
    who = cli_login(uow, username)
    return rb.Staff(who.username, who.roles, who.display_name)


def _policy(
    region: str | None, params: list[str] | None, operator_file: Path | None
) -> RegionPolicy:
    return load_policy(region or get_settings().region, params, operator_file)


def _day(text: str | None, name: str) -> dt.date | None:
    if not text:
        return None
    return parse_date(text, column=name)


def _print_json(data: Any) -> None:
    console.print_json(json.dumps(data, ensure_ascii=False, default=str))


def _print_app(a: dict[str, Any]) -> None:
    console.print(
        f"[bold]{a['app_no']}[/]  {a['status_zh']}  人员 {a['psn_no']} {a['applicant_name']}",
        highlight=False,
    )
    if a["status"] == "returned":
        console.print("一次性告知（全部问题）:", highlight=False)
        for i, p in enumerate(a["problems"], 1):
            ref = f"  〔{p['ref']}〕" if p.get("ref") else ""
            console.print(f"  {i}. {p['message']}{ref}", highlight=False, soft_wrap=True)
        return
    console.print(
        f"受理 {a['received_on']}  办结时限 {a['deadline']}（{a['deadline_working_days']} 个工作日"
        f"{'，剩余 ' + str(a['working_days_left']) + ' 个工作日' if a['working_days_left'] is not None else ''}"
        f"{'，已逾期' if a['overdue'] else ''}）",
        highlight=False,
    )
    flow = " → ".join(
        f"{lv['level_zh']}{'✓' if lv['state'] == 'done' else ('◀' if lv['state'] == 'current' else '')}"
        for lv in a["levels"]
    )
    console.print(f"流程 {flow}", highlight=False)
    for d in a.get("decisions", []):
        console.print(
            f"  {d['level_zh']} {d['decision_zh']}  {d['actor']}  {d['at'][:16]}  "
            f"金额 {d['amount_shown']}  理由：{d['reason']}",
            highlight=False,
        )
    if a.get("approved_total") is not None:
        console.print(
            f"核准 {a['approved_total']} 元（救助 {a['approved_maf']}，倾斜 {a['approved_tilt']}）"
            f"  账户 {a['bank_name']} {a['account_no']}",
            highlight=False,
        )
    if a.get("payment_batch"):
        console.print(f"拨付批次 {a['payment_batch']}  {a['paid_at'] or ''}", highlight=False)


@app.command("rules")
@reports_errors
def rules(
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    as_json: bool = JsonOption,
) -> None:
    """The region's review levels, deadline and materials (and what the operator must set)."""
    r = rb.rules_for(_policy(region, param, operator_file), dt.date.today()).as_json()
    if as_json:
        _print_json(r)
        return
    levels = " → ".join(str(x["level_zh"]) for x in r["levels"])  # type: ignore[attr-defined]
    console.print(f"审核流程 {levels}；时限 {r['deadline_working_days']} 个工作日", highlight=False)
    console.print(f"依据 {r['flow_ref']}", highlight=False)
    console.print(f"材料（{r['materials_ref']}）:", highlight=False)
    for m in r["materials"]:  # type: ignore[attr-defined]
        when = "（代办时）" if m["when"] == "agent" else ""
        console.print(f"  [{m['code']}] {m['name']}{when}", highlight=False)


@app.command("intake")
@reports_errors
def intake(
    file: Path = typer.Argument(..., help="the application (JSON or YAML), see docs"),
    staff: str = AsOption,
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    received_on: str | None = typer.Option(None, "--received-on", help="YYYY-MM-DD"),
    pdf: Path | None = typer.Option(None, "--pdf", help="also write the receipt / notice PDF"),
    as_json: bool = JsonOption,
) -> None:
    """受理: accept with a receipt number and deadline, or return with a one-time notice."""
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise InputError(f"cannot read: {exc}", file=str(file)) from None
    try:
        raw = json.loads(text) if file.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise InputError(f"not valid JSON/YAML: {exc}", file=str(file)) from None
    if received_on:
        raw["received_on"] = received_on
    uow = _uow()
    policy = _policy(region, param, operator_file)
    a = rb.intake(uow, policy, raw, staff=_staff(uow, staff), where=str(file))
    if pdf:
        kind = "notice" if a["status"] == "returned" else "receipt"
        write_bytes_atomically(pdf, render(rb.document_data(uow, policy, a["app_no"], kind)))
    if as_json:
        _print_json(a)
    else:
        _print_app(a)
    console.print(a["app_no"], highlight=False)


@app.command("list")
@reports_errors
def list_(
    status: str | None = typer.Option(None, "--status", help="returned|in_review|approved|…"),
    overdue: bool = typer.Option(False, "--overdue", help="past the deadline, not yet paid"),
    due_within: int | None = typer.Option(
        None, "--due-within", help="deadline within N working days"
    ),
    reviewer: str | None = typer.Option(None, "--reviewer", help="decided by this user"),
    awaiting: str | None = typer.Option(
        None, "--awaiting", help="first_review|second_review|approval"
    ),
    psn_no: str | None = typer.Option(None, "--psn-no"),
    region: str | None = RegionOption,
    today: str | None = TodayOption,
    as_json: bool = JsonOption,
) -> None:
    """Applications by status, deadline (overdue / due soon), reviewer or awaiting level."""
    rows = rb.list_applications(
        _uow(),
        region=region or get_settings().region,
        status=status,
        overdue=overdue,
        due_within=due_within,
        reviewer=reviewer,
        awaiting=awaiting,
        psn_no=psn_no,
        today=_day(today, "today"),
    )
    if as_json:
        _print_json(rows)
        return
    t = Table(
        "受理编号",
        "状态",
        "人员编号",
        "申请人",
        "受理日期",
        "时限",
        "剩余工作日",
        "当前环节",
        "核准金额",
    )
    for a in rows:
        t.add_row(
            a["app_no"],
            a["status_zh"],
            a["psn_no"],
            a["applicant_name"],
            a["received_on"],
            a["deadline"] or "",
            ("逾期" if a["overdue"] else str(a["working_days_left"]))
            if a["working_days_left"] is not None
            else "",
            a["current_level_zh"] or "",
            a["approved_total"] or "",
        )
    console.print(t)
    console.print(f"共 {len(rows)} 件", highlight=False)


@app.command("show")
@reports_errors
def show(
    app_no: str = typer.Argument(...),
    trail: bool = typer.Option(False, "--trail", help="with the audit trail"),
    as_json: bool = JsonOption,
) -> None:
    """One application with its claims and decisions."""
    a = rb.get_application(_uow(), app_no, trail=trail)
    if as_json:
        _print_json(a)
        return
    _print_app(a)
    for c in a["claims"]:
        console.print(
            f"  {c['seq']}. {c['setl_id']} {c['begndate']}~{c['enddate']} 类别 {c['med_type']} "
            f"个人负担 {c['base']} 救助 {c['maf_pay'] or '-'} 倾斜 {c['tilt_pay'] or '-'}",
            highlight=False,
        )
    for e in a.get("audit", []):
        console.print(f"  {e['at'][:19]} {e['actor']} {e['action']}", highlight=False)


@app.command("preview")
@reports_errors
def preview(
    app_no: str = typer.Argument(...),
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    as_json: bool = JsonOption,
) -> None:
    """预结算: the amount the claims would earn now (the reviewer's figure)."""
    p = rb.preview(_uow(), _policy(region, param, operator_file), app_no)
    if as_json:
        _print_json(p)
        return
    for c in p["claims"]:
        console.print(
            f"{c['setl_id']}  身份 {c['identity'] or '-'}  个人负担 {c['base']}  "
            f"救助 {c['maf_pay']}  倾斜 {c['tilt_pay']}  ({c['reason']})",
            highlight=False,
        )
    console.print(f"合计 {p['total']}", highlight=False)


@app.command("review")
@reports_errors
def review(
    app_no: str = typer.Argument(...),
    staff: str = AsOption,
    approve: bool = typer.Option(False, "--approve", help="同意"),
    reject: bool = typer.Option(False, "--reject", help="不同意 (ends the application)"),
    reason: str | None = typer.Option(None, "--reason", help="意见/理由 (required to reject)"),
    level: str | None = typer.Option(
        None, "--level", help="the level you decide (checked against the current one)"
    ),
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    as_json: bool = JsonOption,
) -> None:
    """Decide the current level (初审/复审/审批); approval settles the claims."""
    if approve == reject:
        raise InputError("give exactly one of --approve or --reject", column="decision")
    uow = _uow()
    a = rb.review(
        uow,
        _policy(region, param, operator_file),
        app_no,
        staff=_staff(uow, staff),
        decision="approve" if approve else "reject",
        reason=reason,
        level=level,
    )
    if as_json:
        _print_json(a)
    else:
        _print_app(a)


@app.command("pdf")
@reports_errors
def pdf(
    app_no: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="the PDF file to write"),
    kind: str | None = typer.Option(
        None, "--kind", help="receipt|notice|decision (default: by status)"
    ),
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """受理回执 / 一次性告知书 / 审批决定书 as PDF."""
    uow = _uow()
    if kind is None:
        status = rb.get_application(uow, app_no)["status"]
        kind = {"returned": "notice", "in_review": "receipt"}.get(status, "decision")
    data = rb.document_data(uow, _policy(region, param, operator_file), app_no, kind)
    write_bytes_atomically(out, render(data))
    console.print(f"{rb.DOC_KINDS[kind]} → {out}", highlight=False)


# -- payment ---------------------------------------------------------------------------
def _print_batch(b: dict[str, Any]) -> None:
    console.print(
        f"[bold]{b['batch_no']}[/] {b['status_zh']}  {b['count']} 笔  合计 {b['total']} 元",
        highlight=False,
    )
    for i in b["items"]:
        console.print(
            f"  {i['app_no']} {i['psn_no']} {i['account_name']} {i['bank_name']} "
            f"{i['account_no']} {i['amount']}",
            highlight=False,
        )


@pay_app.command("batch")
@reports_errors
def pay_batch(
    staff: str = AsOption,
    app_nos: list[str] | None = typer.Option(
        None, "--app", help="only these applications (repeatable; default: all approved)"
    ),
    region: str | None = RegionOption,
    as_json: bool = JsonOption,
) -> None:
    """Group approved applications into a new payment batch."""
    uow = _uow()
    b = rb.create_batch(
        uow,
        region or get_settings().region,
        staff=_staff(uow, staff),
        app_nos=list(app_nos) if app_nos else None,
    )
    if as_json:
        _print_json(b)
    else:
        _print_batch(b)
    console.print(b["batch_no"], highlight=False)


@pay_app.command("export")
@reports_errors
def pay_export(
    batch_no: str = typer.Argument(...),
    out: Path = typer.Option(..., "--out", help="the bank file (.csv or .xlsx)"),
    staff: str = AsOption,
    fmt: str | None = typer.Option(None, "--format", help="csv|xlsx (default: by --out suffix)"),
) -> None:
    """The bank's file: full account numbers (the only place they appear)."""
    fmt = fmt or out.suffix.lower().lstrip(".")
    uow = _uow()
    data = rb.export_batch(uow, batch_no, fmt, staff=_staff(uow, staff))
    write_bytes_atomically(out, data)
    console.print(f"拨付文件 → {out}", highlight=False)


@pay_app.command("confirm")
@reports_errors
def pay_confirm(
    batch_no: str = typer.Argument(...),
    staff: str = AsOption,
    bank_reference: str | None = typer.Option(None, "--bank-ref", help="银行回单号"),
) -> None:
    """The bank confirmed the transfers: mark the batch and its applications paid."""
    uow = _uow()
    b = rb.confirm_batch(uow, batch_no, staff=_staff(uow, staff), bank_reference=bank_reference)
    _print_batch(b)


@pay_app.command("list")
@reports_errors
def pay_list(region: str | None = RegionOption, as_json: bool = JsonOption) -> None:
    """Payment batches, newest first."""
    rows = rb.list_batches(_uow(), region or get_settings().region)
    if as_json:
        _print_json(rows)
        return
    for b in rows:
        _print_batch(b)
