"""Money (calc-contract §2): integer fen, exact ratios, half-up per settlement, no floats."""

from __future__ import annotations

from decimal import Decimal

import pytest

from jiuzhu.policy.money import (
    AmountError,
    Ratio,
    fen_to_decimal,
    format_fen,
    parse_fen,
    to_decimal,
    yuan_to_fen_half_up,
)


@pytest.mark.parametrize(
    ("text", "fen"),
    [
        ("0", 0),
        ("0.00", 0),
        ("7", 700),
        ("7.5", 750),
        ("7.05", 705),
        ("123456789.99", 12345678999),
        (" 12.30 ", 1230),
        ("+3", 300),
        ("007.10", 710),
        (12, 1200),
        (Decimal("1.10"), 110),
        (Decimal("2"), 200),
    ],
)
def test_parse_fen(text: object, fen: int) -> None:
    assert parse_fen(text) == fen  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("-1", "negative"),
        ("-0.01", "negative"),
        ("1.005", "malformed"),
        ("1.", "malformed"),
        (".5", "malformed"),
        ("1e3", "malformed"),
        ("1,000.00", "malformed"),
        ("1_000", "malformed"),
        ("", "malformed"),
        ("abc", "malformed"),
        ("NaN", "malformed"),
        (Decimal("1.005"), "more than two"),
        (Decimal("-1"), "negative"),
        (Decimal("NaN"), "not an amount"),
        (-5, "negative"),
        (True, "not an amount"),
    ],
)
def test_parse_fen_refuses(text: object, why: str) -> None:
    with pytest.raises(AmountError, match=why):
        parse_fen(text)  # type: ignore[arg-type]


def test_binary_floats_are_refused() -> None:
    # a float never becomes money: not as an amount, a policy number or a ratio
    with pytest.raises((AmountError, TypeError, AttributeError)):
        parse_fen(0.1)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="float"):
        to_decimal(0.7)
    with pytest.raises(TypeError, match="float"):
        Ratio(0.7)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("fen", "text"),
    [(0, "0.00"), (1, "0.01"), (10, "0.10"), (100, "1.00"), (2410000, "24100.00"), (-5, "-0.05")],
)
def test_format_fen(fen: int, text: str) -> None:
    assert format_fen(fen) == text
    assert fen_to_decimal(fen) == Decimal(text)


def test_parse_format_round_trip() -> None:
    for fen in (0, 1, 9, 10, 99, 100, 101, 123456, 10**12 + 7):
        assert parse_fen(format_fen(fen)) == fen


@pytest.mark.parametrize(
    ("ratio", "fen", "expected"),
    [
        # 2,000.75 yuan × 70% = 1,400.525 → half-up → 1,400.53
        ("0.70", 200075, 140053),
        # 0.05 × 70% = 0.035 → 0.04 ; 0.15 × 70% = 0.105 → 0.11 (half-up, not banker's)
        ("0.70", 5, 4),
        ("0.70", 15, 11),
        # 0.10 × 65% = 0.065 → 0.07 ; 0.10 × 5% = 0.005 → 0.01
        ("0.65", 10, 7),
        ("0.05", 10, 1),
        # just below half stays down: 0.07 × 5% = 0.0035 → 0.00
        ("0.05", 7, 0),
        ("1", 123, 123),
        ("1.00", 0, 0),
        ("0.8", 7, 6),  # 0.056 → 0.06
        ("0.75", 116_00, 87_00),
    ],
)
def test_ratio_applies_half_up_to_the_fen(ratio: str, fen: int, expected: int) -> None:
    assert Ratio(ratio).apply(fen) == expected


def test_ratio_is_exact() -> None:
    r = Ratio("0.1")
    # 0.1 is exact (no binary 0.1000000000000000055…): 5 fen × 0.1 = 0.5 fen → 1
    assert r.apply(5) == 1
    assert Ratio("0.70") == Ratio("0.7")
    assert Ratio("0.65") < Ratio("0.75")
    assert Ratio("0.80").percent() == "80%"
    assert Ratio("0.065").percent() == "6.5%"
    with pytest.raises(ValueError):
        Ratio("-0.1")


def test_rounding_per_settlement_then_adding() -> None:
    # calc-contract §2: each payment is rounded, running totals add the rounded figures.
    # Three settlements of 0.05 yuan at 70% give 0.04 each = 0.12, not round(0.105) = 0.11.
    r = Ratio("0.70")
    assert sum(r.apply(5) for _ in range(3)) == 12
    assert r.apply(15) == 11


@pytest.mark.parametrize(
    ("value", "fen"),
    [("4123.455", 412346), ("4123.454", 412345), ("0.005", 1), ("10", 1000)],
)
def test_yuan_to_fen_half_up(value: str, fen: int) -> None:
    assert yuan_to_fen_half_up(Decimal(value)) == fen
