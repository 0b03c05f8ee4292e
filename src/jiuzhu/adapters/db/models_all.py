"""Import every module that defines tables, so metadata and Alembic see them all."""

from __future__ import annotations

import importlib

from jiuzhu.adapters.db import tables  # noqa: F401

for _name in (
    "enrolment_tables",
    "reimbursement_tables",
    "fund_tables",
    "web_tables",
    "warning_tables",
    "archive_tables",
    "summary_tables",
    "insured_tables",
    "clearing_tables",
    "funding_tables",
):
    try:
        importlib.import_module(f"jiuzhu.adapters.db.{_name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"jiuzhu.adapters.db.{_name}":
            raise
