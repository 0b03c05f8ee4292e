"""The bank's payment file of a reimbursement batch (CSV or XLSX, Chinese headers): the only
place account numbers and names appear in full. Amounts arrive in fen and are written as
yuan text with two decimals (no float, no scientific notation in the spreadsheet)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from jiuzhu.policy.money import format_fen

BANK_HEADERS = (
    "序号",
    "受理编号",
    "人员编号",
    "收款人户名",
    "开户银行",
    "银行账号",
    "金额（元）",
    "用途",
)
FORMATS = ("csv", "xlsx")


@dataclass(frozen=True)
class BankLine:
    app_no: str
    psn_no: str
    account_name: str
    bank_name: str
    account_no: str
    amount: int


def _rows(lines: Sequence[BankLine]) -> list[list[object]]:
    return [
        [
            i + 1,
            x.app_no,
            x.psn_no,
            x.account_name,
            x.bank_name,
            x.account_no,
            format_fen(x.amount),
            f"医疗救助零星报销 {x.app_no}",
        ]
        for i, x in enumerate(lines)
    ]


def bank_file(fmt: str, lines: Sequence[BankLine], batch_no: str, count: int, total: int) -> bytes:
    """The file in ``fmt`` (csv | xlsx); the spreadsheet ends with the batch's count and total."""
    rows = _rows(lines)
    return _xlsx(rows, batch_no, count, total) if fmt == "xlsx" else _csv(rows)


def _csv(rows: list[list[object]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(BANK_HEADERS)
    for r in rows:
        w.writerow(r)
    # UTF-8 with BOM so the bank's spreadsheet opens the Chinese headers correctly
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[object]], batch_no: str, count: int, total: int) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "拨付明细"
    ws.append(list(BANK_HEADERS))
    for c in ws[1]:
        c.font = Font(bold=True)
    for r in rows:
        ws.append(r)
        # account numbers and amounts as text: no scientific notation, no float rounding
        for col in (6, 7):
            ws.cell(row=ws.max_row, column=col).number_format = "@"
    ws.append([])
    ws.append(["合计", "", "", "", "", "", format_fen(total), f"批次 {batch_no}，共 {count} 笔"])
    for letter, width in zip("ABCDEFGH", (6, 18, 16, 12, 20, 26, 14, 32), strict=True):
        ws.column_dimensions[letter].width = width
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
