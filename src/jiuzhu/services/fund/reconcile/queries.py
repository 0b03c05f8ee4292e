"""Reads of reconciliation: differences (open first) and imports, typed, amounts in fen."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from jiuzhu.adapters.db.clearing_tables import ReconDifference, ReconImport
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.policy.money import format_fen

KIND_ZH = {
    "bank_only": "银行有账我方无",
    "books_only": "我方有账银行无",
    "balance_bank": "银行余额不符",
    "balance_finance": "财政余额不符",
}


def signed(v: int | None) -> str | None:
    if v is None:
        return None
    return ("-" if v < 0 else "") + format_fen(abs(v))


@dataclass(frozen=True)
class DifferenceView:
    id: int
    account: str
    county: str
    kind: str
    day: dt.date
    amount: int
    books: int | None
    detail: str
    status: str
    resolved_by: str | None
    reason: str | None

    @property
    def kind_zh(self) -> str:
        return KIND_ZH.get(self.kind, self.kind)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "account": self.account, "county": self.county or None,
                "kind": self.kind, "kind_zh": self.kind_zh, "day": self.day.isoformat(),
                "amount": signed(self.amount), "books": signed(self.books), "detail": self.detail,
                "status": self.status, "resolved_by": self.resolved_by, "reason": self.reason}  # fmt: skip


@dataclass(frozen=True)
class ImportView:
    id: int
    kind: str
    account: str | None
    county: str | None
    file_name: str
    rows: int
    imported_by: str
    imported_at: dt.datetime

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "kind": self.kind, "account": self.account, "county": self.county,
                "file_name": self.file_name, "rows": self.rows, "imported_by": self.imported_by,
                "imported_at": self.imported_at.isoformat(sep=" ", timespec="seconds")}  # fmt: skip


def list_differences(
    uow: UnitOfWork, *, status: str | None = "open", account: str | None = None,
    limit: int = 200, offset: int = 0,
) -> list[DifferenceView]:  # fmt: skip
    with uow.read() as s:
        q = select(ReconDifference).order_by(ReconDifference.day, ReconDifference.id)
        if status:
            q = q.where(ReconDifference.status == status)
        if account:
            q = q.where(ReconDifference.account == account)
        return [
            DifferenceView(d.id, d.account, d.county, d.kind, d.day, d.amount, d.books, d.detail,
                           d.status, d.resolved_by, d.reason)
            for d in s.scalars(q.limit(limit).offset(offset))
        ]  # fmt: skip


def list_imports(uow: UnitOfWork, *, limit: int = 100) -> list[ImportView]:
    with uow.read() as s:
        q = select(ReconImport).order_by(ReconImport.id.desc()).limit(limit)
        return [
            ImportView(
                i.id, i.kind, i.account, i.county, i.file_name, i.rows, i.imported_by, i.imported_at
            )
            for i in s.scalars(q)
        ]
