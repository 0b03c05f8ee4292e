"""The fund's clearing and reconciliation as the API answers them and the CLI prints them:
the typed views of ``jiuzhu.services.fund.clearing.queries`` and
``jiuzhu.services.fund.reconcile.queries`` formatted — amounts in yuan with two decimals
(a reconciliation difference signed), days ISO, times ``YYYY-MM-DD HH:MM:SS``. The
statement keeps the national platform's 3201 names (``fixmedins_setl_cnt``,
``medfee_sumamt``, ``fund_pay_sumamt``) for the hospital's side."""

from __future__ import annotations

import datetime as dt
from typing import Any

from jiuzhu.policy.money import format_fen
from jiuzhu.services.fund.clearing import queries as clearing
from jiuzhu.services.fund.reconcile import queries as reconcile


def _f(v: int | None) -> str | None:
    return None if v is None else format_fen(v)


def _time(t: dt.datetime) -> str:
    return t.isoformat(sep=" ", timespec="seconds")


def signed(v: int | None) -> str | None:
    """A signed amount in yuan (``-1234.56``); None stays None."""
    if v is None:
        return None
    return ("-" if v < 0 else "") + format_fen(abs(v))


# -- clearing ---------------------------------------------------------------------------------


def clearing_difference_json(d: clearing.DifferenceView) -> dict[str, Any]:
    return {"kind": d.kind, "kind_zh": d.kind_zh, "setl_id": d.setl_id, "line": d.line,
            "theirs_fund_pay": _f(d.theirs_fund_pay), "ours_fund_pay": _f(d.ours_fund_pay),
            "detail": d.detail}  # fmt: skip


def statement_json(v: clearing.StatementView, *, with_differences: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "stmt_no": v.stmt_no, "fixmedins_code": v.fixmedins_code,
        "stmt_begndate": v.stmt_begndate.isoformat(),
        "stmt_enddate": v.stmt_enddate.isoformat(),
        "fixmedins_setl_cnt": v.theirs_setl_cnt,
        "medfee_sumamt": _f(v.theirs_medfee_sumamt),
        "fund_pay_sumamt": _f(v.theirs_fund_pay_sumamt),
        "detail_lines": v.detail_lines,
        "ours": {"setl_cnt": v.ours_setl_cnt, "medfee_sumamt": _f(v.ours_medfee_sumamt),
                 "fund_pay_sumamt": _f(v.ours_fund_pay_sumamt)},
        "stmt_rslt": v.stmt_rslt, "stmt_rslt_dscr": v.stmt_rslt_dscr,
        "status": v.status, "status_zh": v.status_zh,
        "submitted_at": _time(v.submitted_at),
        "decided_by": v.decided_by, "decision_note": v.decision_note,
        "batch_no": v.batch_no, "differences_count": v.differences_count,
    }  # fmt: skip
    if with_differences:
        out["differences"] = [clearing_difference_json(d) for d in v.differences]
    return out


def batch_json(b: clearing.BatchView) -> dict[str, Any]:
    return {
        "batch_no": b.batch_no, "status": b.status, "status_zh": b.status_zh,
        "count": b.count, "total": format_fen(b.total), "created_by": b.created_by,
        "created_at": _time(b.created_at),
        "exported_at": _time(b.exported_at) if b.exported_at else None,
        "export_sha256": b.export_sha256, "confirmed_by": b.confirmed_by,
        "paid_on": b.paid_on.isoformat() if b.paid_on else None,
        "bank_reference": b.bank_reference,
        "lines": [{"fixmedins_code": ln.fixmedins_code, "account_name": ln.account_name,
                   "bank_name": ln.bank_name, "account_no": ln.account_no_masked,
                   "amount": format_fen(ln.amount), "stmt_nos": ln.stmt_nos}
                  for ln in b.lines],
    }  # fmt: skip


def account_json(a: clearing.AccountView) -> dict[str, Any]:
    return {"fixmedins_code": a.fixmedins_code, "fixmedins_name": a.fixmedins_name,
            "account_name": a.account_name, "bank_name": a.bank_name,
            "account_no": a.account_no_masked, "registered_by": a.registered_by,
            "registered_at": _time(a.registered_at)}  # fmt: skip


# -- reconciliation ---------------------------------------------------------------------------


def recon_difference_json(d: reconcile.DifferenceView) -> dict[str, Any]:
    return {"id": d.id, "account": d.account, "county": d.county or None,
            "kind": d.kind, "kind_zh": d.kind_zh, "day": d.day.isoformat(),
            "amount": signed(d.amount), "books": signed(d.books), "detail": d.detail,
            "status": d.status, "resolved_by": d.resolved_by, "reason": d.reason}  # fmt: skip


def import_json(i: reconcile.ImportView) -> dict[str, Any]:
    return {"id": i.id, "kind": i.kind, "account": i.account, "county": i.county,
            "file_name": i.file_name, "rows": i.rows, "imported_by": i.imported_by,
            "imported_at": _time(i.imported_at)}  # fmt: skip


__all__ = [
    "account_json",
    "batch_json",
    "clearing_difference_json",
    "import_json",
    "recon_difference_json",
    "signed",
    "statement_json",
]
