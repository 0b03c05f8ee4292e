"""The receipt, the one-time notice and the decision render as PDF with Chinese text."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path

import pypdfium2 as pdfium
import pytest
from reimb_helpers import APPROVER, FIRST, INTAKE, SECOND, add_person, application, claim

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.reports.pdf import render
from jiuzhu.wire import reimbursement as rb

NX = RegionPolicy.load("ningxia")


def _cjk_font_installed() -> bool:
    try:
        out = subprocess.run(["fc-list", ":lang=zh"], capture_output=True, text=True, timeout=20)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(out.stdout.strip())


CJK_FONT = _cjk_font_installed()


def _dark_fraction(pdf: bytes, out: Path) -> tuple[float, str]:
    doc = pdfium.PdfDocument(pdf)
    page = doc[0]
    text = page.get_textpage().get_text_range()
    img = page.render(scale=1.5).to_pil().convert("L")
    img.save(out)
    hist = img.histogram()
    dark = sum(hist[:128])
    return dark / (img.width * img.height), text


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_documents_render_chinese(uow: UnitOfWork, tmp_path: Path) -> None:
    add_person(uow, "P1", [("dibao", dt.date(2024, 1, 1), None)])
    ok = rb.intake(
        uow,
        NX,
        application(
            "P1",
            [claim("S1", "P1", "2024-09-01", "2024-09-10", "30000")],
            agent={"name": "李四", "certno": "110101199003070070", "relation": "子女"},
            materials=[
                "hukou",
                "sbk_or_id_bank",
                "agent_id",
                "settlement_statement",
                "invoice",
                "fee_list",
                "discharge_record",
            ],
        ),
        staff=INTAKE,
        today=dt.date(2024, 9, 20),
    )
    bad = rb.intake(
        uow,
        NX,
        application(
            "P1",
            [claim("S2", "P1", "2024-06-01", "2024-06-01", "300", med_type="11")],
            materials=["hukou"],
        ),
        staff=INTAKE,
    )
    for who in (FIRST, SECOND, APPROVER):
        rb.review(uow, NX, ok["app_no"], staff=who, decision="approve", reason="同意")
    cases = [
        (ok["app_no"], "receipt", ["受理回执", "2024年11月6日", "张*丰"]),
        (bad["app_no"], "notice", ["一次性告知书", "缺少材料", "医院发票"]),
        (ok["app_no"], "decision", ["审批决定书", "26100.00", "复审"]),
    ]
    for no, kind, words in cases:
        pdf = render(rb.document_data(uow, NX, no, kind))
        assert pdf.startswith(b"%PDF")
        frac, text = _dark_fraction(pdf, tmp_path / f"{kind}.png")
        # Rules, digits and Latin text always render; the Chinese glyphs of the built-in
        # (not embedded) STSong-Light need a CJK font on the viewing machine, so the
        # stricter figure applies only where one is installed.
        assert frac > (0.02 if CJK_FONT else 0.004), f"{kind}: page looks blank ({frac:.4f})"
        for w in words:
            assert w in text, f"{kind}: {w!r} not in the page text"
        # masked only: the clear ID numbers and account never reach the paper
        assert "11010519491231002X" not in text and "110101199003070070" not in text
        assert "6228480012345678901" not in text
    with pytest.raises(Exception, match="一次性告知书"):
        rb.document_data(uow, NX, bad["app_no"], "receipt")
