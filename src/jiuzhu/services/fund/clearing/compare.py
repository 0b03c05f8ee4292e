"""Our side of a statement: the hospital's settlements in the period, read in one query,
and the comparison (:mod:`jiuzhu.domain.clearing`). A settlement belongs to the hospital
that advanced it (one-stop or imported, 宁医保发〔2023〕102号 第三十条) and to the period of
its ``setl_time``; its fund pay is ``maf_pay + tilt_pay``; its 医疗费总额 the claim's
``medfee_sumamt`` (``inscp_scp_amt`` stands in, calc-contract §11)."""

from __future__ import annotations

import contextlib
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.domain.clearing import (
    Difference,
    OurLine,
    Totals,
    compare_detail,
    compare_totals,
    our_totals,
    result_of,
)
from jiuzhu.policy.money import AmountError, parse_fen
from jiuzhu.services.fund.clearing.parse import StatementIn


@dataclass(frozen=True)
class Comparison:
    ours: Totals
    by_county: dict[str, int]
    differences: list[Difference]
    stmt_rslt: str
    stmt_rslt_dscr: str


def ours_in_period(
    s: Session, fixmedins_code: str, begin: dt.date, end: dt.date
) -> dict[str, OurLine]:
    """The hospital's settlements with ``setl_time`` in [begin, end], keyed by ``setl_id``."""
    q = select(
        Settlement.setl_id,
        Settlement.maf_pay,
        Settlement.tilt_pay,
        Settlement.status,
        Settlement.county,
        Settlement.inscp_scp_amt,
        Settlement.body["medfee_sumamt"].as_string(),
    ).where(
        Settlement.setl_time >= dt.datetime.combine(begin, dt.time()),
        Settlement.setl_time < dt.datetime.combine(end + dt.timedelta(days=1), dt.time()),
        Settlement.institution == fixmedins_code,
        Settlement.source.in_(("one_stop", "import")),
    )
    out: dict[str, OurLine] = {}
    for sid, maf, tilt, status, county, inscp, medfee in s.execute(q):
        med = int(inscp)
        if medfee not in (None, ""):
            with contextlib.suppress(AmountError):  # bodies are validated on the way in
                med = parse_fen(str(medfee))
        out[sid] = OurLine(sid, med, int(maf) + int(tilt), status == "reversed", county)
    return out


def compare(s: Session, st: StatementIn) -> Comparison:
    """Every difference of the statement (totals and/or detail) from our settlements."""
    ours = ours_in_period(s, st.fixmedins_code, st.stmt_begndate, st.stmt_enddate)
    totals = our_totals(ours.values())
    diffs: list[Difference] = []
    if st.totals is not None:
        diffs.extend(compare_totals(st.totals, totals))
    if st.detail is not None:
        diffs.extend(compare_detail(st.detail, ours))
    by_county: dict[str, int] = {}
    for o in ours.values():
        if not o.reversed and o.fund_pay_sumamt:
            k = o.county or ""
            by_county[k] = by_county.get(k, 0) + o.fund_pay_sumamt
    rslt, dscr = result_of(diffs)
    return Comparison(totals, by_county, diffs, rslt, dscr)
