"""The fund's reports: for any sequence of settlements, reversals, manual reimbursements,
claw-backs and subsidies, every report figure equals the sum of the events behind it, and every
cell's drill-down lists rows that sum to it (宁医保发〔2023〕102号 第二十八条, 第三十五条)."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from settlement_support import D, add_person

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim, visit_type_of
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.events import Subsidised
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import parse_fen
from jiuzhu.services import messagebus
from jiuzhu.services.fund import commands
from jiuzhu.services.fund.reports import queries
from jiuzhu.services.fund.reports.model import Report
from jiuzhu.services.settlement import reverse, settle

NX = RegionPolicy.load("ningxia")
H = ("H64010000001", "H64010000002")
COUNTIES = ("640104", "640105")
IDENTITIES = ("tekun", "dibao", "bianyuan")
MED = ("21", "14", "11")
EXPENSE = {"inpatient": "500101", "chronic_outpatient": "500102", "outpatient": "500103"}


@dataclass
class Book:
    """What the test itself knows was settled (fen), to compare with the reports."""

    settled: dict[str, tuple[str, str, str, int, int, dt.date, str, str | None]] = field(
        default_factory=dict
    )
    """setl_id → (psn, med_type, county, maf, tilt, day, source, institution)"""
    reversed: set[str] = field(default_factory=set)
    subsidies: list[tuple[int, str, int, int, dt.date]] = field(default_factory=list)
    clawbacks: list[tuple[str, str, int, dt.date]] = field(default_factory=list)
    """(setl_id, expense account, amount, day)"""


op = st.one_of(
    st.tuples(st.just("settle"), st.integers(0, 3), st.integers(0, 2), st.integers(1, 4_000_000),
              st.integers(1, 12), st.integers(0, 1), st.booleans()),
    st.tuples(st.just("reverse"), st.integers(0, 30)),
    st.tuples(st.just("clawback"), st.integers(0, 30), st.integers(1, 100)),
    st.tuples(st.just("subsidy"), st.integers(0, 1), st.integers(1, 50), st.integers(1, 5_000_000),
              st.integers(1, 12)),
)  # fmt: skip
_years = itertools.count(2030)


def _run(uow: UnitOfWork, book: Book, year: int, ops: list[tuple[object, ...]]) -> None:
    persons = [f"P{year}-{i}" for i in range(4)]
    for i, psn in enumerate(persons):
        add_person(uow, psn, [(IDENTITIES[i % 3], D(2024, 1, 1), None)])
    ids: list[str] = []
    for n, o in enumerate(ops):
        if o[0] == "settle":
            _, who, med, base, month, county, manual = o
            day = D(year, int(month), 10)  # type: ignore[call-overload]
            setl_id = f"R{year}-{n}"
            psn, med_type = persons[int(who)], MED[int(med)]  # type: ignore[call-overload]
            claim = Claim(setl_id, psn, dt.datetime.combine(day, dt.time(9)), med_type, day, day,
                          int(base), 0, 0)  # type: ignore[call-overload]  # fmt: skip
            inst = None if manual else H[n % 2]
            c = COUNTIES[int(county)]  # type: ignore[call-overload]
            out = settle(uow, NX, claim, source="manual" if manual else "one_stop", actor="t",
                         institution=inst, extra={"county": c})  # fmt: skip
            maf, tilt = parse_fen(out.answer["maf_pay"]), parse_fen(out.answer["tilt_pay"])
            book.settled[setl_id] = (psn, med_type, c, maf, tilt, day,
                                     "manual" if manual else "one_stop", inst)  # fmt: skip
            ids.append(setl_id)
        elif o[0] == "reverse" and ids:
            setl_id = ids[int(o[1]) % len(ids)]  # type: ignore[call-overload]
            reverse(uow, setl_id, actor="t")
            book.reversed.add(setl_id)
        elif o[0] == "clawback":
            # 追回 (新疆规程 第二十四条) of part of a hospital's settlement, on its day
            one_stop = [
                i for i in ids if book.settled[i][6] == "one_stop" and sum(book.settled[i][3:5])
            ]
            if one_stop:
                setl_id = one_stop[int(o[1]) % len(one_stop)]  # type: ignore[call-overload]
                psn, med, c, maf, tilt, day, _, inst = book.settled[setl_id]
                amount = max(1, (maf + tilt) * int(o[2]) // 100)  # type: ignore[call-overload]
                assert inst is not None
                commands.claw_back(uow, commands.ClawBack("ningxia", inst, amount, f"ZH{year}-{n}", "违规",
                                                          day, setl_id), actor="t")  # fmt: skip
                book.clawbacks.append((setl_id, EXPENSE[visit_type_of(med)], amount, day))
        elif o[0] == "subsidy":
            _, county, persons_n, amount, month = o
            day = D(year, int(month), 20)  # type: ignore[call-overload]
            c = COUNTIES[int(county)]  # type: ignore[call-overload]
            with uow.begin() as s:
                messagebus.publish(
                    s, Subsidised(f"Z{n}", "ningxia", year, c, int(persons_n), int(amount), day)
                )  # type: ignore[call-overload]
            book.subsidies.append((year, c, int(persons_n), int(amount), day))  # type: ignore[call-overload]


def _cells(rep: Report) -> list[tuple[object, str, str | None]]:
    return [(c.value, c.kind, c.drill) for t in rep.tables for r in t.rows for c in r]


def _check_drills(uow: UnitOfWork, rep: Report) -> None:
    """Every cell with a drill key: the rows behind it sum to it."""
    for t in rep.tables:
        for r in t.rows:
            for i, c in enumerate(r):
                if c.drill is None:
                    continue
                d = queries.drill(uow, c.drill, limit=5)
                if c.kind == "money":
                    if d.src == "settlements":
                        header = t.headers[i]
                        want = {"医疗救助（元）": d.maf_pay, "倾斜救助（元）": d.tilt_pay}.get(
                            header, d.total
                        )
                        assert c.value == want, (t.title, header)
                    else:
                        assert c.value == d.total, (t.title, r[0].value)
                elif c.kind == "count":
                    header = t.headers[i]
                    assert c.value == (d.visits if header == "人次" else d.persons), (
                        t.title,
                        header,
                    )


def _table(rep: Report, key: str) -> dict[str, list[object]]:
    (t,) = [t for t in rep.tables if t.key == key]
    return {str(r[0].value): [c.value for c in r] for r in t.rows}


@pytest.fixture
def book() -> Book:
    return Book()


@settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=st.lists(op, min_size=1, max_size=12), month=st.integers(1, 12))
def test_every_report_figure_is_the_sum_of_its_events(uow: UnitOfWork, book: Book,
                                                      ops: list[tuple[object, ...]], month: int) -> None:  # fmt: skip
    year = next(_years)
    _run(uow, book, year, ops)
    for ptext, start, end in (
        (f"{year}-{month:02d}", D(year, month, 1), (D(year, month, 28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)),
        (f"{year}Q{(month - 1) // 3 + 1}", D(year, 3 * ((month - 1) // 3) + 1, 1), None),
        (str(year), D(year, 1, 1), D(year, 12, 31)),
    ):  # fmt: skip
        rep_p = queries.build(uow, "ningxia", "spending", ptext)
        per = queries.build(uow, "ningxia", "income_statement", ptext)
        p_end = end or (D(year, start.month + 2, 28) + dt.timedelta(days=4)).replace(
            day=1
        ) - dt.timedelta(days=1)
        live = {k: v for k, v in book.settled.items()
                if k not in book.reversed and start <= v[5] <= p_end and v[3] + v[4] != 0}  # fmt: skip
        # 医疗救助费用支出统计: 人次, 人数, amounts
        (tot,) = [t for t in rep_p.tables if t.key == "spending_total"]
        row = [c.value for c in tot.rows[0]]
        maf = sum(v[3] for v in live.values())
        tilt = sum(v[4] for v in live.values())
        assert row[:5] == [len(live), len({v[0] for v in live.values()}), maf, tilt, maf + tilt]
        by_visit = _table(rep_p, "spending_visit_type")
        for vt, name in (
            ("inpatient", "住院"),
            ("chronic_outpatient", "门诊慢特病"),
            ("outpatient", "普通门诊"),
        ):
            rows = [v for v in live.values() if visit_type_of(v[1]) == vt]
            if rows:
                assert by_visit[name][1] == len(rows)
                assert by_visit[name][5] == sum(v[3] + v[4] for v in rows)
            else:
                assert name not in by_visit
        by_county = _table(rep_p, "spending_county")
        for c in COUNTIES:
            amount = sum(v[3] + v[4] for v in live.values() if v[2] == c)
            assert by_county.get(c, [None] * 6)[5] == (amount or None)
        # 收支表: every expense account = Σ of its settlements and subsidies of the period
        # (a reversal is booked on its settlement's day, so a reversed one nets to zero)
        (stmt_t,) = [t for t in per.tables if t.key == "income_statement"]
        stmt = {str(r[0].value) + str(r[1].value or ""): [c.value for c in r] for r in stmt_t.rows}
        want: dict[str, int] = defaultdict(int)
        for v in live.values():
            acct = "500105" if v[6] == "manual" else EXPENSE[visit_type_of(v[1])]
            want[acct] += v[3]
            want["500104"] += v[4]
        for _, acct, amount, day in book.clawbacks:
            if start <= day <= p_end:
                want[acct] -= amount
        want["5002"] = sum(x[3] for x in book.subsidies if x[0] == year and start <= x[4] <= p_end)
        got = {str(r[1].value): r[3].value for r in stmt_t.rows if r[1].value}
        assert {k: v for k, v in got.items() if v} == {k: v for k, v in want.items() if v}
        assert stmt["支出合计"][3] == sum(want.values())
        _check_drills(uow, rep_p)
        _check_drills(uow, per)
    # 资产负债表 at the year's end: the hospitals' and persons' payables are every live
    # settlement so far (all years of this database); assets = liabilities + net assets
    bs = queries.build(uow, "ningxia", "balance_sheet", str(year))
    b = {str(r[1].value or r[0].value): r[3].value for r in bs.tables[0].rows}
    all_live = [v for k, v in book.settled.items() if k not in book.reversed]
    assert b.get("210101", 0) == sum(v[3] + v[4] for v in all_live if v[6] == "one_stop") - sum(
        x[2] for x in book.clawbacks
    )
    assert b.get("210102", 0) == sum(v[3] + v[4] for v in all_live if v[6] == "manual")
    assert b.get("210103", 0) == sum(x[3] for x in book.subsidies)
    assert b["资产合计"] == b["负债和净资产合计"]
    _check_drills(uow, bs)
    # 资助参保统计 of the year
    sub = _table(queries.build(uow, "ningxia", "subsidy", str(year)), "subsidy")
    mine = [x for x in book.subsidies if x[0] == year]
    assert sub["合计"][2] == sum(x[3] for x in mine)


def test_exports_and_bad_periods(uow: UnitOfWork) -> None:
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    claim = Claim(
        "X1", "A", dt.datetime(2025, 3, 5, 9), "21", D(2025, 3, 1), D(2025, 3, 5), 3_000_000, 0, 0
    )
    settle(
        uow, NX, claim, source="one_stop", actor="t", institution=H[0], extra={"county": "640104"}
    )
    # dibao 80%: 24,000.00 + tilt (6,000 − 3,000) × 70% = 2,100.00 → 26,100.00, one person
    rep = queries.build(uow, "ningxia", "spending", "2025-03")
    assert [c.value for c in rep.tables[0].rows[0]] == [
        1,
        1,
        2_400_000,
        210_000,
        2_610_000,
        2_610_000,
    ]
    wb = load_workbook(io.BytesIO(queries.export(rep, "xlsx")))
    ws = wb[wb.sheetnames[0]]
    values = [c.value for c in list(ws.iter_rows())[4]]
    assert values[:1] == ["人次"]
    assert float(list(ws.iter_rows())[5][4].value) == 26100.0
    pdf = queries.export(queries.build(uow, "ningxia", "analysis", "2025"), "pdf")
    assert pdf.startswith(b"%PDF")
    for bad in ("2025-13", "25", "2025Q5", ""):
        with pytest.raises(InputError, match="period"):
            queries.build(uow, "ningxia", "spending", bad)
    with pytest.raises(InputError, match="year"):
        queries.build(uow, "ningxia", "analysis", "2025-03")
    with pytest.raises(InputError):
        queries.build(uow, "ningxia", "nonsense", "2025")
