"""The one strict reader of dates and times in the national platform's text form:
``YYYY-MM-DD`` and ``YYYY-MM-DD HH:MM:SS`` exactly (calc-contract §8), nothing looser.

:func:`strict_date` / :func:`strict_datetime` raise ``ValueError`` (for pydantic and
other callers that add their own location); :func:`parse_date` / :func:`parse_datetime`
raise :class:`InputError` naming the file, line and column (or the option or API field).
Department lists, which arrive in several forms, have their own lenient reader
(``services/identity_import/rows.py``).
"""

from __future__ import annotations

import datetime as dt

from jiuzhu.domain.errors import InputError

DATE_FORM = "YYYY-MM-DD"
TIME_FORM = "YYYY-MM-DD HH:MM:SS"


def strict_date(text: str) -> dt.date:
    s = text.strip()
    if len(s) != 10 or s[4] != "-" or s[7] != "-" or not s.isascii():
        raise ValueError(f"malformed date {text!r} (expected {DATE_FORM})")
    try:
        return dt.date.fromisoformat(s)
    except ValueError:
        raise ValueError(f"malformed date {text!r} (expected {DATE_FORM})") from None


def strict_datetime(text: str, *, allow_t: bool = False) -> dt.datetime:
    """``allow_t``: ``YYYY-MM-DDTHH:MM:SS`` too (JSON bodies)."""
    s = text.strip()
    seps = " T" if allow_t else " "
    ok = len(s) == 19 and s.isascii() and s[10] in seps and s[4] == s[7] == "-"
    if not ok or s[13] != ":" or s[16] != ":":
        raise ValueError(f"malformed time {text!r} (expected {TIME_FORM})")
    try:
        return dt.datetime.fromisoformat(s)
    except ValueError:
        raise ValueError(f"malformed time {text!r} (expected {TIME_FORM})") from None


def parse_date(
    text: str, *, file: str | None = None, line: int | None = None, column: str | None = None
) -> dt.date:
    try:
        return strict_date(text)
    except ValueError as exc:
        raise InputError(str(exc), file=file, line=line, column=column) from None


def parse_datetime(
    text: str, *, file: str | None = None, line: int | None = None, column: str | None = None
) -> dt.datetime:
    try:
        return strict_datetime(text)
    except ValueError as exc:
        raise InputError(str(exc), file=file, line=line, column=column) from None
