"""Builders shared by the engine tests: claims and identities from plain data.

Amounts are given as text (or int) yuan and go through the project's own
``parse_fen``; a float is refused so that no test figure is ever binary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.money import parse_fen


def as_date(v: Any) -> dt.date:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, dt.date):
        return v
    return dt.date.fromisoformat(str(v))


def as_time(v: Any) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    return dt.datetime.fromisoformat(str(v))


def fen(v: Any) -> int:
    if isinstance(v, float):
        raise TypeError(f"amount {v!r} is a binary float: quote it in the case file")
    return parse_fen(str(v))


def claim(d: Mapping[str, Any]) -> Claim:
    """A claim from calc-contract §8 fields; begndate defaults to enddate, setl_time to
    noon of enddate, insurance payments and hifob_pay to 0, flags to their defaults."""
    end = as_date(d["enddate"])
    return Claim(
        setl_id=str(d["setl_id"]),
        psn_no=str(d["psn_no"]),
        setl_time=as_time(d.get("setl_time", f"{end} 12:00:00")),
        med_type=str(d.get("med_type", "21")),
        begndate=as_date(d.get("begndate", end)),
        enddate=end,
        inscp_scp_amt=fen(d["inscp_scp_amt"]),
        hifp_pay=fen(d.get("hifp_pay", 0)),
        hifmi_pay=fen(d.get("hifmi_pay", 0)),
        hifob_pay=fen(d.get("hifob_pay", 0)),
        out_of_area=bool(int(d.get("out_of_area", 0))),
        referral=bool(int(d.get("referral", 0))),
        emergency=bool(int(d.get("emergency", 0))),
        in_province=bool(int(d.get("in_province", 1))),
        dise_codg=str(d.get("dise_codg", "")),
        age=int(d["age"]) if "age" in d else None,
    )


def identities(rows: Iterable[Mapping[str, Any]]) -> dict[str, list[IdentitySpan]]:
    out: dict[str, list[IdentitySpan]] = {}
    for r in rows:
        end = r.get("enddate")
        out.setdefault(str(r["psn_no"]), []).append(
            IdentitySpan(str(r["identity"]), as_date(r["begndate"]), as_date(end) if end else None)
        )
    return out


def yuan(fen_: int) -> str:
    from jiuzhu.policy.money import format_fen

    return format_fen(fen_)
