"""Issue 12 item 1: where the ORM, raw SQL and COPY all write a table, the database keeps
a workflow's status inside its set and an amount at or above zero (migration 1710), and
the sets written in the migration are the enums' of ``domain/``."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from jiuzhu.adapters.db import models_all  # noqa: F401 - every table on the metadata
from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import Base
from jiuzhu.domain.clearing import BatchStatus as HospitalBatchStatus
from jiuzhu.domain.clearing import StatementStatus
from jiuzhu.domain.reimbursement_status import ApplicationStatus
from jiuzhu.domain.reimbursement_status import BatchStatus as ReimbBatchStatus
from jiuzhu.domain.warning_status import FindingStatus, WatchStatus

VERSIONS = Path(__file__).parents[2] / "src/jiuzhu/adapters/db/migrations/versions"


def _migration() -> ModuleType:
    spec = importlib.util.spec_from_file_location("m1710", VERSIONS / "1710_workflow_checks.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_the_migrations_sets_are_the_enums() -> None:
    m = _migration()
    enums = {
        "reimb_application": ApplicationStatus,
        "reimb_payment_batch": ReimbBatchStatus,
        "clearing_statement": StatementStatus,
        "hospital_payment_batch": HospitalBatchStatus,
        "warning_entry": WatchStatus,
        "check_finding": FindingStatus,
    }
    for table, enum in enums.items():
        assert set(m.STATUSES[table]) == {e.value for e in enum}, table


def _dummy(col: sa.Column[Any]) -> Any:
    t = col.type
    if isinstance(t, sa.Boolean):
        return False
    if isinstance(t, sa.Integer | sa.Numeric):
        return 1
    if isinstance(t, sa.DateTime):
        return dt.datetime(2026, 1, 1)
    if isinstance(t, sa.Date):
        return dt.date(2026, 1, 1)
    if isinstance(t, sa.JSON):
        return {}
    if isinstance(t, sa.LargeBinary):
        return b"x"
    return "x"


def _row(table: sa.Table, **values: Any) -> dict[str, Any]:
    row = {
        c.name: _dummy(c)
        for c in table.columns
        if not c.nullable and c.server_default is None and c.autoincrement is not True
    }
    row.update(values)
    return row


@pytest.mark.parametrize(
    ("table", "good", "bad"),
    [
        ("reimb_application", {"status": "in_review"}, {"status": "approvedd"}),
        ("reimb_payment_batch", {"status": "exported"}, {"status": "lost"}),
        ("clearing_statement", {"status": "compared"}, {"status": "paid twice"}),
        ("hospital_payment_batch", {"status": "created"}, {"status": ""}),
        ("warning_entry", {"status": "new"}, {"status": "ignored"}),
        ("check_finding", {"status": "open"}, {"status": "forgotten"}),
        ("recon_difference", {"status": "open"}, {"status": "hidden"}),
        ("reimb_claim", {"maf_pay": 0, "tilt_pay": 0}, {"maf_pay": -1}),
        ("claw_back", {"amount": 0}, {"amount": -100}),
        ("person_enrolment", {"self_paid_fen": 0}, {"self_paid_fen": -1}),
    ],
)
def test_the_database_refuses_what_no_workflow_allows(
    db_url: str, table: str, good: dict[str, Any], bad: dict[str, Any]
) -> None:
    t = Base.metadata.tables[table]
    engine = make_engine(db_url)
    pg = engine.dialect.name == "postgresql"

    def insert(values: dict[str, Any]) -> None:
        # foreign keys off for the dummy row: the CHECK is what is under test
        with engine.connect() as c:
            if not pg:  # outside a transaction, or SQLite ignores it
                c.connection.dbapi_connection.execute("PRAGMA foreign_keys = OFF")  # type: ignore[union-attr]
            with c.begin():
                if pg:
                    c.exec_driver_sql("SET LOCAL session_replication_role = replica")
                c.execute(t.insert().values(**values))

    insert(_row(t, **good))
    with pytest.raises(IntegrityError):
        insert(_row(t, **(good | bad)))
    engine.dispose()
