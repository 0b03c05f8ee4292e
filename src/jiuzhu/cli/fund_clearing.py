"""`jiuzhu fund clearing …` (hospital statements, approval, payment batches and the bank
file; 宁医保发〔2023〕102号 第三十条) and `jiuzhu fund reconcile …` (bank statements and
finance's figures against the journal; 第二十八条)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.cli.common import console, reports_errors
from jiuzhu.cli.fund import RegionOption, _day, _store
from jiuzhu.cli.keys import cli_actor
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.clearing import apply, parse, queries
from jiuzhu.services.fund.reconcile import apply as rapply
from jiuzhu.services.fund.reconcile import queries as rqueries
from jiuzhu.wire.fund import signed

clearing = typer.Typer(
    help="医院对账与拨付 hospital clearing and payment (第三十条).", no_args_is_help=True
)
reconcile = typer.Typer(help="银行、财政对账 reconciliation (第二十八条).", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(clearing, name="clearing")
    app.add_typer(reconcile, name="reconcile")


def _read(file: Path) -> bytes:
    try:
        return file.read_bytes()
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=file.name) from None


def _show(v: queries.StatementView) -> None:
    console.print(
        f"对账单 {v.stmt_no}  {v.fixmedins_code}  {v.stmt_begndate}—{v.stmt_enddate}  "
        f"{v.status_zh}  stmt_rslt {v.stmt_rslt} {v.stmt_rslt_dscr}",
        highlight=False,
    )
    console.print(
        f"  我方 ours: {v.ours_setl_cnt} 笔, 医疗费 {format_fen(v.ours_medfee_sumamt)}, "
        f"基金支付 {format_fen(v.ours_fund_pay_sumamt)}",
        highlight=False,
    )
    if v.differences:
        t = Table("行 line", "类型 kind", "结算ID", "医院 theirs", "我方 ours", "说明 detail",
                  title=f"差异 differences ({len(v.differences)})")  # fmt: skip
        for d in v.differences:
            t.add_row(str(d.line or ""), d.kind_zh, d.setl_id or "",
                      format_fen(d.theirs_fund_pay) if d.theirs_fund_pay is not None else "",
                      format_fen(d.ours_fund_pay) if d.ours_fund_pay is not None else "", d.detail)  # fmt: skip
        console.print(t)


@clearing.command("submit")
@reports_errors
def submit(
    institution: str = typer.Option(..., "--institution", help="the hospital's fixmedins_code"),
    begin: str = typer.Option(..., "--from", help="stmt_begndate YYYY-MM-DD"),
    end: str = typer.Option(..., "--to", help="stmt_enddate YYYY-MM-DD"),
    detail: Path | None = typer.Option(None, "--detail", help="3202 detail CSV/XLSX"),
    setl_cnt: str | None = typer.Option(None, "--setl-cnt", help="3201 fixmedins_setl_cnt"),
    medfee: str | None = typer.Option(None, "--medfee", help="3201 medfee_sumamt"),
    fund_pay: str | None = typer.Option(None, "--fund-pay", help="3201 fund_pay_sumamt"),
    region: str | None = RegionOption,
) -> None:
    """A hospital's statement of a period (3201 totals and/or 3202 detail), compared at once."""
    totals = None
    if setl_cnt is not None or medfee is not None or fund_pay is not None:
        totals = parse.totals_from(setl_cnt or "", medfee or "", fund_pay or "")
    lines = parse.detail_from_file(detail.name, _read(detail)) if detail else None
    st = parse.StatementIn(institution, _day(begin, "--from"), _day(end, "--to"), totals, lines)
    v = apply.submit(_store(), region or get_settings().region, st, actor=cli_actor())
    _show(v)


@clearing.command("list")
@reports_errors
def list_(
    institution: str | None = typer.Option(None, "--institution"),
    status: str | None = typer.Option(None, "--status"),
) -> None:
    """Statements, newest first."""
    t = Table("对账单", "医院", "期间", "状态", "结果", "我方基金支付", "差异")
    for v in queries.list_statements(_store(), institution=institution, status=status):
        t.add_row(v.stmt_no, v.fixmedins_code, f"{v.stmt_begndate}—{v.stmt_enddate}", v.status_zh,
                  v.stmt_rslt, format_fen(v.ours_fund_pay_sumamt), str(v.differences_count))  # fmt: skip
    console.print(t)


@clearing.command("show")
@reports_errors
def show(stmt_no: str = typer.Argument(...)) -> None:
    """A statement with every difference."""
    _show(queries.get_statement(_store(), stmt_no))


@clearing.command("approve")
@reports_errors
def approve(
    stmt_no: str = typer.Argument(...), note: str | None = typer.Option(None, "--note")
) -> None:
    """审核: approve for payment (a statement that does not balance needs --note)."""
    _show(apply.approve(_store(), stmt_no, actor=cli_actor(), note=note))


@clearing.command("reject")
@reports_errors
def reject(stmt_no: str = typer.Argument(...), reason: str = typer.Option(..., "--reason")) -> None:
    """退回: the hospital states the period again."""
    _show(apply.reject(_store(), stmt_no, actor=cli_actor(), reason=reason))


@clearing.command("account")
@reports_errors
def account(
    institution: str = typer.Option(..., "--institution"),
    name: str = typer.Option("", "--name", help="the hospital's name"),
    account_name: str = typer.Option(..., "--account-name", help="收款户名"),
    bank: str = typer.Option(..., "--bank", help="开户银行"),
    account_no: str = typer.Option(..., "--account-no", help="银行账号"),
) -> None:
    """Register the bank account a hospital is paid to (audited)."""
    apply.set_account(_store(), institution, name=name, account_name=account_name, bank_name=bank,
                      account_no=account_no, actor=cli_actor())  # fmt: skip
    console.print(f"收款账户已登记 account registered for {institution}", highlight=False)


def _batch(b: queries.BatchView) -> None:
    t = Table("医院", "收款户名", "开户银行", "银行账号", "金额", "对账单",
              title=f"拨付批次 {b.batch_no} {b.status_zh} 合计 {format_fen(b.total)}")  # fmt: skip
    for ln in b.lines:
        t.add_row(ln.fixmedins_code, ln.account_name, ln.bank_name, ln.account_no_masked,
                  format_fen(ln.amount), "、".join(ln.stmt_nos))  # fmt: skip
    console.print(t)


@clearing.command("batch-create")
@reports_errors
def batch_create(
    stmt_nos: list[str] | None = typer.Argument(None, help="default: every approved statement"),
    region: str | None = RegionOption,
) -> None:
    """拨付批次 of approved statements."""
    _batch(apply.create_batch(_store(), region or get_settings().region, actor=cli_actor(),
                              stmt_nos=stmt_nos or None))  # fmt: skip


@clearing.command("batch-export")
@reports_errors
def batch_export(
    batch_no: str = typer.Argument(...), out: Path = typer.Option(..., "--out")
) -> None:
    """The bank's file (CSV, full account numbers; audited with its SHA-256)."""
    data = apply.export_batch(_store(), batch_no, actor=cli_actor())
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_bytes(data)
    tmp.replace(out)
    console.print(f"银行文件 bank file → {out}", highlight=False)


@clearing.command("batch-confirm")
@reports_errors
def batch_confirm(
    batch_no: str = typer.Argument(...),
    bank_reference: str | None = typer.Option(None, "--bank-reference"),
    date: str | None = typer.Option(None, "--date", help="the day paid (default today)"),
) -> None:
    """The bank paid: the payables are cleared (借 应付定点医药机构 / 贷 支出户存款)."""
    day = _day(date, "--date") if date else None
    _batch(
        apply.confirm_batch(
            _store(), batch_no, actor=cli_actor(), bank_reference=bank_reference, day=day
        )
    )


@clearing.command("batches")
@reports_errors
def batches() -> None:
    """Payment batches, newest first."""
    for b in queries.list_batches(_store()):
        _batch(b)


@reconcile.command("import-bank")
@reports_errors
def import_bank(
    file: Path = typer.Argument(
        ..., help="CSV/XLSX: txn_date,txn_id,income,expense[,doc_no,balance]"
    ),
    account: str = typer.Option(..., "--account", help="the chart's code, e.g. 1004 支出户存款"),
    county: str | None = typer.Option(None, "--county"),
    region: str | None = RegionOption,
) -> None:
    """A bank statement (atomic; a line imported before is refused)."""
    r = rapply.import_bank(_store(), region or get_settings().region, file.name, _read(file),
                           account=account, county=county, actor=cli_actor())  # fmt: skip
    console.print(f"银行对账单 #{r.import_id}: {r.rows} 行 lines", highlight=False)


@reconcile.command("import-finance")
@reports_errors
def import_finance(
    file: Path = typer.Argument(..., help="CSV/XLSX: account,date,balance[,county]"),
    region: str | None = RegionOption,
) -> None:
    """Finance's balances per account and day."""
    r = rapply.import_finance(_store(), region or get_settings().region, file.name, _read(file),
                              actor=cli_actor())  # fmt: skip
    console.print(f"财政数据 #{r.import_id}: {r.rows} 行 lines", highlight=False)


@reconcile.command("run")
@reports_errors
def run(
    account: str = typer.Option(..., "--account"),
    begin: str = typer.Option(..., "--from"),
    end: str = typer.Option(..., "--to"),
    county: str | None = typer.Option(None, "--county"),
    region: str | None = RegionOption,
) -> None:
    """Match the bank lines and assert the balances; list the open differences."""
    r = rapply.run(_store(), region or get_settings().region, account=account, county=county,
                   begin=_day(begin, "--from"), end=_day(end, "--to"), actor=cli_actor())  # fmt: skip
    console.print(f"对账 {account}: 相符 matched {r.matched}, 差异 found {r.found} (new {r.new}, "
                  f"closed {r.closed})", highlight=False)  # fmt: skip
    _diffs(rqueries.list_differences(_store(), account=account))


def _diffs(rows: list[rqueries.DifferenceView]) -> None:
    t = Table("#", "科目", "县区", "类型", "日期", "金额", "账面", "说明", "状态", "处理")
    for d in rows:
        t.add_row(str(d.id), d.account, d.county, d.kind_zh, str(d.day), signed(d.amount) or "",
                  signed(d.books) or "", d.detail, d.status, d.reason or "")  # fmt: skip
    console.print(t)


@reconcile.command("list")
@reports_errors
def list_diffs(
    status: str = typer.Option("open", "--status", help="open | resolved | all"),
    account: str | None = typer.Option(None, "--account"),
) -> None:
    """Differences (open ones until resolved)."""
    _diffs(
        rqueries.list_differences(
            _store(), status=None if status == "all" else status, account=account
        )
    )


@reconcile.command("resolve")
@reports_errors
def resolve(
    diff_id: int = typer.Argument(...), reason: str = typer.Option(..., "--reason")
) -> None:
    """Resolve a difference with its reason (audited)."""
    rapply.resolve(_store(), diff_id, reason=reason, actor=cli_actor())
    console.print(f"差异 #{diff_id} 已处理 resolved", highlight=False)


__all__ = ["clearing", "reconcile", "register"]
