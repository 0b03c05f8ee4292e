"""One page of the 免缴台账 (subsidy register) in SQL: the persons of the page chosen,
filtered and counted (up to ``COUNT_CAP``) by the database, their lines then worked out by
:func:`jiuzhu.services.enrolment.register_line` exactly as the whole register does (梅州规程
第六–七条). The year's totals come from one grouped statement, not from the lines."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.domain.errors import PolicyError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services.browse import COUNT_CAP
from jiuzhu.services.enrolment import register as en
from jiuzhu.services.enrolment.cases import CASES


def _case_sql(rules: en.RegisterRules) -> str:
    """The line's case (梅州规程 第六条; 新疆规程 第十一条) as SQL over the year's enrolment
    row ``e`` and the person's first identity day ``MIN(i.begndate)``: the same branches,
    in the same order, as :func:`jiuzhu.services.enrolment.register_line`."""
    cash = rules.elsewhere_rule == "return_or_cash"
    return (
        "CASE WHEN e.status = 'employee' THEN 'employee' "
        + (
            "WHEN e.status = 'elsewhere_return' THEN 'elsewhere_return' "
            "WHEN e.status = 'elsewhere' THEN 'elsewhere_cash' "
            if cash
            else ""
        )
        + "WHEN e.status IN ('elsewhere', 'elsewhere_return') THEN 'elsewhere' "
        "WHEN e.status = 'self_paid' AND e.self_paid_on IS NOT NULL "
        "AND e.self_paid_on < MIN(i.begndate) THEN 'self_paid_before' "
        "WHEN e.status = 'self_paid' THEN 'self_paid_after' "
        "WHEN e.status = 'local' THEN 'local' ELSE 'enrol_now' END"
    )


def _quoted(codes: list[str]) -> str:
    # identity codes are the policy schema's own identifiers (IDENTITY_CODES), never input
    assert all(c.isidentifier() for c in codes)
    return ", ".join(f"'{c}'" for c in codes) or "''"


def _persons_sql(rules: en.RegisterRules, case: str, psn_no: str) -> tuple[str, dict[str, Any]]:
    """the persons of the register (with their case), ordered by 人员编号."""
    in_force = sorted(rules.best_shares())
    where = [
        f"i.code IN ({_quoted(sorted(rules.entries))})",
        "i.begndate <= :last",
        "(i.enddate IS NULL OR i.enddate >= :first)",
    ]
    params: dict[str, Any] = {"year": rules.year, "first": rules.first, "last": rules.last}
    if psn_no:
        upper = psn_no[:-1] + chr(ord(psn_no[-1]) + 1)
        where.append("i.psn_no >= :lo AND i.psn_no < :hi")
        params.update(lo=psn_no, hi=upper)
    having = [f"MAX(CASE WHEN i.code IN ({_quoted(in_force)}) THEN 1 ELSE 0 END) = 1"]
    if case:
        having.append(f"{_case_sql(rules)} = :case")
        params["case"] = case
    sql = (
        f"SELECT i.psn_no, {_case_sql(rules)} AS kase FROM person_identity i "
        "LEFT JOIN person_enrolment e ON e.psn_no = i.psn_no AND e.year = :year "
        f"WHERE {' AND '.join(where)} GROUP BY i.psn_no, e.status, e.self_paid_on "
        f"HAVING {' AND '.join(having)}"
    )
    return sql, params


def register_page(
    session: Session, policy: RegionPolicy, year: int, *, case: str = "", psn_no: str = "",
    limit: int = 20, offset: int = 0,
) -> tuple[int, bool, list[en.SubsidyRegisterLine]]:  # fmt: skip
    """(matching persons up to COUNT_CAP, whether there are more, the lines of the page)."""
    rules = en.register_rules(policy, year)
    sql, params = _persons_sql(rules, case, psn_no.strip())
    n = int(
        session.scalar(text(f"SELECT COUNT(*) FROM ({sql} LIMIT {COUNT_CAP + 1}) AS x"), params)
        or 0
    )
    psns = [
        r[0]
        for r in session.execute(
            text(f"{sql} ORDER BY i.psn_no LIMIT :limit OFFSET :offset"),
            {**params, "limit": limit, "offset": offset},
        )
    ]
    spans = en.register_spans(session, rules, psns)
    statuses = en.register_statuses(session, year, psns)
    people = en.register_people(session, psns)
    cipher = get_cipher()
    lines = []
    for psn in psns:
        ln = en.register_line(rules, psn, spans[psn], statuses, people.get(psn), cipher)
        if ln is not None:
            lines.append(ln)
    return min(n, COUNT_CAP), n > COUNT_CAP, lines


UNSET = 1000
"""The share SQL gives a code whose share cannot be resolved (above any real share)."""


def _share_sql(rules: en.RegisterRules) -> tuple[str, PolicyError | None]:
    """The person's best share in force (就高不就低) as SQL over their identity rows, and
    the error of a code whose share is not set (its persons get ``UNSET``)."""
    best = rules.best_shares()
    err = next((v for v in best.values() if isinstance(v, PolicyError)), None)
    assert all(c.isidentifier() for c in best)
    whens = " ".join(
        f"WHEN '{c}' THEN {UNSET if isinstance(v, PolicyError) else v}"
        for c, v in sorted(best.items())
    )
    return (f"MAX(CASE i.code {whens} ELSE NULL END)" if whens else "NULL"), err


def register_totals(session: Session, policy: RegionPolicy, year: int) -> dict[str, Any]:
    """The year's totals (persons, premium, subsidy, personal, refund, persons by case) from
    one grouped statement: lines that differ only by person are counted, not built; the
    amounts per group are those :func:`jiuzhu.services.enrolment.register_line` gives."""
    rules = en.register_rules(policy, year)
    sql, params = _persons_sql(rules, "", "")
    share_sql, unset = _share_sql(rules)
    sql = sql.replace(
        "AS kase FROM", f"AS kase, {share_sql} AS share, e.self_paid_fen AS fen FROM"
    ).replace("GROUP BY i.psn_no, e.status, e.self_paid_on", "GROUP BY i.psn_no, e.status, "
              "e.self_paid_on, e.self_paid_fen")  # fmt: skip
    grouped = (
        "SELECT kase, share, CASE WHEN kase IN ('elsewhere_cash', 'self_paid_after') THEN fen "
        f"END AS f, COUNT(*) FROM ({sql}) AS x GROUP BY 1, 2, 3"
    )
    premium = rules.premium
    out = {"persons": 0, "premium": 0, "subsidy": 0, "personal": 0, "refund": 0}
    by_case = dict.fromkeys(CASES, 0)
    for kase, share, fen, n in session.execute(text(grouped), params):
        if unset is not None and int(share) == UNSET:
            raise unset
        base = en.half_up_fen(premium, Decimal(str(share)))
        subsidy, personal, refund = base, premium - base, 0
        if kase in ("employee", "elsewhere"):
            subsidy, personal = 0, 0
        elif kase == "elsewhere_cash":
            subsidy, personal = (base if fen is None else min(base, int(fen))), 0
        elif kase == "self_paid_before":
            subsidy, personal = 0, premium
        elif kase == "self_paid_after":
            refund = min(premium if fen is None else int(fen), base)
        n = int(n)
        by_case[kase] += n
        out["persons"] += n
        out["premium"] += n * premium
        out["subsidy"] += n * subsidy
        out["personal"] += n * personal
        out["refund"] += n * refund
    return {**{k: format_fen(v) if k != "persons" else v for k, v in out.items()},
            "by_case": by_case}  # fmt: skip
