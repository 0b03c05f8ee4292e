"""A case file as one PDF (宁医保发〔2023〕102号 第三十四条): cover (案卷封面), catalogue
(卷内目录) with each document's first page and SHA-256, then the scans in that order —
PDF scans page by page (pypdf), images each on an A4 page. Personal data only masked."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import TYPE_CHECKING

from pypdf import PdfReader, PdfWriter
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jiuzhu.reports.pdf import _esc, _font, _styles

if TYPE_CHECKING:
    from jiuzhu.services.archives import CaseInfo, CatalogueEntry

KIND = {"person": "救助对象个人档案", "application": "零星报销申请档案"}
STATUS = {"open": "整理中（未归档）", "filed": "已归档"}


def _front(case: CaseInfo, catalogue: Sequence[CatalogueEntry]) -> bytes:
    st = _styles()
    buf = io.BytesIO()
    doc = SimpleDocTemplate(buf, pagesize=A4, leftMargin=18 * mm, rightMargin=18 * mm)
    rows = [
        ("案卷号", case.case_no),
        ("类别", KIND.get(case.kind, case.kind)),
        ("对象", case.subject),
        ("状态", STATUS.get(case.status, case.status)),
        (
            "保管期限",
            f"{case.retention_years} 年" if case.retention_years else "未定（归档时确定）",
        ),
        ("保管至", case.retain_until.isoformat() if case.retain_until else ""),
        ("立卷", f"{case.created_by}  {case.created_at.isoformat(sep=' ', timespec='seconds')}"),
        ("依据", "宁医保发〔2023〕102号 第三十四条 收集、整理、立卷、归档"),
    ]
    cover = Table(
        [[Paragraph(_esc(k), st["cell"]), Paragraph(_esc(v), st["cell"])] for k, v in rows],
        colWidths=[30 * mm, 140 * mm],
    )
    grid = TableStyle(
        [("GRID", (0, 0), (-1, -1), 0.5, colors.grey), ("VALIGN", (0, 0), (-1, -1), "TOP")]
    )
    cover.setStyle(grid)
    head = ["序号", "文件题名", "类型", "页号", "页数", "SHA-256", "收集"]
    cat = [[Paragraph(h, st["cell"]) for h in head]] + [
        [
            Paragraph(_esc(x), st["small"] if i == 5 else st["cell"])
            for i, x in enumerate(
                (
                    d.seq, d.title, d.doc_type, d.first_page, d.pages,
                    d.sha256[:16] + "…", f"{d.added_by} {d.added_at.date().isoformat()}",
                )
            )
        ]
        for d in catalogue
    ]  # fmt: skip
    table = Table(
        cat, colWidths=[11 * mm, 52 * mm, 18 * mm, 12 * mm, 12 * mm, 32 * mm, 37 * mm], repeatRows=1
    )
    table.setStyle(grid)
    story = [
        Paragraph("医疗救助档案 案卷", st["title"]),
        Spacer(1, 8 * mm),
        cover,
        Spacer(1, 8 * mm),
        Paragraph("卷内目录（页号为扫描件在本文件封面与目录之后的页码）", st["h"]),
        table,
    ]
    doc.build(story)
    return buf.getvalue()


def _image_page(data: bytes) -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf, pagesize=A4)
    img = ImageReader(io.BytesIO(data))
    w, h = img.getSize()
    pw, ph = A4[0] - 20 * mm, A4[1] - 20 * mm
    k = min(pw / w, ph / h)
    c.drawImage(img, (A4[0] - w * k) / 2, (A4[1] - h * k) / 2, w * k, h * k)
    c.setFont(_font(), 7)
    c.showPage()
    c.save()
    return buf.getvalue()


def case_pdf(
    case: CaseInfo, catalogue: Sequence[CatalogueEntry], scans: list[tuple[str, bytes]]
) -> bytes:
    """Cover and catalogue, then every scan, as one PDF."""
    out = PdfWriter()
    out.append(PdfReader(io.BytesIO(_front(case, catalogue))))
    for kind, data in scans:
        page = data if kind == "application/pdf" else _image_page(data)
        out.append(PdfReader(io.BytesIO(page)))
    out.add_metadata({"/Title": f"{case.case_no} {KIND.get(case.kind, '')}"})
    buf = io.BytesIO()
    out.write(buf)
    return buf.getvalue()
