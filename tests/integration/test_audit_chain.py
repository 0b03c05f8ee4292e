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
