"""年度执行分析报告 (宁医保发〔2023〕102号 第二十八条 每年按规定向自治区报送医疗救助基金年度执行
分析报告, 同步纳入绩效管理): the year's income by source, spending by account, the result and
the carried balance, the budget's execution, the beneficiaries helped and the subsidy,
each with last year's figure beside it."""

from __future__ import annotations

from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.budget.estimate import ITEM_NAMES
from jiuzhu.services.fund.budget.execution import execution
from jiuzhu.services.fund.funding.balances import result_accounts, sums
from jiuzhu.services.fund.reports.model import (
    Report,
    Table,
    count,
    drill_key,
    money,
    per,
    period,
    text,
)
from jiuzhu.services.fund.reports.spending import spending, subsidy_stats

REFS = [
    "宁医保发〔2023〕102号 第二十八条 医疗救助基金年度执行分析报告",
    "宁医保发〔2023〕102号 第二十九条 绩效管理",
    "宁医保发〔2023〕102号 第二十六条 预算",
]


def _change(now: int, before: int) -> str:
    if before == 0:
        return "—"
    d = (now - before) * 10000
    q, r = divmod(abs(d), abs(before))
    bp = q + (1 if 2 * r >= abs(before) else 0)
    sign = "-" if (d < 0) != (before < 0) and d != 0 else ""
    return f"{sign}{bp // 100}.{bp % 100:02d}%"


def _year_accounts(s: Session, region: str, year: int) -> dict[str, int]:
    c = chart(region)
    inc, exp = result_accounts(c)
    p = period(str(year))
    out: dict[str, int] = {}
    for (acct, _), (d, k) in sums(
        s, region, inc + exp, start=p.start, end=p.end, without_closing=True
    ).items():
        out[acct] = out.get(acct, 0) + (k - d if acct in inc else d - k)
    return out


def annual_analysis(uow: UnitOfWork, region: str, year: int) -> Report:
    c = chart(region)
    inc, exp = result_accounts(c)
    p, p0 = period(str(year)), period(str(year - 1))
    with uow.read() as s:
        now, before = _year_accounts(s, region, year), _year_accounts(s, region, year - 1)
        carried = sum(k - d for (_, _), (d, k) in
                      sums(s, region, [*inc, *exp, c.code("carried_balance")], end=p.end).items())  # fmt: skip
        sp, sp0 = spending(s, region, p), spending(s, region, p0)
        sub = subsidy_stats(s, region, year)
    t1 = Table(
        "income", "一、基金收入", ["科目", f"{year} 年（元）", f"{year - 1} 年（元）", "增减"]
    )
    t2 = Table(
        "expense", "二、基金支出", ["科目", f"{year} 年（元）", f"{year - 1} 年（元）", "增减"]
    )
    totals = {"inc": [0, 0], "exp": [0, 0]}
    for tab, accounts, tk in ((t1, inc, "inc"), (t2, exp, "exp")):
        for code in accounts:
            a, b = now.get(code, 0), before.get(code, 0)
            if not a and not b:
                continue
            totals[tk][0] += a
            totals[tk][1] += b
            dk = drill_key(
                src="journal", region=region, account=code, start=p.start, end=p.end, closing=0
            )
            tab.rows.append([text(c.name(code)), money(a, dk), money(b), text(_change(a, b))])
        tab.rows.append([text("合计"), money(totals[tk][0]), money(totals[tk][1]),
                         text(_change(totals[tk][0], totals[tk][1]))])  # fmt: skip
    result = totals["inc"][0] - totals["exp"][0]
    t3 = Table("result", "三、收支结余与滚存结余", ["项目", "金额（元）"], [
        [text("本年收支结余"), money(result)],
        [text("年末滚存结余"), money(carried, drill_key(src="journal", region=region, account="result", end=p.end))],
    ])  # fmt: skip
    t4 = Table("budget", "四、预算执行", ["县区", "项目", "预算（元）", "实际（元）", "执行率"])
    for r in execution(uow, region, year, 12):
        rate = "—" if r.ratio_bp is None else f"{r.ratio_bp // 100}.{r.ratio_bp % 100:02d}%"
        t4.rows.append([text(r.county or "未记录"), text(ITEM_NAMES.get(r.item, r.item)), money(r.budget),
                        money(r.actual), text(rate)])  # fmt: skip
    tot, tot0 = sp.tables[0].rows[0], sp0.tables[0].rows[0]
    t5 = Table(
        "beneficiaries", "五、救助人次与人数", ["指标", f"{year} 年", f"{year - 1} 年", "增减"]
    )
    for i, name in ((0, "救助人次"), (1, "救助人数"), (4, "救助金额（元）"), (5, "人均救助（元）")):
        a, b = int(tot[i].value or 0), int(tot0[i].value or 0)
        cell = count(a, tot[i].drill) if tot[i].kind == "count" else money(a, tot[i].drill)
        prev = count(b) if tot[i].kind == "count" else money(b)
        t5.rows.append([text(name), cell, prev, text(_change(a, b))])
    sub_total = sub.tables[0].rows[-1]
    paragraphs = [
        f"{year} 年基金收入 {format_fen(totals['inc'][0])} 元，支出 {format_fen(totals['exp'][0])} 元，"
        f"当年收支结余 {format_fen(result)} 元，年末滚存结余 {format_fen(carried)} 元。",
        f"全年医疗救助 {tot[0].value} 人次、{tot[1].value} 人，救助金额 {format_fen(int(tot[4].value or 0))} 元，"
        f"人均 {format_fen(per(int(tot[4].value or 0), int(tot[1].value or 0)))} 元；"
        f"资助参保 {sub_total[1].value} 人，{format_fen(int(sub_total[2].value or 0))} 元。",
    ]
    tables = [t1, t2, t3, t4, t5, *sp.tables[1:3], sub.tables[0]]
    return Report("analysis", f"医疗救助基金 {year} 年度执行分析报告", region, str(year), tables, REFS,
                  paragraphs)  # fmt: skip
