"""Imports (atomic: the whole file or nothing), reconciliation runs, and resolving a
difference with its reason — each one transaction, audited."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.clearing_tables import (
    ReconBankLine,
    ReconDifference,
    ReconFinanceBalance,
    ReconImport,
)
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import InputError, NotFound, WorkflowError
from jiuzhu.policy.accounts import chart
from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.reconcile import parse
from jiuzhu.services.fund.reconcile.match import run_account

SYSTEM = "system:reconcile"


@dataclass(frozen=True)
class Imported:
    import_id: int
    kind: str
    rows: int


@dataclass(frozen=True)
class RunResult:
    account: str
    county: str
    matched: int
    found: int
    new: int
    closed: int


def _asset_account(region: str, code: str, column: str, file: str | None = None) -> None:
    a = chart(region).account(code)
    if a is None or a.kind != "asset":
        raise InputError(f"{code} is not an asset account of the chart (e.g. 1003 财政专户存款, 1004 支出户存款)",
                         file=file, column=column)  # fmt: skip


def _county(county: str | None) -> str:
    c = (county or "").strip()
    if c and not (len(c) == 6 and c.isdigit()):
        raise InputError("county must be a 6-digit division code", column="county")
    return c


def import_bank(
    uow: UnitOfWork, region: str, name: str, data: bytes, *, account: str, county: str | None,
    actor: str,
) -> Imported:  # fmt: skip
    """A bank statement of ``account`` (and county). A line already imported (same
    ``txn_id`` on that account) is a duplicate: the file is refused, nothing kept."""
    _asset_account(region, account, "account")
    c = _county(county)
    lines = parse.bank_lines(name, data)
    with uow.begin() as s:
        have = {
            t: n
            for t, n in s.execute(
                select(ReconBankLine.txn_id, ReconBankLine.line).where(
                    ReconBankLine.region == region, ReconBankLine.account == account,
                    ReconBankLine.county == c, ReconBankLine.txn_id.in_([ln.txn_id for ln in lines]),
                )
            )
        }  # fmt: skip
        for ln in lines:
            if ln.txn_id in have:
                raise InputError(f"duplicate bank line: txn_id {ln.txn_id} was imported before",
                                 file=name, line=ln.line, column="txn_id")  # fmt: skip
        imp = _import(s, "bank", region, account, c, name, data, len(lines), actor)
        s.execute(
            insert(ReconBankLine),
            [{"import_id": imp, "region": region, "account": account, "county": c, "line": ln.line,
              "txn_date": ln.txn_date, "txn_id": ln.txn_id, "doc_no": ln.doc_no, "amount": ln.amount,
              "balance": ln.balance} for ln in lines],
        )  # fmt: skip
        return Imported(imp, "bank", len(lines))


def import_finance(uow: UnitOfWork, region: str, name: str, data: bytes, *, actor: str) -> Imported:
    """Finance's balances per account (county) and day."""
    figs = parse.finance_figures(name, data)
    for f in figs:
        _asset_account(region, f.account, "account", name)
    with uow.begin() as s:
        imp = _import(s, "finance", region, None, None, name, data, len(figs), actor)
        s.execute(
            insert(ReconFinanceBalance),
            [{"import_id": imp, "region": region, "account": f.account, "county": f.county,
              "day": f.day, "balance": f.balance, "line": f.line} for f in figs],
        )  # fmt: skip
        return Imported(imp, "finance", len(figs))


def _import(
    s: Session, kind: str, region: str, account: str | None, county: str | None, name: str,
    data: bytes, rows: int, actor: str,
) -> int:  # fmt: skip
    digest = hashlib.sha256(data).hexdigest()
    row = ReconImport(kind=kind, region=region, account=account, county=county, file_name=name[:200],
                      sha256=digest, rows=rows, imported_by=actor)  # fmt: skip
    s.add(row)
    s.flush()
    audit(s, actor, "import", "recon_import", str(row.id), None,
          {"kind": kind, "file": name, "rows": rows, "sha256": digest, "account": account})  # fmt: skip
    return int(row.id)


def run(
    uow: UnitOfWork, region: str, *, account: str, county: str | None, begin: dt.date, end: dt.date,
    actor: str,
) -> RunResult:  # fmt: skip
    """对账: match and assert balances over [begin, end]; new differences are kept, open
    ones no longer found are closed (再次对账已相符), resolved ones stay resolved."""
    if begin > end:
        raise InputError(f"from {begin} is after to {end}", column="from")
    _asset_account(region, account, "account")
    c = _county(county)
    with uow.begin() as s:
        found, matched = run_account(s, region, account, c, begin, end)
        tag = f"{account}:{c or '-'}"
        existing = {
            (d.kind, d.ref): d
            for d in s.scalars(
                select(ReconDifference).where(
                    ReconDifference.region == region, ReconDifference.account == account,
                    ReconDifference.county == c, ReconDifference.day >= begin, ReconDifference.day <= end,
                )
            )
        }  # fmt: skip
        new = 0
        now = utcnow()
        for f in found:
            if (f.kind, f.ref) in existing:
                continue
            s.add(ReconDifference(region=region, account=account, county=c, kind=f.kind, ref=f.ref,
                                  day=f.day, amount=f.amount, books=f.books, detail=f.detail[:300]))  # fmt: skip
            new += 1
        now_keys = {(f.kind, f.ref) for f in found}
        closed = 0
        for key, d in existing.items():
            if d.status == "open" and key not in now_keys:
                d.status, d.resolved_by, d.resolved_at = "resolved", SYSTEM, now
                d.reason = "再次对账已相符 (matched on a later run)"
                closed += 1
        audit(s, actor, "run", "reconciliation", f"{region}:{tag}:{begin}/{end}", None,
              {"matched": matched, "found": len(found), "new": new, "closed": closed})  # fmt: skip
        return RunResult(account, c, matched, len(found), new, closed)


def resolve(uow: UnitOfWork, diff_id: int, *, reason: str, actor: str) -> None:
    """A person resolves a difference with the reason (audited); once."""
    if not reason.strip():
        raise InputError("a reason is required to resolve a difference", column="reason")
    with uow.begin() as s:
        d = s.get(ReconDifference, diff_id, with_for_update=True)
        if d is None:
            raise NotFound(f"没有差异 #{diff_id}", field="id")
        if d.status != "open":
            raise WorkflowError(f"差异 #{diff_id} 已处理", field="id")
        d.status, d.resolved_by = "resolved", actor
        d.resolved_at = utcnow()
        d.reason = reason.strip()[:500]
        audit(s, actor, "resolve", "recon_difference", str(diff_id), {"status": "open"},
              {"status": "resolved", "reason": d.reason, "amount": format_fen(abs(d.amount))})  # fmt: skip
