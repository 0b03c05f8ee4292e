"""医疗救助费用支出统计 (宁医保发〔2023〕102号 第三十五条 分类做好属地医疗救助费用支出统计月报、
季报) and 资助参保统计, from the stored settlements and the subsidy postings.

The settlements counted are those of the period (setl_time) that stand when the report is
drawn (not reversed) and pay something (maf_pay + tilt_pay ≠ 0). 人次: those settlements,
back-pay differences (补报, 第十九条) not counted again; 人数: distinct persons; 金额: the
assistance paid, back-pay differences included; 人均 = 金额 / 人数, half-up to the fen.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from typing import Any

from sqlalchemy import BigInteger, case, cast, func, literal, select
from sqlalchemy import text as sql_text
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.domain.journal import subsidy_persons
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.loader import load_policy_file
from jiuzhu.services.fund.reports.model import (
    Cell,
    Period,
    Report,
    Table,
    count,
    drill_key,
    money,
    per,
    text,
)

DIMENSIONS = {
    "class": ("按救助类别", "救助类别"),
    "visit_type": ("按就诊类型", "就诊类型"),
    "hospital": ("按定点医疗机构", "定点医疗机构"),
    "county": ("按县区", "县区"),
}
VISIT_NAMES = {"inpatient": "住院", "chronic_outpatient": "门诊慢特病", "outpatient": "普通门诊"}
REFS = [
    "宁医保发〔2023〕102号 第三十五条 分类做好属地医疗救助费用支出统计月报、季报",
    "新疆规程 第二十条 统计报表",
]


def visit_type_sql() -> Any:
    """domain.claim.visit_type_of in SQL: 2x 住院, 14 门诊慢特病, else 普通门诊."""
    return case(
        (Settlement.med_type.like("2%"), literal("inpatient")),
        (Settlement.med_type == "14", literal("chronic_outpatient")),
        else_=literal("outpatient"),
    )


def dimension_sql(dim: str) -> Any:
    if dim == "class":
        return func.coalesce(Settlement.class_id, "")
    if dim == "visit_type":
        return visit_type_sql()
    if dim == "hospital":
        return func.coalesce(Settlement.institution, "")
    if dim == "county":
        return func.coalesce(Settlement.county, "")
    raise ValueError(dim)


def counted(region: str, start: dt.date, end: dt.date) -> list[Any]:
    """The conditions of a counted settlement."""
    return [
        Settlement.region == region,
        Settlement.setl_time >= dt.datetime.combine(start, dt.time()),
        Settlement.setl_time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
        Settlement.status != "reversed",
        (Settlement.maf_pay + Settlement.tilt_pay) != 0,
    ]


def class_names(region: str) -> dict[str, str]:
    """class id → "id（name）" from the region's policy file (names cut at 16 characters)."""
    out = {}
    for c in load_policy_file(region).classes:
        name = c.name if len(c.name) <= 16 else c.name[:15] + "…"
        out[c.id] = c.id if c.name == c.id else f"{c.id}（{name}）"
    return out


def _label(dim: str, value: str, classes: dict[str, str]) -> str:
    if dim == "visit_type":
        return VISIT_NAMES.get(value, value)
    if dim == "class" and value in classes:
        return classes[value]
    return value or "未记录"


def spending(s: Session, region: str, p: Period) -> Report:
    """One pass over the period's settlements, grouped by every dimension and person in the
    database; the four tables and the total are summed from it here (each cell's drill-down
    recomputes its figure in SQL: the property test holds the two equal)."""
    if s.get_bind().dialect.name == "postgresql":
        # a month is ~100k groups: sorted in memory rather than in temporary files
        s.execute(sql_text("SET LOCAL work_mem = '64MB'"))
    keys = [dimension_sql(d) for d in DIMENSIONS]
    visits = func.sum(case((Settlement.source == "backpay", 0), else_=1))
    big = BigInteger()  # PostgreSQL's SUM(bigint) is numeric: integers back, not Decimal
    q = (
        select(*keys, Settlement.psn_no, cast(visits, big), cast(func.sum(Settlement.maf_pay), big),
               cast(func.sum(Settlement.tilt_pay), big))
        .where(*counted(region, p.start, p.end))
        .group_by(*keys, Settlement.psn_no)
    )  # fmt: skip
    rows = [tuple(r) for r in s.execute(q)]
    acc: dict[tuple[str, str], list[int]] = {}
    persons: dict[tuple[str, str], int] = {}
    n_dims = len(DIMENSIONS)
    for i, dim in enumerate([*DIMENSIONS, "total"]):
        sums: dict[str, list[int]] = defaultdict(lambda: [0, 0, 0])
        if i < n_dims:
            for r in rows:
                a = sums[r[i]]
                a[0] += r[5]
                a[1] += r[6]
                a[2] += r[7]
            seen = Counter(v for v, _ in {(r[i], r[4]) for r in rows})
        else:
            sums[""] = [sum(r[5] for r in rows), sum(r[6] for r in rows), sum(r[7] for r in rows)]
            seen = Counter({"": len({r[4] for r in rows})})
        for v, a in sums.items():
            acc[(dim, str(v))] = a
            persons[(dim, str(v))] = seen[v]
    headers = ["人次", "人数", "医疗救助（元）", "倾斜救助（元）", "合计（元）", "人均（元）"]

    def cells(dim: str, v: str, dk: str) -> list[Cell]:
        n, maf, tilt = acc.get((dim, v), (0, 0, 0))
        k = persons.get((dim, v), 0)
        return [count(n, dk), count(k, dk), money(maf, dk), money(tilt, dk), money(maf + tilt, dk),
                money(per(maf + tilt, k))]  # fmt: skip

    classes = class_names(region)
    tables = [Table("spending_total", "医疗救助费用支出统计（合计）", headers,
                    [cells("total", "", drill_key(src="settlements", region=region, start=p.start, end=p.end))])]  # fmt: skip
    for dim, (title, col) in DIMENSIONS.items():
        t = Table(f"spending_{dim}", f"医疗救助费用支出统计（{title}）", [col, *headers])
        for v in sorted(v for d, v in acc if d == dim):
            dk = drill_key(
                src="settlements", region=region, dim=dim, value=v, start=p.start, end=p.end
            )
            t.rows.append([text(_label(dim, v, classes)), *cells(dim, v, dk)])
        tables.append(t)
    return Report("spending", f"医疗救助费用支出统计 {p.label}", region, p.text, tables, REFS)


def subsidy_stats(s: Session, region: str, year: int) -> Report:
    """资助参保统计 of enrolment year ``year`` by county: persons (the ledger's count as its
    latest posting states it), amount (the subsidy postings of the year), per person."""
    code = chart(region).code("expense_subsidy")
    q = (
        select(JournalEntry.id, JournalEntry.memo, JournalLine.county,
               JournalLine.debit - JournalLine.credit)
        .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
        .where(JournalEntry.region == region, JournalEntry.kind == "subsidy",
               JournalEntry.source_id.like(f"{year}/%"), JournalLine.account == code)
        .order_by(JournalEntry.id)
    )  # fmt: skip
    amount: dict[str, int] = defaultdict(int)
    persons: dict[str, int] = {}
    for _, memo, county, v in s.execute(q):
        k = county or ""
        amount[k] += int(v)
        n = subsidy_persons(memo)
        if n is not None:
            persons[k] = n
    t = Table(
        "subsidy",
        f"资助参保统计（{year} 年度）",
        ["县区", "资助人数", "资助金额（元）", "人均（元）"],
    )
    tp = ta = 0
    for k in sorted(amount):
        dk = drill_key(src="subsidy", region=region, year=year, county=k)
        n = persons.get(k, 0)
        tp, ta = tp + n, ta + amount[k]
        t.rows.append(
            [text(k or "未记录"), count(n, dk), money(amount[k], dk), money(per(amount[k], n))]
        )
    dk = drill_key(src="subsidy", region=region, year=year)
    t.rows.append([text("合计"), count(tp, dk), money(ta, dk), money(per(ta, tp))])
    refs = [
        "梅州规程 第六–七条 资助参保",
        "双鸭山实施办法 第五–六条",
        "宁医保发〔2023〕102号 第三十五条",
    ]
    return Report("subsidy", f"资助参保统计 {year} 年度", region, str(year), [t], refs)
