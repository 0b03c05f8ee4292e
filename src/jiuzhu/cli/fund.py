"""`jiuzhu fund`: the fund's books — trial balance and hospitals' payables in the fixed
shapes of calc-contract §12, month closing, claw-backs, manual entries, invariant checks."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.adapters.files import write_atomically
from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    console,
    load_policy,
    reports_errors,
)
from jiuzhu.cli.keys import cli_actor
from jiuzhu.config import get_settings
from jiuzhu.domain.dates import parse_date
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.journal import Entry, Line
from jiuzhu.policy.money import AmountError, format_fen, parse_fen
from jiuzhu.services.fund import commands, queries

app = typer.Typer(help="医疗救助基金 the fund's books (calc-contract §12).", no_args_is_help=True)

AsOf = typer.Option(..., "--as-of", help="YYYY-MM-DD: postings up to and including this day")
Out = typer.Option(..., "--out", help="the CSV file to write")
RegionOption = typer.Option(None, "--region", help="default: $JIUZHU_REGION (ningxia)")


def _store() -> UnitOfWork:
    from jiuzhu.cli.serve import check_database

    check_database(get_settings().database_url)
    return UnitOfWork()


def _day(text: str, option: str) -> dt.date:
    return parse_date(text, column=option)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    def w(fh: object) -> None:
        out = csv.writer(fh, lineterminator="\n")  # type: ignore[arg-type]
        out.writerow(header)
        out.writerows(rows)

    write_atomically(path, w)


@app.command("trial-balance")
@reports_errors
def trial_balance(
    as_of: str = AsOf,
    out: Path = Out,
    county: str | None = typer.Option(None, "--county", help="only this 6-digit county"),
) -> None:
    """试算平衡表 TB.csv: account_code,account_name,debit,credit (calc-contract §12)."""
    day = _day(as_of, "--as-of")
    rows = queries.trial_balance(_store(), day, county=county)
    _write(
        out,
        ["account_code", "account_name", "debit", "credit"],
        [[r.account_code, r.account_name, format_fen(r.debit), format_fen(r.credit)] for r in rows],
    )
    dr, cr = sum(r.debit for r in rows), sum(r.credit for r in rows)
    console.print(
        f"试算平衡 trial balance {day}: {len(rows)} accounts, 借 debit {format_fen(dr)}, "
        f"贷 credit {format_fen(cr)} → {out}",
        highlight=False,
    )


@app.command("payables")
@reports_errors
def payables(as_of: str = AsOf, out: Path = Out) -> None:
    """应付定点医药机构 PAYABLES.csv: fixmedins_code,unpaid (calc-contract §12)."""
    day = _day(as_of, "--as-of")
    uow = _store()
    rows = queries.payables(uow, day)
    _write(
        out,
        ["fixmedins_code", "unpaid"],
        [[p.fixmedins_code, format_fen(p.unpaid)] for p in rows],
    )
    console.print(
        f"应付 payables {day}: {len(rows)} hospitals, {format_fen(sum(p.unpaid for p in rows))} → {out}",
        highlight=False,
    )
    owed = queries.receivables(uow, day)
    if owed:
        console.print(
            "应收 receivables (claw-backs above what was owed): "
            + ", ".join(f"{p.fixmedins_code} {format_fen(p.unpaid)}" for p in owed),
            highlight=False,
        )


@app.command("close-month")
@reports_errors
def close_month(
    month: str = typer.Argument(..., help="YYYY-MM"),
    region: str | None = RegionOption,
) -> None:
    """月结: close a month; nothing posts into it any more (later events post today)."""
    commands.close_month(_store(), region or get_settings().region, month, actor=cli_actor())
    console.print(f"会计期间 {month} 已结账 month closed", highlight=False)


@app.command("claw-back")
@reports_errors
def claw_back(
    institution: str = typer.Option(..., "--institution", help="the hospital's fixmedins_code"),
    amount: str = typer.Option(..., "--amount", help="yuan, two decimals"),
    document: str = typer.Option(..., "--document", help="the decision's document number"),
    reason: str = typer.Option(..., "--reason"),
    setl_id: str | None = typer.Option(None, "--setl-id", help="the settlement it concerns"),
    date: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (default today)"),
    region: str | None = RegionOption,
) -> None:
    """追回 from a hospital (新疆规程 第二十四条): its payable falls by the amount."""
    try:
        fen = parse_fen(amount)
    except AmountError as exc:
        raise InputError(str(exc), column="--amount") from None
    day = _day(date, "--date") if date else dt.date.today()
    cmd = commands.ClawBack(
        region or get_settings().region, institution, fen, document, reason, day, setl_id
    )
    commands.claw_back(_store(), cmd, actor=cli_actor())
    console.print(
        f"已追回 clawed back {format_fen(fen)} from {institution} ({document})", highlight=False
    )


@app.command("post")
@reports_errors
def post(
    file: Path = typer.Argument(..., help="CSV: account,debit,credit[,party,county]"),
    document: str = typer.Option(..., "--document", help="the source document's number"),
    memo: str = typer.Option(..., "--memo"),
    date: str = typer.Option(..., "--date", help="YYYY-MM-DD"),
    region: str | None = RegionOption,
) -> None:
    """A bookkeeper's entry (funding, transfers, remittance): it must balance."""
    day = _day(date, "--date")
    lines = _read_lines(file)
    entry = Entry(region or get_settings().region, day, "manual", document, memo, tuple(lines))
    entry_id = commands.post_manual(_store(), entry, actor=cli_actor())
    console.print(f"凭证 entry #{entry_id} posted ({document})", highlight=False)


def _read_lines(file: Path) -> list[Line]:
    name = file.name
    try:
        text = file.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read: {exc.strerror}", file=name) from None
    rows = list(csv.DictReader(text.splitlines()))
    for col in ("account", "debit", "credit"):
        if rows and col not in rows[0]:
            raise InputError("missing column", file=name, line=1, column=col)
    if not rows:
        raise InputError("no lines", file=name, line=1)
    out: list[Line] = []
    for i, r in enumerate(rows, 2):
        amounts = []
        for col in ("debit", "credit"):
            try:
                amounts.append(parse_fen((r.get(col) or "0").strip() or "0"))
            except AmountError as exc:
                raise InputError(str(exc), file=name, line=i, column=col) from None
            if amounts[-1] < 0:
                raise InputError("negative amount", file=name, line=i, column=col)
        out.append(
            Line((r["account"] or "").strip(), amounts[0], amounts[1],
                 (r.get("party") or "").strip() or None, (r.get("county") or "").strip() or None)
        )  # fmt: skip
    try:
        Entry("check", dt.date.today(), "manual", "check", "", tuple(out))
    except InputError as exc:
        raise InputError(exc.detail, file=name, column=exc.column) from None
    return out


@app.command("post-subsidies")
@reports_errors
def post_subsidies(
    year: int = typer.Option(..., "--year"),
    document: str = typer.Option(..., "--document", help="the funding request's number"),
    date: str | None = typer.Option(None, "--date", help="YYYY-MM-DD (default today)"),
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """资助参保: post the year's exemption-ledger subsidies per county (the part not yet posted)."""
    from jiuzhu.services.fund.subsidy import post_subsidies as run

    policy = load_policy(region or get_settings().region, param, operator_file)
    day = _day(date, "--date") if date else dt.date.today()
    rows = run(_store(), policy, year, document=document, actor=cli_actor(), day=day)
    t = Table(
        "县区 county",
        "人数 persons",
        "台账 ledger",
        "已记 before",
        "本次 now",
        title=f"{year} 资助参保",
    )
    for r in rows:
        t.add_row(r.county or "—", str(r.persons), format_fen(r.ledger), format_fen(r.posted_before),
                  format_fen(r.posted_now))  # fmt: skip
    console.print(t)


@app.command("check")
@reports_errors
def check() -> None:
    """The books' invariants: every settlement has its entry, every entry and the trial
    balance balance. Exit status 1 when something is broken."""
    found = queries.findings(_store())
    if not found:
        console.print("账实相符 the books hold every invariant", highlight=False)
        return
    t = Table("check", "subject", "detail", title="不符 findings")
    for f in found:
        t.add_row(f.check, f.subject, f.detail)
    console.print(t)
    raise typer.Exit(1)


def _register_more() -> None:
    """Hospital clearing and reconciliation (cli/fund_clearing.py); funding, the insurer
    model, the budget and the reports (cli/fund_funding.py)."""
    from jiuzhu.cli import fund_clearing, fund_funding

    fund_clearing.register(app)
    fund_funding.register(app)


_register_more()
