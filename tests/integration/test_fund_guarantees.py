"""The database keeps the books' guarantees against writes around the program (PostgreSQL,
migrations 1201 and 1700: one check per posting statement — balance, open month, the entry
exists — and each settlement's entry at commit)."""

from __future__ import annotations

import pytest
from settlement_support import D, add_person
from sqlalchemy import func, select, text

from jiuzhu.adapters.db.fund_tables import JournalLine
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.journal import Entry, Line
from jiuzhu.services.fund import commands

pytestmark = pytest.mark.postgres

ENTRY = (
    "INSERT INTO journal_entry (region, entry_date, kind, source_id, memo, created_at) "
    "VALUES ('ningxia', :d, 'manual', :src, 'x', '2024-05-01 00:00:00') RETURNING id"
)
LINE = (
    "INSERT INTO journal_line (entry_id, entry_date, region, account, debit, credit) "
    "VALUES (:e, :d, 'ningxia', :a, :dr, :cr)"
)


def _pg(uow: UnitOfWork) -> None:
    if uow.dialect != "postgresql":
        pytest.skip("the database's own triggers: PostgreSQL (SQLite checks before commit)")


def _lines(uow: UnitOfWork) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(JournalLine)) or 0)


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_raw_sql_cannot_break_the_books(uow: UnitOfWork) -> None:
    _pg(uow)
    # an unbalanced entry: 100.00 debit, 99.99 credit, in one statement
    with pytest.raises(Exception, match="does not balance"), uow.begin() as s:
        e = s.execute(text(ENTRY), {"d": "2024-05-02", "src": "U1"}).scalar_one()
        s.execute(text(LINE.replace(":dr, :cr)", ":dr, :cr), (:e, :d, 'ningxia', '4101', 0, 9999)")),
                  {"e": e, "d": "2024-05-02", "a": "1003", "dr": 10000, "cr": 0})  # fmt: skip
    # a lone line, even of a balanced entry, in its own statement
    with pytest.raises(Exception, match="does not balance"), uow.begin() as s:
        e = s.execute(text(ENTRY), {"d": "2024-05-02", "src": "U2"}).scalar_one()
        s.execute(text(LINE), {"e": e, "d": "2024-05-02", "a": "1003", "dr": 10000, "cr": 0})
        s.execute(text(LINE), {"e": e, "d": "2024-05-02", "a": "4101", "dr": 0, "cr": 10000})
    # a line added later to an entry that was posted whole
    ok = Entry(
        "ningxia",
        D(2024, 5, 3),
        "manual",
        "CZ-1",
        "本级财政",
        (Line("1003", 500), Line("4101", 0, 500)),
    )
    entry_id = commands.post_manual(uow, ok, actor="t")
    with pytest.raises(Exception, match="does not balance"), uow.begin() as s:
        s.execute(text(LINE), {"e": entry_id, "d": "2024-05-03", "a": "1003", "dr": 1, "cr": 0})
    # a balanced posting into a closed month
    commands.close_month(uow, "ningxia", "2024-04", actor="t")
    with pytest.raises(Exception, match="closed"), uow.begin() as s:
        e = s.execute(text(ENTRY), {"d": "2024-05-04", "src": "U3"}).scalar_one()
        s.execute(text(LINE.replace(":dr, :cr)", ":dr, :cr), (:e, :d, 'ningxia', '4101', 0, 100)")),
                  {"e": e, "d": "2024-04-30", "a": "1003", "dr": 100, "cr": 0})  # fmt: skip
    assert _lines(uow) == 2  # only CZ-1's


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_settlement_without_its_entry_is_refused(uow: UnitOfWork) -> None:
    _pg(uow)
    add_person(uow, "A", [("tekun", D(2024, 1, 1), None)])
    cols = (
        "setl_id, psn_no, year, region, source, body_hash, body, setl_time, begndate, enddate, "
        "med_type, identity, reason, base, deductible, maf_pay, tilt_pay, d_s, d_p, d_r, d_tp, "
        "trace, answer, status, created_at"
    )
    with pytest.raises(Exception, match="no journal entry"), uow.begin() as s:
        s.execute(
            text(
                f"INSERT INTO settlement ({cols}) VALUES ('RAW1', 'A', 2024, 'ningxia', 'one_stop', "
                "'-', '{}', '2024-03-01 09:00:00', '2024-03-01', '2024-03-01', '21', 'tekun', "
                "'paid', 100, 0, 100, 0, 100, 100, 0, 0, '[]', '{}', 'settled', '2024-03-01 09:00:00')"
            )
        )


@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
def test_a_line_of_no_entry_is_refused(uow: UnitOfWork) -> None:
    """Migration 1700: the foreign key line → entry is checked by the posting statement's
    trigger (one query with the balance): a balanced pair naming no entry is refused."""
    _pg(uow)
    with pytest.raises(Exception, match="no journal entry"), uow.begin() as s:
        s.execute(text(LINE.replace(":dr, :cr)", ":dr, :cr), (:e, :d, 'ningxia', '4101', 0, 100)")),
                  {"e": 987654, "d": "2024-05-02", "a": "1003", "dr": 100, "cr": 0})  # fmt: skip
    assert _lines(uow) == 0
