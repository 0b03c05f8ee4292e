"""`jiuzhu fund funding | insurer | budget | report | drill`: funding (双鸭山实施办法 第十四–
十七条; 宁医保发〔2023〕102号 第二十七条), the insurer-run model (梅州规程 第十六–十九条), the
budget (宁医保发〔2023〕102号 第二十六条) and the reports (第二十八条, 第三十五条).

Registered on `jiuzhu fund` by :func:`register`; amounts in yuan with two decimals.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.cli.common import OperatorFileOption, ParamOption, console, load_policy, reports_errors
from jiuzhu.cli.keys import cli_actor
from jiuzhu.config import get_settings
from jiuzhu.domain.clock import today
from jiuzhu.domain.dates import parse_date
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import AmountError, format_fen, parse_fen

funding = typer.Typer(
    help="筹资 funding: income, 用款计划, transfers, year-end remittance and closing, the gap rule.",
    no_args_is_help=True,
)
insurer = typer.Typer(
    help="承办商业保险机构 the insurer-run model's schedule (梅州规程 第十六–十九条).",
    no_args_is_help=True,
)
budget = typer.Typer(help="预算 the budget: estimate, record, audit, execution.", no_args_is_help=True)  # fmt: skip

RegionOption = typer.Option(None, "--region", help="default: $JIUZHU_REGION")


def _region(region: str | None) -> str:
    return region or get_settings().region


def _store():  # type: ignore[no-untyped-def]
    from jiuzhu.cli.fund import _store as store

    return store()


def _fen(text: str, option: str) -> int:
    try:
        return parse_fen(text)
    except AmountError as exc:
        raise InputError(str(exc), column=option) from None


def _day(text: str | None, option: str) -> dt.date:
    """The option's date (the one strict reader), today when not given."""
    return today() if text is None else parse_date(text, column=option)


# -- funding -----------------------------------------------------------------------------
@funding.command("income")
@reports_errors
def income(
    source: str = typer.Option(..., "--source", help="upper 上级补助 | own 本级财政 | lottery 彩票公益金 | donation 社会捐赠 | interest 利息 | other 其他"),
    amount: str = typer.Option(..., "--amount"),
    document: str = typer.Option(..., "--document", help="文号"),
    date: str | None = typer.Option(None, "--date"),
    county: str | None = typer.Option(None, "--county"),
    into_expenditure: bool = typer.Option(False, "--into-expenditure", help="interest earned on the county's 支出户"),
    region: str | None = RegionOption,
) -> None:  # fmt: skip
    """收入 into the 财政专户 by source (双鸭山实施办法 第十五条)."""
    from jiuzhu.services.fund.funding import moves

    cmd = moves.Income(_region(region), source, _fen(amount, "--amount"), document,
                       _day(date, "--date"), county, into_expenditure)  # fmt: skip
    m = moves.record_income(_store(), cmd, actor=cli_actor())
    console.print(
        f"收入已入账 income #{m.id}: {format_fen(m.amount)} ({m.document}, entry #{m.entry_id})",
        highlight=False,
    )


@funding.command("plan")
@reports_errors
def plan(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    county: str = typer.Option(..., "--county"),
    amount: str = typer.Option(..., "--amount"),
    memo: str = typer.Option("", "--memo"),
    region: str | None = RegionOption,
) -> None:
    """用款计划 of an agency for a month (双鸭山实施办法 第十六条)."""
    from jiuzhu.services.fund.funding import plans

    plans.set_plan(
        _store(),
        _region(region),
        month,
        county,
        _fen(amount, "--amount"),
        memo=memo,
        actor=cli_actor(),
    )
    console.print(f"用款计划 {month} {county}: {amount}", highlight=False)


@funding.command("request")
@reports_errors
def request(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    document: str | None = typer.Option(
        None, "--document", help="submit with this number; without: show"
    ),
    region: str | None = RegionOption,
) -> None:
    """The month's plans summed into one request to finance (用款申请)."""
    from jiuzhu.services.fund.funding import plans

    uow = _store()
    if document:
        view = plans.submit_request(uow, _region(region), month, document, actor=cli_actor())
    else:
        view = plans.request_view(uow, _region(region), month)
    t = Table(
        "县区 agency",
        "计划 plan",
        "已拨 transferred",
        title=f"{month} 用款申请 {view.document or '（未提报）'}",
    )
    for ln in view.lines:
        t.add_row(ln.county, format_fen(ln.amount), format_fen(ln.transferred))
    t.add_row("合计", format_fen(view.total), format_fen(sum(ln.transferred for ln in view.lines)))
    console.print(t)


@funding.command("transfer")
@reports_errors
def transfer(
    county: str = typer.Option(..., "--county"),
    amount: str = typer.Option(..., "--amount"),
    document: str = typer.Option(..., "--document"),
    date: str | None = typer.Option(None, "--date"),
    request_month: str | None = typer.Option(None, "--request-month"),
    region: str | None = RegionOption,
) -> None:
    """财政专户 → the agency's 支出户 (第十六条 统支)."""
    from jiuzhu.services.fund.funding import moves

    cmd = moves.Transfer(
        _region(region),
        county,
        _fen(amount, "--amount"),
        document,
        _day(date, "--date"),
        request_month,
    )
    m = moves.transfer(_store(), cmd, actor=cli_actor())
    console.print(
        f"已拨付 transferred {format_fen(m.amount)} to {county} (entry #{m.entry_id})",
        highlight=False,
    )


@funding.command("transfer-request")
@reports_errors
def transfer_request(
    month: str = typer.Option(..., "--month", help="YYYY-MM"),
    document: str = typer.Option(..., "--document"),
    date: str | None = typer.Option(None, "--date"),
    region: str | None = RegionOption,
) -> None:
    """拨付 a submitted request: each agency's plan not yet transferred, all or nothing."""
    from jiuzhu.services.fund.funding import plans

    for m in plans.transfer_request(
        _store(), _region(region), month, document, _day(date, "--date"), actor=cli_actor()
    ):
        console.print(
            f"已拨付 {m.county} {format_fen(m.amount)} ({m.document}, entry #{m.entry_id})",
            highlight=False,
        )


@funding.command("remit")
@reports_errors
def remit(
    year: int = typer.Option(..., "--year"),
    document: str = typer.Option(..., "--document"),
    to_upper: bool = typer.Option(
        False, "--to-upper", help="as 上解上级支出 instead of back to the 财政专户"
    ),
    region: str | None = RegionOption,
) -> None:
    """年末上缴: every 支出户's balance and interest on 31 December (宁医保发〔2023〕102号 第二十七条)."""
    from jiuzhu.services.fund.funding import moves

    out = moves.remit_year_end(
        _store(), _region(region), year, document, actor=cli_actor(), to_upper=to_upper
    )
    t = Table("科目 account", "县区 county", "上缴 remitted", title=f"{year} 年末支出户余额上缴")
    for acct, county, amount in out.lines:
        t.add_row(acct, county or "—", format_fen(amount))
    console.print(t)
    for acct, county, amount in out.overdrawn:
        console.print(
            f"[yellow]透支 overdrawn[/] {acct} {county or '—'} {format_fen(amount)}",
            highlight=False,
        )


@funding.command("close-year")
@reports_errors
def close_year(year: int = typer.Option(..., "--year"), document: str = typer.Option(..., "--document"),
               region: str | None = RegionOption) -> None:  # fmt: skip
    """年度结转: the year's income and expense into 一般基金结余 (滚存结余)."""
    from jiuzhu.services.fund.funding import moves

    m = moves.close_year(_store(), _region(region), year, document, actor=cli_actor())
    console.print(f"{year} 年度已结转 closed (entry #{m.entry_id}): {m.memo}", highlight=False)


@funding.command("gap")
@reports_errors
def gap_cmd(
    year: int = typer.Option(..., "--year"),
    region: str | None = RegionOption,
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
) -> None:
    """基金缺口分担 (双鸭山实施办法 第十七条); the sharing ratio is the operator's gap_city_share."""
    from jiuzhu.services.fund.funding import gap

    policy = load_policy(_region(region), param, operator_file)
    rows = gap.gap_sharing(_store(), policy, year)
    t = Table(
        "机构 agency",
        "收入",
        "支出",
        "缺口 gap",
        "上年结余",
        "结余补足",
        "同级政府",
        "市级政府",
        "县级政府",
        "处理",
        title=f"{year} 基金缺口（第十七条）",
    )
    for r in rows:
        t.add_row(r.name, *(format_fen(v) for v in (r.income, r.expense, r.gap, r.balance_before, r.from_balance,
                  r.same_level_government, r.city_government, r.county_government)), r.step)  # fmt: skip
    console.print(t)


@funding.command("list")
@reports_errors
def list_moves(year: int = typer.Option(..., "--year"), kind: str | None = typer.Option(None, "--kind"),
               region: str | None = RegionOption) -> None:  # fmt: skip
    """The year's funding steps and each agency's balances at its end."""
    from jiuzhu.services.fund.funding import queries

    uow = _store()
    t = Table("日期", "类型", "文号", "县区", "金额", "凭证", title=f"{year} 资金往来")
    for m in queries.moves(uow, _region(region), year, kind):
        t.add_row(m.day.isoformat(), queries.KIND_NAMES.get(m.kind, m.kind), m.document, m.county or "—",
                  format_fen(m.amount), f"#{m.entry_id}")  # fmt: skip
    console.print(t)
    fiscal, agencies = queries.balances(uow, _region(region), dt.date(year, 12, 31))
    b = Table("机构", "支出户余额", "滚存结余", title=f"财政专户 {format_fen(fiscal)}")
    for a in agencies:
        b.add_row(a.name, format_fen(a.expenditure), format_fen(a.carried))
    console.print(b)


# -- insurer -----------------------------------------------------------------------------
@insurer.command("schedule")
@reports_errors
def schedule_cmd(
    year: int | None = typer.Option(None, "--year"), region: str | None = RegionOption
) -> None:
    """The schedule with due dates and status (逾期 = planned and past due)."""
    from jiuzhu.services.fund.insurer import queries

    t = Table("#", "年度", "事项", "应完成", "金额", "状态", "完成日", "文号")
    for e in queries.schedule(_store(), _region(region), year=year):
        t.add_row(str(e.id), str(e.year), e.label, e.due_date.isoformat() if e.due_date else "—",
                  format_fen(e.amount), e.status_text, e.done_on.isoformat() if e.done_on else "",
                  e.document or "")  # fmt: skip
    console.print(t)


@insurer.command("plan-subsidy")
@reports_errors
def plan_subsidy(year: int = typer.Option(..., "--year", help="the enrolment year"),
                 approved: str = typer.Option(..., "--approved", help="各县核准的资助参保资金总额"),
                 region: str | None = RegionOption) -> None:  # fmt: skip
    """资助参保资金请拨 90% in September of the year before (第十六条（一）)."""
    from jiuzhu.services.fund.insurer import schedule

    ev = schedule.plan_subsidy(
        _store(), _region(region), year, _fen(approved, "--approved"), actor=cli_actor()
    )
    console.print(
        f"#{ev.id} {ev.label}: {format_fen(ev.amount)} due {ev.due_date}", highlight=False
    )


@insurer.command("plan-premium")
@reports_errors
def plan_premium(
    year: int = typer.Option(..., "--year"), region: str | None = RegionOption
) -> None:
    """费用救助保费 50% in April, 40% in July of last year's actual (第十八条)."""
    from jiuzhu.services.fund.insurer import schedule

    for ev in schedule.plan_premium(_store(), _region(region), year, actor=cli_actor()):
        console.print(
            f"#{ev.id} {ev.label}: {format_fen(ev.amount)} due {ev.due_date}", highlight=False
        )


@insurer.command("addition")
@reports_errors
def addition(year: int = typer.Option(..., "--year"), received: str = typer.Option(..., "--received"),
             amount: str = typer.Option(..., "--amount"), document: str = typer.Option(..., "--document"),
             region: str | None = RegionOption) -> None:  # fmt: skip
    """中途新增资助参保: the insurer pays within 10 working days of the list (第十六条（二）)."""
    from jiuzhu.services.fund.insurer import schedule

    ev = schedule.add_addition(_store(), _region(region), year, _day(received, "--received"),
                               _fen(amount, "--amount"), document=document, actor=cli_actor())  # fmt: skip
    console.print(f"#{ev.id} {ev.label}: due {ev.due_date}", highlight=False)


@insurer.command("done")
@reports_errors
def done(event_id: int = typer.Argument(...), date: str | None = typer.Option(None, "--date"),
         document: str = typer.Option(..., "--document")) -> None:  # fmt: skip
    """Mark a step done (posts its money, plans what follows)."""
    from jiuzhu.services.fund.insurer import schedule

    out = schedule.complete(
        _store(), event_id, _day(date, "--date"), document=document, actor=cli_actor()
    )
    console.print(f"#{out.event.id} {out.event.label} {out.event.status_text}", highlight=False)
    if out.follow_up:
        f = out.follow_up
        console.print(
            f"→ #{f.id} {f.label} {format_fen(f.amount)} due {f.due_date or '—'}", highlight=False
        )


@insurer.command("revolving")
@reports_errors
def revolving(year: int = typer.Option(..., "--year"), direction: str = typer.Option(..., "--direction", help="in | out"),
              purpose: str = typer.Option(..., "--purpose", help="manual | out_of_area"),
              amount: str = typer.Option(..., "--amount"), party: str = typer.Option(..., "--party"),
              document: str = typer.Option(..., "--document"), date: str | None = typer.Option(None, "--date"),
              region: str | None = RegionOption) -> None:  # fmt: skip
    """周转金 (第十九条)."""
    from jiuzhu.services.fund.insurer import schedule

    ev = schedule.revolving(_store(), _region(region), year, direction, purpose, _fen(amount, "--amount"),
                            _day(date, "--date"), party=party, document=document, actor=cli_actor())  # fmt: skip
    console.print(f"#{ev.id} {ev.label} {format_fen(ev.amount)}", highlight=False)


# -- budget ------------------------------------------------------------------------------
@budget.command("estimate")
@reports_errors
def estimate_cmd(year: int = typer.Option(..., "--year"), region: str | None = RegionOption,
                 param: list[str] | None = ParamOption, operator_file: Path | None = OperatorFileOption) -> None:  # fmt: skip
    """Next year's estimate per county (宁医保发〔2023〕102号 第二十六条)."""
    from jiuzhu.services.fund.budget import estimate

    est = estimate.estimate(_store(), load_policy(_region(region), param, operator_file), year)
    t = Table(
        "县区",
        "对象人数",
        *estimate.ITEM_NAMES.values(),
        "合计",
        "滚存结余",
        "需求",
        title=f"{year} 预算测算（基期 {est.base_day}）",
    )
    for c in est.counties:
        t.add_row(c.county or "未记录", str(sum(c.beneficiaries.values())), *(format_fen(c.items[i]) for i in estimate.ITEMS),
                  format_fen(c.total), format_fen(c.carried), format_fen(c.need))  # fmt: skip
    console.print(t)


@budget.command("record")
@reports_errors
def record_cmd(year: int = typer.Option(..., "--year"), document: str = typer.Option(..., "--document"),
               date: str | None = typer.Option(None, "--date"), region: str | None = RegionOption,
               param: list[str] | None = ParamOption, operator_file: Path | None = OperatorFileOption) -> None:  # fmt: skip
    """Record the year's budget as estimated (then audited by finance)."""
    from jiuzhu.services.fund.budget import estimate, record

    est = estimate.estimate(_store(), load_policy(_region(region), param, operator_file), year)
    v = record.record(_store(), _region(region), year, document, record.lines_of(est), day=_day(date, "--date"),
                      actor=cli_actor(), basis={"base_day": est.base_day.isoformat()})  # fmt: skip
    console.print(
        f"{year} 预算已录入 recorded: {format_fen(v.total)} ({v.document})", highlight=False
    )


@budget.command("audit")
@reports_errors
def audit_cmd(year: int = typer.Option(..., "--year"), date: str | None = typer.Option(None, "--date"),
              region: str | None = RegionOption) -> None:  # fmt: skip
    """财政审核: recorded → audited (not by the recorder)."""
    from jiuzhu.services.fund.budget import record

    v = record.approve(_store(), _region(region), year, day=_day(date, "--date"), actor=cli_actor())
    console.print(f"{year} 预算已审核 audited by {v.audited_by} on {v.audited_on}", highlight=False)


@budget.command("execution")
@reports_errors
def execution_cmd(year: int = typer.Option(..., "--year"), month: int = typer.Option(12, "--month", min=1, max=12),
                  region: str | None = RegionOption) -> None:  # fmt: skip
    """预算执行: budget vs actual per county and item, monthly."""
    from jiuzhu.services.fund.budget import estimate, execution

    t = Table(
        "县区",
        "项目",
        "预算",
        *(f"{m}月" for m in range(1, month + 1)),
        "累计",
        "执行率",
        title=f"{year} 预算执行",
    )
    for r in execution.execution(_store(), _region(region), year, month):
        rate = "—" if r.ratio_bp is None else f"{r.ratio_bp / 100:.2f}%"
        t.add_row(r.county or "未记录", estimate.ITEM_NAMES.get(r.item, r.item), format_fen(r.budget),
                  *(format_fen(v) for v in r.months), format_fen(r.actual), rate)  # fmt: skip
    console.print(t)


# -- reports -----------------------------------------------------------------------------
@reports_errors
def report(
    kind: str = typer.Argument(
        ..., help="balance_sheet | income_statement | spending | subsidy | analysis"
    ),
    period: str = typer.Option(..., "--period", help="YYYY-MM, YYYYQn or YYYY"),
    out: Path = typer.Option(..., "--out", help="FILE.xlsx or FILE.pdf"),
    county: str | None = typer.Option(None, "--county"),
    region: str | None = RegionOption,
) -> None:
    """报表: 资产负债表, 收支表, 费用支出统计, 资助参保统计, 年度执行分析报告 (XLSX or PDF)."""
    from jiuzhu.adapters.files import write_bytes_atomically
    from jiuzhu.services.fund.reports import queries

    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("xlsx", "pdf"):
        raise InputError("--out must end in .xlsx or .pdf", column="--out")
    rep = queries.build(_store(), _region(region), kind, period, county=county)
    data = queries.export(rep, fmt)
    write_bytes_atomically(out, data)
    console.print(f"{rep.title} → {out}", highlight=False)


@reports_errors
def drill(key: str = typer.Argument(..., help="a report cell's drill key"),
          limit: int = typer.Option(50, "--limit")) -> None:  # fmt: skip
    """The journal lines or settlements behind a report cell, and their sum."""
    from jiuzhu.services.fund.reports import queries

    d = queries.drill(_store(), key, limit=limit)
    if d.src == "settlements":
        t = Table(
            "结算",
            "人员",
            "时间",
            "类型",
            "类别",
            "机构",
            "县区",
            "医疗救助",
            "倾斜救助",
            title=d.title,
        )
        for r in d.settlements:
            t.add_row(r.setl_id, r.psn_no, str(r.setl_time)[:19], r.med_type, r.class_id or "", r.institution or "",
                      r.county or "", format_fen(r.maf_pay), format_fen(r.tilt_pay))  # fmt: skip
        console.print(t)
        console.print(
            f"人次 {d.visits}　人数 {d.persons}　合计 {format_fen(d.total)}（{d.rows} 笔）",
            highlight=False,
        )
        return
    t = Table("凭证", "日期", "来源", "摘要", "科目", "县区", "借方", "贷方", title=d.title)
    for ln in d.lines:
        t.add_row(f"#{ln.entry_id}", ln.day.isoformat(), f"{ln.kind} {ln.source_id}", ln.memo, ln.account,
                  ln.county or "", format_fen(ln.debit), format_fen(ln.credit))  # fmt: skip
    console.print(t)
    console.print(f"合计 {format_fen(d.total)}（{d.rows} 行）", highlight=False)


def register(app: typer.Typer) -> None:
    """Add the groups and commands to `jiuzhu fund`."""
    app.add_typer(funding, name="funding")
    app.add_typer(insurer, name="insurer")
    app.add_typer(budget, name="budget")
    app.command("report")(report)
    app.command("drill")(drill)
