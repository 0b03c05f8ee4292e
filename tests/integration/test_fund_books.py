"""The fund's books: each money event posts its entry in its own transaction; the database
refuses what would break the books. Figures worked by hand from 宁医保发〔2023〕102号 第十四条."""

from __future__ import annotations

import datetime as dt

import pytest
from settlement_support import D, add_person
from sqlalchemy import func, select, text

from jiuzhu.adapters.db.fund_tables import JournalEntry, JournalLine
from jiuzhu.adapters.db.tables import Person, Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.errors import Conflict, InputError, NotFound, WorkflowError
from jiuzhu.domain.journal import Entry, Line
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.fund import commands
from jiuzhu.services.fund.queries import findings, payables, trial_balance
from jiuzhu.services.settlement import reverse, settle

NX = RegionPolicy.load("ningxia")
H1 = "H64010000001"


def _stay(setl_id: str, psn: str, base_fen: int, day: dt.date, med_type: str = "21") -> Claim:
    return Claim(
        setl_id, psn, dt.datetime.combine(day, dt.time(9)), med_type, day, day, base_fen, 0, 0
    )


def _tb(uow: UnitOfWork, day: dt.date = D(2099, 1, 1)) -> dict[str, tuple[int, int]]:
    return {r.account_code: (r.debit, r.credit) for r in trial_balance(uow, day)}


def _lines(
    uow: UnitOfWork, kind: str, source_id: str
) -> list[tuple[str, int, int, str | None, str | None]]:
    with uow.read() as s:
        q = (
            select(JournalLine.account, JournalLine.debit, JournalLine.credit, JournalLine.party,
                   JournalLine.county)
            .join(JournalEntry, JournalEntry.id == JournalLine.entry_id)
            .where(JournalEntry.kind == kind, JournalEntry.source_id == source_id)
            .order_by(JournalLine.id)
        )  # fmt: skip
        return [tuple(r) for r in s.execute(q)]  # type: ignore[misc]


def _set_county(uow: UnitOfWork, psn: str, county: str) -> None:
    with uow.begin() as s:
        p = s.scalar(select(Person).where(Person.psn_no == psn))
        assert p is not None
        p.county = county


def test_settlement_posts_by_visit_type_and_county(uow: UnitOfWork) -> None:
    """dibao (class 二, 80%): inpatient base 30,000 → maf 24,000.00; rem 6,000, R 6,000 −
    3,000 = 3,000 × 70% → tilt 2,100.00. Chronic outpatient (14) base 1,000 → maf 800.00;
    rem 200 → R 6,200: over 200 × 70% = 140.00 tilt."""
    add_person(uow, "A", [("dibao", D(2024, 1, 1), None)])
    _set_county(uow, "A", "640104")
    settle(
        uow,
        NX,
        _stay("S1", "A", 3_000_000, D(2024, 2, 1)),
        source="one_stop",
        actor="t",
        institution=H1,
    )
    assert _lines(uow, "settle", "S1") == [
        ("500101", 2_400_000, 0, H1, "640104"),
        ("500104", 210_000, 0, H1, "640104"),
        ("210101", 0, 2_610_000, H1, "640104"),
    ]
    out = settle(
        uow, NX, _stay("S2", "A", 100_000, D(2024, 3, 1), "14"), source="one_stop", actor="t",
        institution=H1, extra={"county": "640105"},
    )  # fmt: skip
    assert (out.answer["maf_pay"], out.answer["tilt_pay"]) == ("800.00", "140.00")
    assert _lines(uow, "settle", "S2") == [
        ("500102", 80_000, 0, H1, "640105"),
        ("500104", 14_000, 0, H1, "640105"),
        ("210101", 0, 94_000, H1, "640105"),
    ]
    with uow.read() as s:
        assert s.scalar(select(Settlement.county).where(Settlement.setl_id == "S2")) == "640105"
    by_county = {
        r.account_code: r.debit for r in trial_balance(uow, D(2099, 1, 1), county="640104")
    }
    assert by_county == {"500101": 2_400_000, "500104": 210_000, "210101": 0}
    # a replay posts nothing new
    settle(
        uow,
        NX,
        _stay("S1", "A", 3_000_000, D(2024, 2, 1)),
        source="one_stop",
        actor="t",
        institution=H1,
    )
    assert [(p.fixmedins_code, p.unpaid) for p in payables(uow, D(2024, 12, 31))] == [
        (H1, 2_704_000)
    ]
    assert findings(uow) == []


def test_reversal_is_a_reversing_entry_once(uow: UnitOfWork) -> None:
    add_person(uow, "A", [("tekun", D(2024, 1, 1), None)])
    settle(
        uow,
        NX,
        _stay("S1", "A", 500_000, D(2024, 4, 1)),
        source="one_stop",
        actor="t",
        institution=H1,
    )
    reverse(uow, "S1", actor="t")
    reverse(uow, "S1", actor="t")
    # tekun 100%: 5,000.00, no rem → no tilt; the reversal swaps the sides
    assert _lines(uow, "reverse", "S1") == [
        ("500101", 0, 500_000, H1, None),
        ("210101", 500_000, 0, H1, None),
    ]
    assert payables(uow, D(2024, 12, 31)) == []
    with uow.read() as s:
        n = s.scalar(
            select(func.count()).select_from(JournalEntry).where(JournalEntry.kind == "reverse")
        )
        rev = s.execute(
            select(JournalEntry.reverses, JournalEntry.entry_date).where(
                JournalEntry.kind == "reverse"
            )
        ).one()
        orig = s.scalar(select(JournalEntry.id).where(JournalEntry.kind == "settle"))
    assert n == 1 and rev[0] == orig
    assert rev[1] == D(2024, 4, 1)  # booked on the settlement's day: its month is open
    assert findings(uow) == []


def test_closed_month(uow: UnitOfWork) -> None:
    """A settlement of a closed month is booked today; a manual entry into it is refused."""
    add_person(uow, "A", [("tekun", D(2024, 1, 1), None)])
    commands.close_month(uow, "ningxia", "2024-04", actor="t")
    with pytest.raises(Conflict):
        commands.close_month(uow, "ningxia", "2024-04", actor="t")
    with pytest.raises(InputError):
        commands.close_month(uow, "ningxia", "2024-4", actor="t")
    settle(
        uow,
        NX,
        _stay("S1", "A", 100_000, D(2024, 4, 10)),
        source="one_stop",
        actor="t",
        institution=H1,
    )
    with uow.read() as s:
        e = s.scalar(select(JournalEntry.entry_date).where(JournalEntry.source_id == "S1"))
    assert e == dt.datetime.now(dt.UTC).date()
    assert payables(uow, D(2024, 4, 30)) == []
    entry = Entry("ningxia", D(2024, 4, 15), "manual", "CZ-1", "本级财政拨入",
                  (Line("1003", 100_000), Line("4101", 0, 100_000)))  # fmt: skip
    with pytest.raises(WorkflowError, match="2024-04"):
        commands.post_manual(uow, entry, actor="t")
    with uow.begin() as s, pytest.raises(Exception, match="closed"):  # the database too
        # a posting written around the program: SQLite refuses the entry's header, PostgreSQL
        # its lines (one check per statement, migration 1201)
        e = s.execute(
            text(
                "INSERT INTO journal_entry (region, entry_date, kind, source_id, memo, created_at) "
                "VALUES ('ningxia', '2024-04-20', 'manual', 'X', 'x', '2024-05-01 00:00:00') "
                "RETURNING id"
            )
        ).scalar_one()
        s.execute(
            text(
                "INSERT INTO journal_line (entry_id, entry_date, region, account, debit, credit) "
                "VALUES (:e, '2024-04-20', 'ningxia', '1003', 100, 0), "
                "(:e, '2024-04-20', 'ningxia', '4101', 0, 100)"
            ),
            {"e": e},
        )


def test_manual_entries_and_bad_input(uow: UnitOfWork) -> None:
    ok = Entry(
        "ningxia",
        D(2024, 5, 2),
        "manual",
        "CZ-2",
        "上级补助",
        (Line("1003", 5_000_000), Line("4601", 0, 5_000_000)),
    )
    commands.post_manual(uow, ok, actor="t")
    with pytest.raises(Conflict):
        commands.post_manual(uow, ok, actor="t")
    with pytest.raises(InputError, match="debits"):
        Entry(
            "ningxia",
            D(2024, 5, 2),
            "manual",
            "CZ-3",
            "x",
            (Line("1003", 100), Line("4601", 0, 99)),
        )
    with pytest.raises(InputError, match="negative"):
        Entry(
            "ningxia",
            D(2024, 5, 2),
            "manual",
            "CZ-3",
            "x",
            (Line("1003", -100), Line("4601", 0, -100)),
        )
    bad = Entry(
        "ningxia", D(2024, 5, 2), "manual", "CZ-4", "x", (Line("9999", 100), Line("4601", 0, 100))
    )
    with pytest.raises(InputError, match="9999"):
        commands.post_manual(uow, bad, actor="t")
    assert _tb(uow) == {"1003": (5_000_000, 0), "4601": (0, 5_000_000)}
    # entries are immutable in the database
    with uow.begin() as s, pytest.raises(Exception, match="immutable"):
        s.execute(text("UPDATE journal_line SET debit = 1"))
    with uow.begin() as s, pytest.raises(Exception, match="immutable"):
        s.execute(text("DELETE FROM journal_entry"))


def test_unbalanced_lines_fail_the_commit(uow: UnitOfWork) -> None:
    """Written around the program: PostgreSQL's deferred trigger, SQLite's pre-commit check."""
    from jiuzhu.adapters.db import journal

    with pytest.raises(Exception, match="balance|≠"), uow.begin() as s:
        entry_id = s.execute(
            text(
                "INSERT INTO journal_entry (region, entry_date, kind, source_id, memo, created_at) "
                "VALUES ('ningxia', '2024-05-01', 'manual', 'U', 'x', '2024-05-01 00:00:00') RETURNING id"
            )
        ).scalar_one()
        s.execute(
            text(
                "INSERT INTO journal_line (entry_id, entry_date, region, account, debit, credit) "
                "VALUES (:e, '2024-05-01', 'ningxia', '1003', 100, 0)"
            ),
            {"e": entry_id},
        )
        journal.written(s, entry_id)
    assert _tb(uow) == {}


def test_claw_back(uow: UnitOfWork) -> None:
    add_person(uow, "A", [("tekun", D(2024, 1, 1), None)])
    settle(
        uow,
        NX,
        _stay("S1", "A", 500_000, D(2024, 4, 1)),
        source="one_stop",
        actor="t",
        institution=H1,
    )
    cmd = commands.ClawBack("ningxia", H1, 120_000, "稽核-1", "超标准收费", D(2024, 6, 1), "S1")
    commands.claw_back(uow, cmd, actor="t")
    # 5,000.00 − 1,200.00 = 3,800.00
    assert [(p.fixmedins_code, p.unpaid) for p in payables(uow, D(2024, 12, 31))] == [(H1, 380_000)]
    assert _tb(uow)["500101"] == (500_000, 120_000)
    with pytest.raises(Conflict):
        commands.claw_back(uow, cmd, actor="t")
    with pytest.raises(InputError):  # more than the settlement paid
        commands.claw_back(
            uow,
            commands.ClawBack("ningxia", H1, 500_001, "稽核-2", "x", D(2024, 6, 1), "S1"),
            actor="t",
        )
    with pytest.raises(NotFound):
        commands.claw_back(
            uow, commands.ClawBack("ningxia", "HX", 1, "稽核-3", "x", D(2024, 6, 1)), actor="t"
        )
    with pytest.raises(InputError):
        commands.claw_back(
            uow, commands.ClawBack("ningxia", H1, 0, "稽核-4", "x", D(2024, 6, 1)), actor="t"
        )
    assert findings(uow) == []
