"""Archives: case files (案卷) per person and per application, their documents in
catalogue order (卷内目录), a retention period, and the whole case as one PDF
(宁医保发〔2023〕102号 第三十四条: 收集、整理、立卷、归档，确保档案齐全、完整、有效).

The regulation gives no retention period: it is the operator's (``--retention-years``
or ``JIUZHU_ARCHIVE_RETENTION_YEARS``), required when a case is filed. Scans are stored
encrypted under the data key (they show ID numbers and names), each with its SHA-256,
which the catalogue and the PDF print so a copy can be checked against the record. A
filed case takes no more documents. Every addition, filing and export is audited.

The catalogue is read as typed views (dates and times as such); the CLI shows it through
``jiuzhu.wire.archives`` and the PDF (``reports.archive_pdf``) formats it itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.archive_tables import ArchiveCase, ArchiveFile
from jiuzhu.adapters.db.reimbursement_tables import ReimbApplication
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import Conflict, InputError, NotFound, WorkflowError
from jiuzhu.services.reimbursement.common import REGION_PREFIX, next_number

KINDS = {"person": "救助对象个人档案", "application": "零星报销申请档案"}
DOC_TYPES = (
    "申请表",
    "身份证明",
    "认定材料",
    "发票",
    "费用清单",
    "结算单",
    "出院记录",
    "审批表",
    "其他",
)
MAX_BYTES = 50 * 1024 * 1024
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"


def sniff(data: bytes, name: str) -> str:
    """The scan's type from its first bytes (not its name): PDF, PNG or JPEG only."""
    if data.startswith(b"%PDF-"):
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if data.startswith(b"\xff\xd8\xff"):
        return JPEG
    raise InputError("a scan must be a PDF, PNG or JPEG file", file=name)


def page_count(data: bytes, kind: str, name: str) -> int:
    """Pages of a scan (an image is one); an unreadable file is refused when added."""
    if kind != PDF:
        from PIL import Image

        try:
            with Image.open(io.BytesIO(data)) as im:
                im.load()
        except Exception as exc:  # PIL raises many kinds for broken data
            raise InputError(f"not a readable image: {exc}", file=name) from None
        return 1
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(io.BytesIO(data)).pages)
    except (PdfReadError, ValueError, KeyError) as exc:
        raise InputError(f"not a readable PDF: {exc}", file=name) from None


def _case(s: Session, case_no: str, lock: bool = False) -> ArchiveCase:
    q = select(ArchiveCase).where(ArchiveCase.case_no == case_no)
    c = s.scalars(q.with_for_update() if lock else q).one_or_none()
    if c is None:
        raise NotFound(f"no case file {case_no}", field="case_no")
    return c


def open_case(uow: UnitOfWork, kind: str, subject: str, actor: str, region: str) -> str:
    """立卷: the case file of a person (psn_no) or an application (app_no); one per subject."""
    if kind not in KINDS:
        raise InputError(f"kind must be one of {', '.join(KINDS)}", column="kind")
    with uow.begin() as s:
        if kind == "person":
            ok = s.scalar(select(Person.id).where(Person.psn_no == subject))
        else:
            ok = s.scalar(select(ReimbApplication.id).where(ReimbApplication.app_no == subject))
        if ok is None:
            raise NotFound(f"no {kind} {subject}", field="subject")
        if s.scalar(
            select(ArchiveCase.case_no).where(
                ArchiveCase.kind == kind, ArchiveCase.subject == subject
            )
        ):
            raise Conflict(f"{subject} already has a case file", field="subject")
        year = dt.date.today().year
        no = f"{REGION_PREFIX.get(region, region.upper())}-DA-{year}-" + (
            f"{next_number(s, region, 'archive', year):06d}"
        )
        s.add(
            ArchiveCase(
                case_no=no,
                kind=kind,
                subject=subject,
                title=f"{KINDS[kind]} {subject}",
                status="open",
                created_by=actor,
            )
        )
        audit(
            s, actor, "archive_open", "archive_case", no, None, {"kind": kind, "subject": subject}
        )
    return no


def add_document(
    uow: UnitOfWork, case_no: str, data: bytes, name: str, title: str, doc_type: str, actor: str
) -> dict[str, Any]:
    """收集: one scan appended to the catalogue of an open case file."""
    if doc_type not in DOC_TYPES:
        raise InputError(f"document type must be one of {'、'.join(DOC_TYPES)}", column="type")
    if not data or len(data) > MAX_BYTES:
        raise InputError(f"a scan must have 1 byte to {MAX_BYTES} bytes", file=name)
    kind = sniff(data, name)
    pages = page_count(data, kind, name)
    digest = hashlib.sha256(data).hexdigest()
    with uow.begin() as s:
        c = _case(s, case_no, lock=True)
        if c.status != "open":
            raise WorkflowError(f"case file {case_no} is filed (归档): nothing can be added")
        seq = (
            s.scalar(select(func.max(ArchiveFile.seq)).where(ArchiveFile.case_id == c.id)) or 0
        ) + 1
        s.add(
            ArchiveFile(
                case_id=c.id, seq=seq, title=title.strip()[:200] or name, doc_type=doc_type,
                file_name=name[-200:], content_type=kind, size=len(data), pages=pages,
                sha256=digest, content_enc=get_cipher().encrypt_bytes(data), added_by=actor,
            )
        )  # fmt: skip
        info = {"seq": seq, "title": title, "type": doc_type, "pages": pages, "sha256": digest}
        audit(s, actor, "archive_add", "archive_case", case_no, None, info)
    return info


def file_case(
    uow: UnitOfWork, case_no: str, retention_years: int | None, actor: str
) -> dict[str, Any]:
    """归档: the case is closed with its retention period (the operator's figure)."""
    if retention_years is None:
        from jiuzhu.config import get_settings

        retention_years = get_settings().archive_retention_years
    if retention_years is None:
        raise InputError(
            "the retention period is an operator parameter the regulation does not give "
            "(宁医保发〔2023〕102号 第三十四条): set --retention-years or "
            "JIUZHU_ARCHIVE_RETENTION_YEARS",
            column="retention_years",
        )
    if not 1 <= retention_years <= 100:
        raise InputError(
            "retention_years must be 1 to 100 (or 永久: 100)", column="retention_years"
        )
    with uow.begin() as s:
        c = _case(s, case_no, lock=True)
        if c.status != "open":
            raise WorkflowError(f"case file {case_no} is already filed")
        if not s.scalar(select(func.count()).where(ArchiveFile.case_id == c.id)):
            raise WorkflowError(f"case file {case_no} is empty: add its documents first")
        today = dt.date.today()
        c.status, c.retention_years = "filed", retention_years
        c.filed_at = utcnow()
        try:
            c.retain_until = today.replace(year=today.year + retention_years)
        except ValueError:  # 29 February
            c.retain_until = today.replace(year=today.year + retention_years, day=28)
        out = {"retention_years": retention_years, "retain_until": c.retain_until.isoformat()}
        audit(
            s,
            actor,
            "archive_file",
            "archive_case",
            case_no,
            {"status": "open"},
            {"status": "filed", **out},
        )
    return out


@dataclass(frozen=True)
class CaseInfo:
    """A case file's cover: number, kind, subject, status, retention, who opened it."""

    case_no: str
    kind: str
    subject: str
    title: str
    status: str
    retention_years: int | None
    retain_until: dt.date | None
    created_by: str
    created_at: dt.datetime


@dataclass(frozen=True)
class CatalogueEntry:
    """One document of the catalogue (卷内目录): its first page in the case's PDF."""

    seq: int
    title: str
    doc_type: str
    file_name: str
    pages: int
    first_page: int
    sha256: str
    added_by: str
    added_at: dt.datetime


@dataclass(frozen=True)
class CaseView:
    case: CaseInfo
    catalogue: tuple[CatalogueEntry, ...]


def _info(c: ArchiveCase) -> CaseInfo:
    return CaseInfo(c.case_no, c.kind, c.subject, c.title, c.status, c.retention_years,
                    c.retain_until, c.created_by, c.created_at)  # fmt: skip


def _view(s: Session, c: ArchiveCase) -> CaseView:
    files = s.scalars(
        select(ArchiveFile).where(ArchiveFile.case_id == c.id).order_by(ArchiveFile.seq)
    )
    cat, page = [], 1
    for f in files:
        cat.append(
            CatalogueEntry(f.seq, f.title, f.doc_type, f.file_name, f.pages, page, f.sha256,
                           f.added_by, f.added_at)
        )  # fmt: skip
        page += f.pages
    return CaseView(_info(c), tuple(cat))


def catalogue(uow: UnitOfWork, case_no: str) -> CaseView:
    with uow.read() as s:
        return _view(s, _case(s, case_no))


def cases_of(uow: UnitOfWork, subject: str) -> list[CaseInfo]:
    with uow.read() as s:
        rows = s.scalars(
            select(ArchiveCase).where(ArchiveCase.subject == subject).order_by(ArchiveCase.id)
        )
        return [_info(c) for c in rows]


def export_pdf(uow: UnitOfWork, case_no: str, actor: str) -> bytes:
    """The case file as one PDF: cover, catalogue, then every scan in catalogue order;
    audited as a look at personal data."""
    from jiuzhu.reports.archive_pdf import case_pdf

    with uow.begin() as s:
        c = _case(s, case_no)
        view = _view(s, c)
        cipher = get_cipher()
        scans = [
            (f.content_type, cipher.decrypt_bytes(f.content_enc))
            for f in s.scalars(
                select(ArchiveFile).where(ArchiveFile.case_id == c.id).order_by(ArchiveFile.seq)
            )
        ]
        audit(s, actor, "archive_export", "archive_case", case_no, None, {"documents": len(scans)})
    return case_pdf(view.case, view.catalogue, scans)
