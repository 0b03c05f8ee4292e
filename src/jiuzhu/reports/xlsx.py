"""XLSX export with Chinese headers (openpyxl, write-only for large ledgers)."""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from jiuzhu.adapters.files import atomic_file


@dataclass
class Sheet:
    """One worksheet: a title, headers, rows and optional column widths."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[int] = field(default_factory=tuple)
    notes: Sequence[str] = field(default_factory=tuple)
    """lines written above the table (title, year, regulation cited)"""


def _workbook(sheets: Sequence[Sheet]) -> Workbook:
    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    from openpyxl.cell import WriteOnlyCell

    for sh in sheets:
        ws = wb.create_sheet(title=sh.title[:31])
        for i, w in enumerate(sh.widths):
            ws.column_dimensions[chr(ord("A") + i)].width = w
        for line in sh.notes:
            ws.append([line])
        header = []
        for h in sh.headers:
            c = WriteOnlyCell(ws, value=h)
            c.font = bold
            header.append(c)
        ws.append(header)
        for r in sh.rows:
            ws.append(list(r))
    return wb


def write_xlsx(path: Path, sheets: Sequence[Sheet]) -> Path:
    """Write the workbook atomically."""
    with atomic_file(path, binary=True) as fh:
        _workbook(sheets).save(fh)
    return path


def xlsx_bytes(sheets: Sequence[Sheet]) -> bytes:
    buf = io.BytesIO()
    _workbook(sheets).save(buf)
    return buf.getvalue()


__all__ = ["Sheet", "write_xlsx", "xlsx_bytes"]
