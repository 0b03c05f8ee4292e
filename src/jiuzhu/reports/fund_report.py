"""A fund report (``services.fund.reports.model.Report``) as XLSX with Chinese headers and
as PDF with ReportLab's built-in CJK font (``STSong-Light``, as the reimbursement PDFs).

Money: two decimals (XLSX: a number with the format ``#,##0.00``); counts as integers.
"""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jiuzhu.domain.clock import today
from jiuzhu.policy.money import format_fen
from jiuzhu.reports.pdf import _esc, _font, _styles
from jiuzhu.reports.xlsx import Sheet, xlsx_bytes


def _value(cell: Any) -> Any:
    if cell.value is None:
        return ""
    if cell.kind == "money":
        return Decimal(format_fen(int(cell.value)))
    return cell.value


def _text(cell: Any) -> str:
    if cell.value is None:
        return ""
    if cell.kind == "money":
        return format_fen(int(cell.value))
    return str(cell.value)


def report_xlsx(report: Any) -> bytes:
    """One sheet per table; the report's title, period and articles above each."""
    sheets = []
    for t in report.tables:
        notes = [report.title, t.title, f"地区 {report.region}　期间 {report.period}",
                 "依据：" + "；".join(report.refs)]  # fmt: skip
        widths = [22] + [18] * (len(t.headers) - 1)
        sheets.append(
            Sheet(t.title[:31], t.headers, [[_value(c) for c in r] for r in t.rows], widths, notes)
        )
    if report.paragraphs:
        sheets.append(Sheet("说明", ["说明"], [[p] for p in report.paragraphs], (120,)))
    return xlsx_bytes(sheets)


def _table(t: Any, widths: list[float], st: dict[str, ParagraphStyle]) -> Table:
    """A grid whose money and count columns are right-aligned (amounts with two decimals)."""
    num = ParagraphStyle("num", parent=st["cell"], alignment=TA_RIGHT)
    data = [[Paragraph(_esc(h), st["cell"]) for h in t.headers]]
    for r in t.rows:
        data.append(
            [
                Paragraph(_esc(_text(c)), num if c.kind in ("money", "count") else st["cell"])
                for c in r
            ]
        )
    g = Table(data, colWidths=[w * mm for w in widths], repeatRows=1)
    g.setStyle(TableStyle([("GRID", (0, 0), (-1, -1), 0.6, colors.black),
                           ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8e8e8")),
                           ("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))  # fmt: skip
    return g


def report_pdf(report: Any, *, agency: str = "医疗保障经办机构") -> bytes:
    st = _styles()
    buf = io.BytesIO()
    size = landscape(A4)
    doc = SimpleDocTemplate(buf, pagesize=size, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=14 * mm, bottomMargin=16 * mm, title=report.title, author=agency)  # fmt: skip
    flow: list[Any] = [
        Paragraph(_esc(agency), st["agency"]),
        Paragraph(_esc(report.title), st["title"]),
    ]
    flow.append(Paragraph(_esc(f"编制日期 {today().isoformat()}　单位：元"), st["no"]))
    for p in report.paragraphs:
        flow.append(Paragraph(_esc(p), st["body"]))
    usable = (size[0] - 28 * mm) / mm
    for t in report.tables:
        flow.append(Paragraph(_esc(t.title), st["h"]))
        n = len(t.headers)
        first = min(60.0, usable * 0.3)
        widths = [first] + [(usable - first) / max(1, n - 1)] * (n - 1)
        flow.append(_table(t, widths, st))
        flow.append(Spacer(1, 4 * mm))
    flow.append(Paragraph(_esc("依据：" + "；".join(report.refs)), st["small"]))

    def footer(c: Canvas, d: Any) -> None:
        c.saveState()
        c.setFont(_font(), 8)
        c.setFillColor(colors.grey)
        c.drawCentredString(size[0] / 2, 8 * mm, f"{report.title}　第 {d.page} 页")
        c.restoreState()

    doc.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buf.getvalue()
