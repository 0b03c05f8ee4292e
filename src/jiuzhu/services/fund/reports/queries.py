"""The reports' one entry point for the CLI, API and pages: build a report, export it,
follow a cell to what it sums."""

from __future__ import annotations

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import InputError
from jiuzhu.services.fund.reports.analysis import annual_analysis
from jiuzhu.services.fund.reports.drill import Drill
from jiuzhu.services.fund.reports.drill import drill as _drill
from jiuzhu.services.fund.reports.model import Report, period
from jiuzhu.services.fund.reports.spending import spending, subsidy_stats
from jiuzhu.services.fund.reports.statements import balance_sheet, income_statement

KINDS = {
    "balance_sheet": "资产负债表",
    "income_statement": "收支表",
    "spending": "医疗救助费用支出统计",
    "subsidy": "资助参保统计",
    "analysis": "年度执行分析报告",
}


def build(
    uow: UnitOfWork, region: str, kind: str, period_text: str, *, county: str | None = None
) -> Report:
    """``kind`` over the period ``YYYY-MM`` / ``YYYYQn`` / ``YYYY`` (subsidy and analysis: a year)."""
    if kind not in KINDS:
        raise InputError(f"unknown report {kind!r} (one of {', '.join(KINDS)})", column="kind")
    p = period(period_text)
    if kind in ("subsidy", "analysis") and p.kind != "year":
        raise InputError(f"{KINDS[kind]} is drawn for a year (YYYY)", column="period")
    if kind == "analysis":
        return annual_analysis(uow, region, p.start.year)
    with uow.read() as s:
        if kind == "balance_sheet":
            return balance_sheet(s, region, p, county)
        if kind == "income_statement":
            return income_statement(s, region, p, county)
        if kind == "spending":
            return spending(s, region, p)
        return subsidy_stats(s, region, p.start.year)


def export(report: Report, fmt: str) -> bytes:
    from jiuzhu.reports.fund_report import report_pdf, report_xlsx

    if fmt == "xlsx":
        return report_xlsx(report)
    if fmt == "pdf":
        return report_pdf(report)
    raise InputError("format must be xlsx or pdf", column="format")


def drill(uow: UnitOfWork, key: str, *, limit: int = 1000) -> Drill:
    with uow.read() as s:
        return _drill(s, key, limit=limit)


__all__ = ["KINDS", "Drill", "Report", "build", "drill", "export"]
