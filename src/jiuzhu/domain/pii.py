"""Personal data: ID-number check digit (GB 11643-1999) and masking for every output."""

from __future__ import annotations

import datetime as dt

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"


def certno_check_digit(first17: str) -> str:
    """The 18th character of a citizen ID number (GB 11643-1999, ISO 7064 MOD 11-2)."""
    total = sum(int(c) * w for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK[total % 11]


def certno_problem(certno: str) -> str | None:
    """Why an 18-character ID number is invalid, or None if it is valid."""
    s = certno.strip().upper()
    if len(s) != 18:
        return f"ID number must have 18 characters, has {len(s)}"
    if not s[:17].isdigit() or not (s[17].isdigit() or s[17] == "X"):
        return "ID number must be 17 digits and a digit or X"
    try:
        dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))
    except ValueError:
        return f"ID number has an impossible birth date {s[6:14]}"
    if certno_check_digit(s[:17]) != s[17]:
        return f"ID number check digit is wrong (expected {certno_check_digit(s[:17])})"
    return None


def normalise_certno(certno: str) -> str:
    return certno.strip().upper()


def birth_date_of(certno: str) -> dt.date:
    s = normalise_certno(certno)
    return dt.date(int(s[6:10]), int(s[10:12]), int(s[12:14]))


def sex_of(certno: str) -> str:
    """'1' male, '2' female (GB/T 2261.1), from the 17th digit."""
    return "1" if int(normalise_certno(certno)[16]) % 2 else "2"


def mask_certno(certno: str | None) -> str:
    """``110101199001011234`` → ``1101**********1234``."""
    if not certno:
        return ""
    s = certno.strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``; ``欧阳小明`` → ``欧**明``."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]
