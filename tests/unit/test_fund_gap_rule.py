"""双鸭山实施办法 第十七条 as a pure function: every agency's gap is covered exactly once, in
the order of the article; and the date arithmetic of the insurer schedule."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.policy.money import Ratio
from jiuzhu.services.fund.funding.gap import AgencyYear, share_gaps
from jiuzhu.services.fund.insurer.rules import add_months, add_working_days, month_end

agency = st.builds(
    AgencyYear,
    agency=st.just(""),
    name=st.just(""),
    income=st.integers(0, 10**9),
    expense=st.integers(0, 10**9),
    balance_before=st.integers(-(10**9), 10**9),
)


@given(st.lists(agency, min_size=1, max_size=6), st.integers(0, 100))
def test_every_gap_is_covered_once(years: list[AgencyYear], pct: int) -> None:
    rows = [
        AgencyYear(f"23050{i}", "", a.income, a.expense, a.balance_before)
        for i, a in enumerate(years)
    ]
    out = share_gaps(rows, rows[0].agency, Ratio("1" if pct == 100 else f"0.{pct:02d}"))
    all_short = all(max(0, a.expense - a.income) > max(0, a.balance_before) for a in rows)
    for a, r in zip(rows, out, strict=True):
        assert r.gap == max(0, a.expense - a.income)
        assert r.from_balance == min(r.gap, max(0, a.balance_before))
        assert (
            r.from_balance + r.same_level_government + r.city_government + r.county_government
            == r.gap
        )
        if all_short:  # 两级分担 only when every agency is short
            assert r.same_level_government == 0
            if a.agency == rows[0].agency:
                assert r.county_government == 0
        else:
            assert r.city_government == r.county_government == 0


def test_dates() -> None:
    # 民法典 第二百零二条: no 31 February → its last day; a leap year's 29th
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2028, 1, 30), 1) == dt.date(2028, 2, 29)
    assert add_months(dt.date(2026, 12, 15), 1) == dt.date(2027, 1, 15)
    assert month_end(2025, 9) == dt.date(2025, 9, 30)
    # 2025 国庆·中秋: 10-1…8 off, Sun 9-28 worked → Thu 9-25 + 5 working days = 10-9
    assert add_working_days(dt.date(2025, 9, 25), 5) == dt.date(2025, 10, 9)
