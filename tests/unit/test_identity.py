"""Identity validity and the stay rules (calc-contract §1, §4; 梅州规程 第十条（二）)."""

from __future__ import annotations

import datetime as dt

import pytest

from jiuzhu.domain.identity import IdentitySpan, candidates, months_before

D = dt.date


@pytest.mark.parametrize(
    ("recognised", "start"),
    [
        (D(2024, 2, 29), D(2023, 2, 28)),  # no 29 February in 2023: 以前1日为准
        (D(2024, 3, 31), D(2023, 3, 31)),  # the same day exists
        (D(2025, 3, 31), D(2024, 3, 31)),
        (D(2024, 3, 1), D(2023, 3, 1)),
        (D(2024, 1, 15), D(2023, 1, 15)),
        (D(2028, 2, 29), D(2027, 2, 28)),
        (D(2025, 2, 28), D(2024, 2, 28)),  # a leap year behind: still the same day
    ],
)
def test_twelve_months_before(recognised: dt.date, start: dt.date) -> None:
    assert months_before(recognised, 12) == start


def test_months_before_shorter_months() -> None:
    assert months_before(D(2024, 5, 31), 1) == D(2024, 4, 30)
    assert months_before(D(2024, 3, 31), 1) == D(2024, 2, 29)
    assert months_before(D(2024, 1, 31), 2) == D(2023, 11, 30)


SPANS = [
    IdentitySpan("bianyuan", D(2024, 1, 1), D(2024, 3, 10)),
    IdentitySpan("dibao", D(2024, 3, 11)),
    IdentitySpan("youfu", D(2024, 3, 20), D(2024, 3, 20)),
]


@pytest.mark.parametrize(
    ("rule", "begin", "end", "codes"),
    [
        # both ends included (§1)
        ("any_day_of_stay", D(2024, 3, 1), D(2024, 3, 20), ["bianyuan", "dibao", "youfu"]),
        ("any_day_of_stay", D(2024, 3, 10), D(2024, 3, 10), ["bianyuan"]),
        ("any_day_of_stay", D(2023, 12, 1), D(2023, 12, 31), []),
        ("on_enddate", D(2024, 3, 1), D(2024, 3, 10), ["bianyuan"]),
        ("on_enddate", D(2024, 3, 1), D(2024, 3, 11), ["dibao"]),
        ("on_enddate", D(2024, 3, 1), D(2024, 3, 20), ["dibao", "youfu"]),
        ("on_begndate", D(2024, 3, 10), D(2024, 3, 20), ["bianyuan"]),
        ("on_begndate", D(2024, 3, 11), D(2024, 3, 20), ["dibao"]),
    ],
)
def test_rules(rule: str, begin: dt.date, end: dt.date, codes: list[str]) -> None:
    assert [s.code for s in candidates(SPANS, rule, begin, end)] == codes


def test_retro_start_only_for_the_listed_identities() -> None:
    spans = [IdentitySpan("yinbing", D(2024, 2, 29)), IdentitySpan("dibao", D(2024, 2, 29))]
    got = candidates(
        spans, "any_day_of_stay", D(2023, 2, 28), D(2023, 2, 28), frozenset({"yinbing"}), 12
    )
    assert [(s.code, s.begndate) for s in got] == [("yinbing", D(2023, 2, 28))]
    assert (
        candidates(
            spans, "any_day_of_stay", D(2023, 2, 27), D(2023, 2, 27), frozenset({"yinbing"}), 12
        )
        == []
    )


def test_unknown_rule() -> None:
    with pytest.raises(ValueError, match="unknown identity rule"):
        candidates(SPANS, "on_admission", D(2024, 1, 1), D(2024, 1, 1))
