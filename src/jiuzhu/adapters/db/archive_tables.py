"""Archives (宁医保发〔2023〕102号 第三十四条 收集、整理、立卷、归档): one case file per person
or per application, its scans stored encrypted, in catalogue order."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from jiuzhu.adapters.db.tables import Base, _now


class ArchiveCase(Base):
    """A case file (案卷): ``open`` while documents are added, ``filed`` (归档) with its
    retention period, after which nothing is added or removed."""

    __tablename__ = "archive_case"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_no: Mapped[str] = mapped_column(String(30), unique=True)
    kind: Mapped[str] = mapped_column(String(20))
    """person | application"""
    subject: Mapped[str] = mapped_column(String(40))
    """psn_no or app_no"""
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(20), default="open")
    retention_years: Mapped[int | None] = mapped_column(Integer)
    filed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    retain_until: Mapped[dt.date | None] = mapped_column(Date)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("kind", "subject", name="uq_archive_case_subject"),)


class ArchiveFile(Base):
    """One document of a case file (卷内文件), at its place in the catalogue (卷内目录)."""

    __tablename__ = "archive_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("archive_case.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(200))
    doc_type: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(60))
    size: Mapped[int] = mapped_column(BigInteger)
    pages: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[str] = mapped_column(String(80))
    added_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    __table_args__ = (UniqueConstraint("case_id", "seq", name="uq_archive_file_case_seq"),)
