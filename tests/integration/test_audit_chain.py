"""Issue 8 item 5: `jiuzhu audit verify` finds an edited, a deleted and a reordered
record (before: the trail had no signature, any UPDATE or DELETE went unnoticed)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.uow import UnitOfWork, audit

JIUZHU = str(Path(sys.executable).parent / "jiuzhu")


def _records(db_url: str, n: int = 6) -> None:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    for i in range(n):
        with uow.begin() as s:
            audit(s, "staff:alice", "change", "person", f"P{i}", {"v": i}, {"v": i + 1})
    engine.dispose()


def _verify(db_url: str) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, JIUZHU_DATABASE_URL=db_url, COLUMNS="200")
    return subprocess.run(
        [JIUZHU, "audit", "verify"], env=env, capture_output=True, text=True, timeout=120
    )


def _sql(db_url: str, sql: str) -> None:
    engine = make_engine(db_url)
    with engine.begin() as c:
        c.execute(text(sql))
    engine.dispose()


def test_an_intact_trail_verifies(db_url: str) -> None:
    _records(db_url)
    r = _verify(db_url)
    assert r.returncode == 0, r.stderr
    assert "records 6, 已封存 sealed 6" in r.stdout and "intact" in r.stdout


@pytest.mark.parametrize(
    ("tamper", "finding"),
    [
        ("UPDATE audit_log SET actor = 'staff:mallory' WHERE entity_id = 'P2'", "edited"),
        ("DELETE FROM audit_log WHERE entity_id = 'P2'", "deleted"),
        ("UPDATE audit_log SET seq = 100 + seq WHERE entity_id IN ('P2', 'P3')", "deleted"),
        (
            "UPDATE audit_log SET seq = CASE entity_id WHEN 'P2' THEN -4 ELSE -3 END "
            "WHERE entity_id IN ('P2', 'P3')",
            "",
        ),
        ("DELETE FROM audit_log WHERE entity_id = 'P5'", "deleted at the end"),
    ],
    ids=["edited", "deleted", "moved", "reordered", "truncated"],
)
def test_verify_finds_tampering(db_url: str, tamper: str, finding: str) -> None:
    _records(db_url)
    assert _verify(db_url).returncode == 0
    if "THEN -4" in tamper:  # swap the positions of two records (two steps: seq is unique)
        _sql(db_url, tamper)
        _sql(db_url, "UPDATE audit_log SET seq = -seq WHERE seq < 0")
        finding = "chain broken"
    else:
        _sql(db_url, tamper)
    r = _verify(db_url)
    assert r.returncode == 1, r.stdout
    assert finding in r.stderr


def _head(db_url: str) -> tuple[int, str]:
    engine = make_engine(db_url)
    with engine.connect() as c:
        row = c.execute(text("SELECT seq, chain FROM audit_seal WHERE id = 1")).one()
    engine.dispose()
    return int(row[0]), str(row[1])


def test_records_written_sealed_join_the_chain_after_those_waiting(db_url: str) -> None:
    """A bulk writer (an import's changes) chains its records as it writes them: a record
    still waiting is chained first, a rollback moves neither records nor head, and the
    whole trail verifies, tamper included."""
    import datetime as dt

    from jiuzhu.adapters.audit_chain import append_sealed

    _records(db_url, 2)  # sealed after their commits: positions 1 and 2
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    at = dt.datetime(2026, 12, 1, 8, 0, 0)
    rows = [
        (at, "staff:bob", "import_end", "person_identity", f"B{i}", None, '{"v": 1}')
        for i in range(5)
    ]
    with uow.begin() as s:
        audit(s, "staff:alice", "change", "person", "W", None, {"v": 0})  # not sealed yet
        s.flush()
        append_sealed(s, rows)
    with engine.connect() as c:
        got = c.execute(text("SELECT entity_id, seq FROM audit_log ORDER BY seq")).all()
    assert [r[0] for r in got] == ["P0", "P1", "W", "B0", "B1", "B2", "B3", "B4"]
    assert [r[1] for r in got] == [1, 2, 3, 4, 5, 6, 7, 8]
    before = _head(db_url)
    assert before[0] == 8
    with pytest.raises(RuntimeError), uow.begin() as s:
        append_sealed(s, rows)
        raise RuntimeError("rolled back")
    assert _head(db_url) == before
    r = _verify(db_url)
    assert r.returncode == 0, r.stderr
    assert "records 8, 已封存 sealed 8" in r.stdout
    _sql(db_url, "UPDATE audit_log SET entity_id = 'B9' WHERE entity_id = 'B2'")
    r = _verify(db_url)
    assert r.returncode == 1 and "edited" in r.stderr
    engine.dispose()
