"""Personal data: ID-number check digit (GB 11643-1999) and masking for every output.

:func:`mask_certno` is THE mask of an ID number, in every list, log, export, PDF and audit
record. It shows the first and the last character only (GB/T 35273-2020 附录 A 去标识化
practice): with the birth date and sex shown next to it, the five region digits and the
three sequence digits stay unknown (about 3,000 county codes × 500 sequence numbers,
÷ 11 for the shown check digit: over 10⁵ candidates). The former ``1101**********1234``
showed the county and, with the birth date, left 9 candidates (issue 8 item 4).
"""

from __future__ import annotations

import datetime as dt
import re

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
    """``110101199001011234`` → ``1****************4`` (first and last character)."""
    if not certno:
        return ""
    s = certno.strip()
    if len(s) <= 4:
        return "*" * len(s)
    return s[0] + "*" * (len(s) - 2) + s[-1]


def mask_account(account: str | None) -> str:
    """A bank account: the bank's first four and the last four digits
    (``6222020200112233445`` → ``6222***********3445``), as banks print them."""
    if not account:
        return ""
    s = account.replace(" ", "").strip()
    if len(s) <= 8:
        return "*" * len(s)
    return s[:4] + "*" * (len(s) - 8) + s[-4:]


_CERTNO_RE = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def scrub_certnos(text: str) -> str:
    """Every 18-character ID number in a text (a log line, a URL) replaced by its mask."""
    if len(text) < 18:
        return text
    return _CERTNO_RE.sub(lambda m: mask_certno(m.group(0)), text)


def mask_name(name: str | None) -> str:
    """``张三`` → ``张*``; ``欧阳小明`` → ``欧**明``."""
    if not name:
        return ""
    if len(name) == 1:
        return "*"
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def looks_like_certno(text: str) -> bool:
    """Whether a search term is (or contains) an 18-character ID number."""
    return bool(_CERTNO_RE.search(text.strip()))
