"""资助参保: a person's enrolment facts of a year (who paid what, where), set one by one or
imported from a CSV, all rows or none; audited."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

from sqlalchemy.orm import Session

from jiuzhu.adapters.db.enrolment_tables import ENROLMENT_STATUSES, PersonEnrolment
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import InputError, JiuzhuError
from jiuzhu.policy.money import AmountError, format_fen, parse_fen
from jiuzhu.services.enrolment.cases import parse_status
from jiuzhu.services.enrolment.queries import EnrolmentFact, enrolment_fact
from jiuzhu.services.registry import get_person


def _audit_record(e: PersonEnrolment) -> dict[str, Any]:
    """The enrolment as the audit trail keeps it (amount in yuan, date ISO)."""
    return {
        "psn_no": e.psn_no,
        "year": e.year,
        "status": e.status,
        "self_paid_on": e.self_paid_on.isoformat() if e.self_paid_on else None,
        "self_paid": format_fen(e.self_paid_fen) if e.self_paid_fen is not None else None,
        "note": e.note,
    }


def set_enrolment(
    session: Session,
    actor: str,
    psn_no: str,
    year: int,
    status: str,
    self_paid_on: dt.date | None = None,
    self_paid_fen: int | None = None,
    note: str | None = None,
) -> EnrolmentFact:
    """Record a person's enrolment in ``year`` (梅州规程 第六条 cases); audited."""
    get_person(session, psn_no)
    if status not in ENROLMENT_STATUSES:
        raise InputError(
            f"unknown status '{status}'; one of: "
            + ", ".join(f"{k} ({v})" for k, v in ENROLMENT_STATUSES.items()),
            column="status",
        )
    if not 1990 <= year <= 2100:
        raise InputError(f"year {year} out of range", column="year")
    if status != "self_paid" and self_paid_on:
        raise InputError("the self-paid date goes with status self_paid", column="status")
    if status not in ("self_paid", "elsewhere") and self_paid_fen is not None:
        raise InputError(
            "an amount goes with status self_paid (paid here) or elsewhere (the own "
            "contribution in the other scheme, 新疆规程 第十一条)",
            column="status",
        )
    e = session.get(PersonEnrolment, (psn_no, year), with_for_update=True)
    before = _audit_record(e) if e else None
    if e is None:
        e = PersonEnrolment(psn_no=psn_no, year=year, status=status, updated_by=actor)
        session.add(e)
    e.status, e.self_paid_on, e.self_paid_fen, e.note = status, self_paid_on, self_paid_fen, note
    e.updated_by = actor
    session.flush()
    after = _audit_record(e)
    if after != before:
        audit(session, actor, "set", "person_enrolment", f"{psn_no}:{year}", before, after)
    return enrolment_fact(e)


ENROL_HEADERS: dict[str, str] = {
    "psn_no": "psn_no",
    "人员编号": "psn_no",
    "year": "year",
    "年度": "year",
    "status": "status",
    "参保状态": "status",
    "参保情况": "status",
    "self_paid_on": "self_paid_on",
    "自行缴费日期": "self_paid_on",
    "self_paid_amount": "self_paid_amount",
    "自行缴费金额": "self_paid_amount",
    "note": "note",
    "备注": "note",
}


def import_enrolment(uow: UnitOfWork, name: str, data: bytes, actor: str) -> int:
    """Enrolment facts from a CSV (``psn_no,year,status[,self_paid_on,self_paid_amount,note]``
    or 人员编号,年度,参保状态,自行缴费日期,自行缴费金额,备注). All rows or none."""
    from jiuzhu.services.identity_import import parse_date

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("gb18030")
    reader = csv.reader(io.StringIO(text, newline=""))
    header = [h.strip() for h in next(reader, [])]
    idx: dict[str, int] = {}
    for i, h in enumerate(header):
        f = ENROL_HEADERS.get(h)
        if f and f not in idx:
            idx[f] = i
    for f in ("psn_no", "year", "status"):
        if f not in idx:
            raise InputError(f"missing column {f}", file=name, line=1, column=f)
    parsed: list[tuple[int, str, int, str, dt.date | None, int | None, str | None]] = []
    errors: list[str] = []
    for cells in reader:
        if not any(c.strip() for c in cells):
            continue
        line = reader.line_num
        cells = cells + [""] * (len(header) - len(cells))

        def get(f: str, cells: list[str] = cells) -> str:
            return cells[idx[f]].strip() if f in idx else ""

        psn = get("psn_no")
        try:
            year = int(get("year"))
        except ValueError:
            errors.append(f"{name}, line {line}, column year: not a year: '{get('year')}'")
            continue
        status = parse_status(get("status"))
        if status is None:
            errors.append(f"{name}, line {line}, column status: unknown status '{get('status')}'")
            continue
        paid_on = None
        if get("self_paid_on"):
            paid_on = parse_date(get("self_paid_on"))
            if paid_on is None:
                errors.append(f"{name}, line {line}, column self_paid_on: malformed date")
                continue
        paid: int | None = None
        if get("self_paid_amount"):
            try:
                paid = parse_fen(get("self_paid_amount"))
            except AmountError as exc:
                errors.append(f"{name}, line {line}, column self_paid_amount: {exc}")
                continue
        parsed.append((line, psn, year, status, paid_on, paid, get("note") or None))
    if errors:
        raise InputError(
            "; ".join(errors[:20]) + (f" (and {len(errors) - 20} more)" if len(errors) > 20 else "")
        )
    with uow.begin() as s:
        for line, psn, year, status, paid_on, paid, note in parsed:
            try:
                set_enrolment(s, actor, psn, year, status, paid_on, paid, note)
            except JiuzhuError as exc:
                raise InputError(exc.message, file=name, line=line, column=exc.field) from exc
    return len(parsed)
