"""Issue 8 item 11: case files per person and per application (宁医保发〔2023〕102号
第三十四条 收集、整理、立卷、归档): scans stored encrypted in catalogue order, a retention
period the operator gives, the case exported as one PDF; every step audited."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from pypdf import PdfReader
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select

from jiuzhu.adapters.db.archive_tables import ArchiveFile
from jiuzhu.adapters.db.tables import AuditLog
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import Conflict, InputError, NotFound, WorkflowError
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.registry import create_person
from jiuzhu.wire import archives as svc

sys.path.insert(0, str(Path(__file__).parent))
from registry_data import certno  # noqa: E402

JIUZHU = str(Path(sys.executable).parent / "jiuzhu")


def _png() -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (40, 60), "white").save(buf, "PNG")
    return buf.getvalue()


PNG = _png()


def scan_pdf(pages: int, text: str = "scan") -> bytes:
    buf = io.BytesIO()
    c = Canvas(buf)
    for i in range(pages):
        c.drawString(100, 700, f"{text} page {i + 1}")
        c.showPage()
    c.save()
    return buf.getvalue()


@pytest.fixture
def person(uow: UnitOfWork) -> str:
    with uow.begin() as s:
        create_person(s, "test", "P1", certno(1), "张三丰")
    return "P1"


def test_case_file_catalogue_retention_and_one_pdf(uow: UnitOfWork, person: str) -> None:
    no = svc.open_case(uow, "person", person, "staff:alice", "ningxia")
    assert no.startswith("NX-DA-")
    with pytest.raises(Conflict):
        svc.open_case(uow, "person", person, "staff:alice", "ningxia")  # one per person
    with pytest.raises(NotFound):
        svc.open_case(uow, "application", "NX-2024-999999", "staff:alice", "ningxia")
    svc.add_document(
        uow, no, scan_pdf(2, "ID"), "id.pdf", "身份证复印件", "身份证明", "staff:alice"
    )
    svc.add_document(uow, no, PNG, "cert.png", "低保证", "认定材料", "staff:alice")
    with pytest.raises(InputError):
        svc.add_document(uow, no, b"MZ\x90\x00", "x.exe", "?", "其他", "staff:alice")
    with pytest.raises(InputError):  # a PNG that is not a readable image
        svc.add_document(uow, no, PNG[:30], "cut.png", "?", "其他", "staff:alice")
    v = svc.catalogue(uow, no)
    # catalogue: document 1 has 2 pages from page 1; document 2 one page from page 3
    assert [(d["seq"], d["pages"], d["first_page"]) for d in v.catalogue] == [(1, 2, 1), (2, 1, 3)]
    with uow.read() as s:  # stored encrypted: the clear scan is not in the row
        blob = s.scalars(select(ArchiveFile.content_enc).where(ArchiveFile.seq == 1)).one()
    assert b"ID page 1" not in blob and b"%PDF" not in blob[:16]

    with pytest.raises(InputError, match="operator parameter"):
        svc.file_case(uow, no, None, "staff:alice")  # the regulation gives no period
    out = svc.file_case(uow, no, 30, "staff:alice")
    assert out["retention_years"] == 30
    with pytest.raises(WorkflowError):
        svc.add_document(uow, no, PNG, "late.png", "迟到", "其他", "staff:alice")

    pdf = PdfReader(io.BytesIO(svc.export_pdf(uow, no, "staff:bob")))
    texts = [p.extract_text() or "" for p in pdf.pages]
    # cover and catalogue (one page), then 2 + 1 scan pages
    assert len(pdf.pages) == 1 + 3
    assert "ID page 1" in texts[1] and "ID page 2" in texts[2]
    with uow.read() as s:
        acts = list(s.scalars(select(AuditLog.action).where(AuditLog.entity == "archive_case")))
    assert acts == ["archive_open", "archive_add", "archive_add", "archive_file", "archive_export"]


def test_cli_archive(db_url: str, uow: UnitOfWork, person: str, tmp_path: Path) -> None:
    with uow.begin() as s:
        create_user(s, "alice", "password-alice", ["registry"], "test")
    env = dict(os.environ, JIUZHU_DATABASE_URL=db_url, JIUZHU_PASSWORD="password-alice")
    env["COLUMNS"] = "200"

    def jz(*a: str) -> subprocess.CompletedProcess[str]:
        r = subprocess.run([JIUZHU, "archive", *a], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        return r

    no = jz("open", "--person", person, "--as", "alice").stdout.strip().splitlines()[-1]
    scan = tmp_path / "s.pdf"
    scan.write_bytes(scan_pdf(1))
    jz("add", no, str(scan), "--title", "申请表", "--type", "申请表", "--as", "alice")
    assert "申请表" in jz("list", no).stdout
    jz("file", no, "--retention-years", "10", "--as", "alice")
    jz("pdf", no, "--out", str(tmp_path / "case.pdf"), "--as", "alice")
    assert len(PdfReader(tmp_path / "case.pdf").pages) == 2
