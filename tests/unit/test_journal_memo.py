"""The subsidy entry's memo carries the register's count of persons; 资助参保统计 reads it
back. One format, written and read in domain/journal.py."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from jiuzhu.domain.journal import subsidy_memo, subsidy_persons


@given(
    st.integers(2000, 2099),
    st.integers(0, 10_000_000),
    st.text(min_size=1, max_size=30).filter(lambda s: "（" not in s),
)
def test_the_count_reads_back(year: int, persons: int, document: str) -> None:
    assert subsidy_persons(subsidy_memo(year, persons, document)) == persons


def test_other_memos_state_no_count() -> None:
    assert subsidy_persons("撤销结算 S1（冲销凭证 #3）") is None
    assert subsidy_persons(None) is None
    assert subsidy_persons("资助参保 2025 年 12 人（梅医保〔2025〕1号）") == 12
