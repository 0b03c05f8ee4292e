"""Reconciliation with the bank and finance (宁医保发〔2023〕102号 第二十八条; 新疆规程
第二十条), worked by hand. Books (entry: debit / credit):

  05-01 CZ-0  1003 财政专户 100,000.00 / 4101 本级财政
  05-02 CZ-1  1004 支出户    50,000.00 / 1003          (财政专户 → 支出户)
  05-06 SJ-1  5301 上解上级    2,000.00 / 1004
  05-08 LX-1  1004 支出户         30.00 / 4301 利息收入

支出户 1004 at the end of each day: 05-02 50,000.00; 05-06 48,000.00; 05-08 48,030.00.
财政专户 1003: 05-01 100,000.00; 05-02 50,000.00.
"""

from __future__ import annotations

import io

import pytest
from settlement_support import D
from sqlalchemy import func, select

from jiuzhu.adapters.db.clearing_tables import ReconBankLine, ReconImport
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import InputError, NotFound, WorkflowError
from jiuzhu.domain.journal import Entry, Line
from jiuzhu.services.fund import commands
from jiuzhu.services.fund.reconcile import apply, queries

BANK = (
    "交易日期,流水号,凭证号,收入金额,支出金额,余额\n"
    "2024-05-02,T1,CZ-1,50000.00,,50000.00\n"  # by document number
    "2024-05-07,T2,,,2000.00,48000.00\n"  # SJ-1 by amount, a day later (value date)
    "2024-05-09,T3,,12.00,,48012.00\n"  # nothing in the books
)


def _books(uow: UnitOfWork) -> None:
    for day, doc, dr, cr, fen in (
        (D(2024, 5, 1), "CZ-0", "1003", "4101", 10_000_000),
        (D(2024, 5, 2), "CZ-1", "1004", "1003", 5_000_000),
        (D(2024, 5, 6), "SJ-1", "5301", "1004", 200_000),
        (D(2024, 5, 8), "LX-1", "1004", "4301", 3_000),
    ):
        e = Entry("ningxia", day, "manual", doc, doc, (Line(dr, fen), Line(cr, 0, fen)))
        commands.post_manual(uow, e, actor="t")


def _lines(uow: UnitOfWork) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(ReconBankLine)) or 0)


def test_bank_and_finance_differences_until_resolved(uow: UnitOfWork) -> None:
    _books(uow)
    imp = apply.import_bank(uow, "ningxia", "bank.csv", BANK.encode(), account="1004", county=None,
                            actor="staff:f")  # fmt: skip
    assert imp.rows == 3
    r = apply.run(uow, "ningxia", account="1004", county=None, begin=D(2024, 5, 1), end=D(2024, 5, 31),
                  actor="staff:f")  # fmt: skip
    assert (r.matched, r.found, r.new) == (2, 3, 3)
    got = {(d.kind, d.amount, d.books) for d in queries.list_differences(uow)}
    assert got == {
        ("bank_only", 1_200, None),  # T3 income 12.00
        ("books_only", 3_000, 3_000),  # LX-1 interest 30.00 the bank has not shown
        ("balance_bank", 4_801_200, 4_803_000),  # 05-09: bank 48,012.00, books 48,030.00
    }
    # finance: 1003 on 05-02 is 100,000 − 50,000 = 50,000.00 (agrees); on 05-15 they say 60,000.00
    apply.import_finance(uow, "ningxia", "fin.csv",
                         "科目编码,日期,余额\n1003,2024-05-02,50000.00\n1003,2024-05-15,60000.00\n".encode(),
                         actor="staff:f")  # fmt: skip
    apply.run(
        uow,
        "ningxia",
        account="1003",
        county=None,
        begin=D(2024, 5, 1),
        end=D(2024, 5, 31),
        actor="t",
    )
    fin = [d for d in queries.list_differences(uow, account="1003") if d.kind == "balance_finance"]
    assert [(d.day, d.amount, d.books) for d in fin] == [(D(2024, 5, 15), 6_000_000, 5_000_000)]
    # the bank shows the interest in a second statement (by its document number): on the next
    # run the books-only difference closes by itself; the others stay open
    apply.import_bank(uow, "ningxia", "bank2.csv",
                      "交易日期,流水号,凭证号,收入金额,支出金额\n2024-05-08,T4,LX-1,30.00,\n".encode(),
                      account="1004", county=None, actor="staff:f")  # fmt: skip
    r2 = apply.run(uow, "ningxia", account="1004", county=None, begin=D(2024, 5, 1), end=D(2024, 5, 31),
                   actor="staff:f")  # fmt: skip
    assert (r2.matched, r2.new, r2.closed) == (3, 0, 1)
    still = queries.list_differences(uow, account="1004")
    assert sorted(d.kind for d in still) == ["balance_bank", "bank_only"]
    bank_only = next(d for d in still if d.kind == "bank_only")
    with pytest.raises(InputError, match="reason"):
        apply.resolve(uow, bank_only.id, reason=" ", actor="staff:f")
    apply.resolve(uow, bank_only.id, reason="银行手续费返还，下月补记", actor="staff:f")
    with pytest.raises(WorkflowError):
        apply.resolve(uow, bank_only.id, reason="again", actor="staff:f")
    with pytest.raises(NotFound):
        apply.resolve(uow, 999_999, reason="x", actor="staff:f")
    done = queries.list_differences(uow, status="resolved", account="1004")
    assert {(d.kind, d.resolved_by) for d in done} == {
        ("books_only", "system:reconcile"),
        ("bank_only", "staff:f"),
    }
    # a rerun does not reopen what a person resolved
    apply.run(
        uow,
        "ningxia",
        account="1004",
        county=None,
        begin=D(2024, 5, 1),
        end=D(2024, 5, 31),
        actor="t",
    )
    assert sorted(d.kind for d in queries.list_differences(uow, account="1004")) == ["balance_bank"]


def test_duplicate_and_bad_lines_write_nothing(uow: UnitOfWork) -> None:
    _books(uow)
    apply.import_bank(
        uow, "ningxia", "bank.csv", BANK.encode(), account="1004", county=None, actor="t"
    )
    n = _lines(uow)
    with pytest.raises(InputError) as e:  # the same statement again
        apply.import_bank(
            uow, "ningxia", "bank.csv", BANK.encode(), account="1004", county=None, actor="t"
        )
    assert e.value.message.startswith("bank.csv, line 2, column txn_id: duplicate bank line")
    dup = "交易日期,流水号,收入金额,支出金额\n2024-06-01,T9,1.00,\n2024-06-01,T9,1.00,\n"
    with pytest.raises(InputError, match="bank.csv, line 3, column txn_id: duplicate bank line"):
        apply.import_bank(
            uow, "ningxia", "bank.csv", dup.encode(), account="1004", county=None, actor="t"
        )
    bad = {
        "交易日期,流水号,收入金额,支出金额\n2024-06-01,T8,-1.00,\n": "line 2, column income: negative",
        "交易日期,流水号,收入金额,支出金额\n2024-06-01,T8,1.00,2.00\n": "line 2, column income",
        "交易日期,流水号,收入金额,支出金额\n2024-13-01,T8,1.00,\n": "line 2, column txn_date",
        "交易日期,收入金额,支出金额\n2024-06-01,1.00,\n": "line 1, column txn_id",
    }
    for text, where in bad.items():
        with pytest.raises(InputError) as e:
            apply.import_bank(
                uow, "ningxia", "b.csv", text.encode(), account="1004", county=None, actor="t"
            )
        assert e.value.message.startswith(f"b.csv, {where}"), e.value.message
    with pytest.raises(InputError, match="asset account"):
        apply.import_bank(
            uow, "ningxia", "b.csv", BANK.encode(), account="4101", county=None, actor="t"
        )
    # XLSX: the same located error
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["交易日期", "流水号", "收入金额", "支出金额"])
    ws.append(["2024-06-02", "X1", "5.00", ""])
    ws.append(["2024-06-03", "X2", "5.001", ""])
    buf = io.BytesIO()
    wb.save(buf)
    with pytest.raises(InputError, match="b.xlsx, line 3, column income"):
        apply.import_bank(
            uow, "ningxia", "b.xlsx", buf.getvalue(), account="1004", county=None, actor="t"
        )
    assert _lines(uow) == n
    with uow.read() as s:
        assert s.scalar(select(func.count()).select_from(ReconImport)) == 1
    with pytest.raises(InputError, match="fin.csv, line 3, column date: duplicate"):
        apply.import_finance(uow, "ningxia", "fin.csv",
                             b"account,date,balance\n1003,2024-05-02,1.00\n1003,2024-05-02,2.00\n", actor="t")  # fmt: skip
