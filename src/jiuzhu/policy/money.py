"""Money as integer fen; exact ratios; half-up rounding (calc-contract §2).

All amounts inside the engine are integer fen (0.01 yuan). Parsing and
formatting go through ``Decimal`` so that no binary float ever touches money.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from fractions import Fraction

Fen = int

_AMOUNT_RE = re.compile(r"^[+]?(\d+)(?:\.(\d{1,2}))?$")


class AmountError(ValueError):
    """An amount that is not a non-negative decimal with at most two places."""


def parse_fen(text: str | int | Decimal) -> Fen:
    """Parse a yuan amount ("123.45", "7", Decimal) into fen; refuse negatives and >2 places."""
    if isinstance(text, bool):
        raise AmountError(f"not an amount: {text!r}")
    if isinstance(text, float):
        raise AmountError(
            f"binary floating point is not accepted for money: {text!r}; pass text or Decimal"
        )
    if isinstance(text, int):
        if text < 0:
            raise AmountError(f"negative amount: {text}")
        return text * 100
    if isinstance(text, Decimal):
        if not text.is_finite():
            raise AmountError(f"not an amount: {text}")
        if text < 0:
            raise AmountError(f"negative amount: {text}")
        q = text * 100
        if q != q.to_integral_value():
            raise AmountError(f"more than two decimal places: {text}")
        return int(q)
    s = text.strip()
    m = _AMOUNT_RE.match(s)
    if not m:
        if s.startswith("-") and _AMOUNT_RE.match(s[1:]):
            raise AmountError(f"negative amount: {s}")
        raise AmountError(f"malformed amount: {s!r}")
    whole, frac = m.group(1), (m.group(2) or "")
    return int(whole) * 100 + int(frac.ljust(2, "0") or 0)


def fen_to_decimal(fen: Fen) -> Decimal:
    """Fen to a two-place Decimal yuan."""
    return (Decimal(fen) / 100).quantize(Decimal("0.01"))


def format_fen(fen: Fen) -> str:
    """Fen to the contract's text form: yuan with exactly two decimals."""
    sign = "-" if fen < 0 else ""
    a = abs(fen)
    return f"{sign}{a // 100}.{a % 100:02d}"


def to_decimal(value: object) -> Decimal:
    """A policy number (int, str or Decimal; never float) as Decimal."""
    if isinstance(value, float):
        raise TypeError("binary floats are not accepted for policy numbers; quote the value")
    try:
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"not a number: {value!r}") from exc


def yuan_to_fen_half_up(value: Decimal) -> Fen:
    """A Decimal yuan amount rounded half-up to whole fen."""
    return int((value * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


class Ratio:
    """An exact ratio (e.g. 0.65) applied to fen with half-up rounding."""

    __slots__ = ("num", "den", "text")

    def __init__(self, value: Decimal | str | int) -> None:
        d = to_decimal(value)
        if d < 0:
            raise ValueError(f"negative ratio: {d}")
        f = Fraction(d)
        self.num = f.numerator
        self.den = f.denominator
        self.text = format(d.normalize(), "f")

    def apply(self, fen: Fen) -> Fen:
        """round_half_up(fen × ratio) in fen, exactly (fen ≥ 0)."""
        return (2 * fen * self.num + self.den) // (2 * self.den)

    def percent(self) -> str:
        d = Decimal(self.num) / Decimal(self.den) * 100
        return f"{d.normalize():f}%"

    def __lt__(self, other: Ratio) -> bool:
        return self.num * other.den < other.num * self.den

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ratio) and self.num * other.den == other.num * self.den

    def __hash__(self) -> int:
        return hash((self.num, self.den))

    def __repr__(self) -> str:
        return f"Ratio({self.text})"


ONE = Ratio(1)
