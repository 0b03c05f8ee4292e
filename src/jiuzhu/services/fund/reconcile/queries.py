"""Reads of reconciliation: differences (open first) and imports, typed, amounts in fen;
``jiuzhu.wire.fund`` gives them their JSON form (a difference's amounts signed)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from jiuzhu.adapters.db.clearing_tables import ReconDifference, ReconImport
from jiuzhu.adapters.db.uow import UnitOfWork

KIND_ZH = {
    "bank_only": "银行有账我方无",
    "books_only": "我方有账银行无",
    "balance_bank": "银行余额不符",
    "balance_finance": "财政余额不符",
}


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
