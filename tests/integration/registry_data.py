"""Generated registry test data: valid ID numbers (GB 11643-1999) and department lists."""

from __future__ import annotations

import datetime as dt

from jiuzhu.domain.pii import certno_check_digit

HEADER = "psn_no,certno,psn_name,identity,begndate,enddate"
ZH_HEADER = "人员编号,身份证号码,姓名,身份类别,开始日期,结束日期"


def certno(n: int, birth: dt.date = dt.date(1960, 1, 1), area: str = "640104") -> str:
    """A valid 18-character ID number, different for each ``n`` (< 1000 per birth day)."""
    day = birth + dt.timedelta(days=n // 1000)
    first17 = f"{area}{day:%Y%m%d}{n % 1000:03d}"
    return first17 + certno_check_digit(first17)


def bad_check_digit(c: str) -> str:
    last = "0" if c[-1] != "0" else "1"
    return c[:17] + last


def csv_text(rows: list[tuple[str, ...]], header: str = HEADER) -> str:
    return "\n".join([header, *(",".join(r) for r in rows)]) + "\n"
