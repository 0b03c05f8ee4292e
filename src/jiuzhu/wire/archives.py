"""档案 as the CLI shows it: a case file's cover and catalogue (卷内目录) with days ISO and
times ``YYYY-MM-DD HH:MM:SS``. The use cases are ``jiuzhu.services.archives``' (re-exported
so a front end imports one name); the catalogue is answered here in its JSON form."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from jiuzhu.services import archives as svc
from jiuzhu.services.archives import (
    DOC_TYPES,
    KINDS,
    CaseInfo,
    CaseView,
    CatalogueEntry,
    add_document,
    export_pdf,
    file_case,
    open_case,
)
from jiuzhu.wire import each, formatted


@dataclass(frozen=True)
class CaseShown:
    """A case file as the front ends show it: the cover and the catalogue as JSON."""

    case: dict[str, Any]
    catalogue: list[dict[str, Any]]


def _time(t: dt.datetime) -> str:
    return t.isoformat(sep=" ", timespec="seconds")


def case_json(c: CaseInfo) -> dict[str, Any]:
    return {
        "case_no": c.case_no, "kind": c.kind, "subject": c.subject, "title": c.title,
        "status": c.status, "retention_years": c.retention_years,
        "retain_until": c.retain_until.isoformat() if c.retain_until else None,
        "created_by": c.created_by, "created_at": _time(c.created_at),
    }  # fmt: skip


def entry_json(e: CatalogueEntry) -> dict[str, Any]:
    return {
        "seq": e.seq, "title": e.title, "type": e.doc_type, "file_name": e.file_name,
        "pages": e.pages, "first_page": e.first_page, "sha256": e.sha256,
        "added_by": e.added_by, "added_at": _time(e.added_at),
    }  # fmt: skip


def shown(v: CaseView) -> CaseShown:
    return CaseShown(case_json(v.case), [entry_json(e) for e in v.catalogue])


# -- the reads, answered as JSON ------------------------------------------------------------


catalogue = formatted(svc.catalogue, shown)


cases_of = formatted(svc.cases_of, each(case_json))


__all__ = [
    "DOC_TYPES",
    "KINDS",
    "CaseShown",
    "add_document",
    "case_json",
    "cases_of",
    "catalogue",
    "entry_json",
    "export_pdf",
    "file_case",
    "open_case",
    "shown",
]
