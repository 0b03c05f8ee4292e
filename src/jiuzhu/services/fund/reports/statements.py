"""资产负债表 and 收支表 from the journal (宁医保发〔2023〕102号 第二十八条 按月、季、年编报).

资产负债表: each asset, liability and net-asset account's balance at the period's end, and
the income less expense not yet closed into 一般基金结余 (本年收支结余); assets equal
liabilities plus net assets. 收支表: each income and expense account's postings in the
period (the year-end closing entries left out), per account and per county.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.orm import Session

from jiuzhu.policy.accounts import DEBIT_NORMAL, chart
from jiuzhu.services.fund.funding.balances import result_accounts, sums
from jiuzhu.services.fund.reports.model import (
    Cell,
    Period,
    Report,
    Table,
    count,
    drill_key,
    money,
    text,
)

REFS = [
    "宁医保发〔2023〕102号 第二十八条 按月、季、年编报基金财务会计报表",
    "新疆规程 第二十条 按规定做好医疗救助基金的财务报表",
    "社会保险基金会计制度（财会〔2017〕28号）",
]
KIND_TITLES = {"asset": "资产", "liability": "负债", "net_assets": "净资产"}


def _balance(kind: str, d: int, k: int) -> int:
    return d - k if kind in DEBIT_NORMAL else k - d


def balance_sheet(s: Session, region: str, p: Period, county: str | None = None) -> Report:
    c = chart(region)
    codes = [a.code for a in c.accounts]
    got = sums(s, region, codes, end=p.end)
    per_account: dict[str, tuple[int, int]] = defaultdict(lambda: (0, 0))
    for (acct, cty), (d, k) in got.items():
        if county is not None and cty != county:
            continue
        d0, k0 = per_account[acct]
        per_account[acct] = (d0 + d, k0 + k)
    t = Table(
        "balance_sheet",
        f"资产负债表（{p.label}末）",
        ["类别", "科目编码", "科目名称", "期末余额（元）"],
    )
    totals = {"asset": 0, "liability": 0, "net_assets": 0}
    for kind in ("asset", "liability", "net_assets"):
        for a in c.accounts:
            if a.kind != kind or a.code not in per_account:
                continue
            bal = _balance(kind, *per_account[a.code])
            totals[kind] += bal
            key = drill_key(src="journal", region=region, account=a.code, end=p.end, county=county)
            t.rows.append([text(KIND_TITLES[kind]), text(a.code), text(a.name), money(bal, key)])
        if kind == "net_assets":
            inc, exp = result_accounts(c)
            # income less expense = Σ (credit − debit) over both
            result = sum(
                per_account[a][1] - per_account[a][0] for a in inc + exp if a in per_account
            )
            totals[kind] += result
            key = drill_key(
                src="journal", region=region, account="result", end=p.end, county=county
            )
            t.rows.append(
                [text("净资产"), text(""), text("本年收支结余（未结转）"), money(result, key)]
            )
        t.rows.append([text(KIND_TITLES[kind] + "合计"), text(""), text(""), money(totals[kind])])
    t.rows.append([text("负债和净资产合计"), text(""), text(""),
                   money(totals["liability"] + totals["net_assets"])])  # fmt: skip
    title = f"医疗救助基金资产负债表 {p.label}" + (f"（{county}）" if county else "")
    return Report("balance_sheet", title, region, p.text, [t], REFS)


def income_statement(s: Session, region: str, p: Period, county: str | None = None) -> Report:
    c = chart(region)
    inc, exp = result_accounts(c)
    got = sums(s, region, inc + exp, start=p.start, end=p.end, without_closing=True)
    per_account: dict[str, int] = defaultdict(int)
    per_county: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for (acct, cty), (d, k) in got.items():
        if county is not None and cty != county:
            continue
        v = k - d if acct in inc else d - k
        per_account[acct] += v
        per_county[cty or ""][0 if acct in inc else 1] += v
    t = Table(
        "income_statement",
        f"收支表（{p.label}）",
        ["类别", "科目编码", "科目名称", "本期金额（元）"],
    )
    sums_by = {"income": 0, "expense": 0}
    for kind, accounts, title in (("income", inc, "收入"), ("expense", exp, "支出")):
        for code in accounts:
            if code not in per_account:
                continue
            v = per_account[code]
            sums_by[kind] += v
            key = drill_key(src="journal", region=region, account=code, start=p.start, end=p.end,
                            county=county, closing=0)  # fmt: skip
            t.rows.append([text(title), text(code), text(c.name(code)), money(v, key)])
        t.rows.append([text(title + "合计"), text(""), text(""), money(sums_by[kind])])
    t.rows.append(
        [text("本期收支结余"), text(""), text(""), money(sums_by["income"] - sums_by["expense"])]
    )
    by_county = Table("income_by_county", "收支表（分县区）",
                      ["县区", "收入（元）", "支出（元）", "结余（元）"])  # fmt: skip
    for cty in sorted(per_county):
        i, e = per_county[cty]
        keys = [drill_key(src="journal", region=region, account=g, start=p.start, end=p.end, county=cty,
                          closing=0) for g in ("income", "expense", "result")]  # fmt: skip
        by_county.rows.append(
            [text(cty or "未记录"), money(i, keys[0]), money(e, keys[1]), money(i - e, keys[2])]
        )
    title = f"医疗救助基金收支表 {p.label}" + (f"（{county}）" if county else "")
    rep = Report("income_statement", title, region, p.text, [t, by_county], REFS)
    return rep


__all__ = ["Cell", "balance_sheet", "count", "income_statement"]
