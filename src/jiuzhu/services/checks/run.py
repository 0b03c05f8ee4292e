"""A check run: the chosen rules over the database, their findings stored once each.

On demand (`jiuzhu checks run`) or on a schedule (`jiuzhu checks run --scheduled`, which a
cron entry calls). A finding is keyed by (rule, subject): a later run does not repeat a
finding already recorded, whatever its status (``ON CONFLICT DO NOTHING`` on the unique
key). Each SQL rule is one ``INSERT … SELECT``. The run and its counts are audited.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field, replace

from sqlalchemy import DateTime, bindparam, insert, select, text
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.warning_tables import CheckRun, Finding
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import InputError
from jiuzhu.services.checks.rules import NARROW_RULES, RULES, SETTLEMENT_COLUMNS, Options, Rule

CHUNK = 5000


@dataclass
class RunResult:
    run_id: int
    found: dict[str, int] = field(default_factory=dict)
    """New findings per rule."""
    skipped: dict[str, str] = field(default_factory=dict)
    """Rules not run, and why (an operator number not given)."""
    seconds: dict[str, str] = field(default_factory=dict)
    """Time each rule took (query and inserts), for the operator and the bench."""


_COLUMNS = (
    "run_id, rule, category, article, subject, psn_no, setl_id, institution, amount, "
    "evidence, status, created_at, updated_at"
)


def _insert_select(s: Session, run_id: int, r: Rule, sql: str, params: dict[str, object]) -> int:
    """The rule's findings inserted by the database (a subject already found is skipped)."""
    now = utcnow()
    stmt = text(
        f"INSERT INTO check_finding ({_COLUMNS}) SELECT :run_id, CAST(:rule AS VARCHAR(40)), "
        ":category, :article, "
        "x.subject, x.psn_no, x.setl_id, x.institution, x.amount, x.evidence, 'open', :now, "
        f":now FROM ({sql}) x WHERE 1 = 1 ON CONFLICT (rule, subject) DO NOTHING"
    ).bindparams(bindparam("now", type_=DateTime))
    res = s.execute(
        stmt,
        {**params, "run_id": run_id, "rule": r.name, "category": r.category,
         "article": r.article, "now": now},
    )  # fmt: skip
    return int(res.rowcount or 0)  # type: ignore[attr-defined]


def _insert_drafts(s: Session, run_id: int, r: Rule, o: Options) -> int:
    assert r.run is not None
    known = set(s.scalars(select(Finding.subject).where(Finding.rule == r.name)))
    batch: list[dict[str, object]] = []
    count = 0
    for d in r.run(s, o):
        if d.subject in known:
            continue
        known.add(d.subject)
        batch.append({
            "run_id": run_id, "rule": r.name, "category": r.category, "article": r.article,
            "subject": d.subject, "psn_no": d.psn_no, "setl_id": d.setl_id,
            "institution": d.institution, "amount": d.amount, "evidence": d.evidence,
            "status": "open",
        })  # fmt: skip
        count += 1
        if len(batch) >= CHUNK:
            s.execute(insert(Finding), batch)
            batch = []
    if batch:
        s.execute(insert(Finding), batch)
    return count


def _runnable(r: Rule, o: Options) -> bool:
    return r.needs is None or getattr(o, r.needs) is not None


def run_checks(
    uow: UnitOfWork,
    *,
    actor: str,
    rules: list[str] | None = None,
    options: Options | None = None,
    trigger: str = "demand",
) -> RunResult:
    o = options or Options()
    prepared = ""
    names = rules or list(RULES)
    for n in names:
        if n not in RULES:
            raise InputError(f"unknown rule {n!r}; rules: {', '.join(RULES)}", column="rule")
    with uow.begin() as s:
        if s.get_bind().dialect.name == "postgresql":
            # the window rules sort millions of settlements: in memory, not on disk; each
            # statement runs once, so compiling it (JIT, ~1–2 s per rule) never pays back
            s.execute(text("SET LOCAL work_mem = '256MB'"))
            s.execute(text("SET LOCAL jit = off"))
            # the narrow copy (~100 bytes a settlement) kept in this session's memory
            s.execute(text("SET LOCAL temp_buffers = '1GB'"))
            wanted = [n for n in names if n in NARROW_RULES and _runnable(RULES[n], o)]
            if len(wanted) > 1:
                # one pass over the wide settlement table (bodies, answers, traces) for all
                # the settlement rules: they read a narrow copy, dropped at the commit
                t0 = time.perf_counter()
                s.execute(
                    text(
                        "CREATE TEMPORARY TABLE check_settlement ON COMMIT DROP AS "
                        f"SELECT {SETTLEMENT_COLUMNS} FROM settlement"
                    )
                )
                s.execute(text("ANALYZE check_settlement"))
                o = replace(o, settlements="check_settlement")
                prepared = f"{time.perf_counter() - t0:.1f}"
        run = CheckRun(trigger=trigger, actor=actor, rules=names, counts={})
        s.add(run)
        s.flush()
        res = RunResult(run.id)
        if prepared:
            res.seconds["(narrow copy of the settlements)"] = prepared
        for n in names:
            r = RULES[n]
            if r.needs and getattr(o, r.needs) is None:
                res.skipped[n] = (
                    f"needs --{r.needs.replace('_', '-')} (a number the texts do not give)"
                )
                continue
            t0 = time.perf_counter()
            if r.sql is not None:
                count = _insert_select(s, run.id, r, *r.sql(s, o))
            else:
                assert r.run is not None
                count = _insert_drafts(s, run.id, r, o)
            res.found[n] = count
            res.seconds[n] = f"{time.perf_counter() - t0:.1f}"
        run.counts = {"found": res.found, "skipped": res.skipped}
        run.finished_at = utcnow()
        audit(s, actor, "check_run", "check_run", str(run.id), None,
              {"trigger": trigger, "rules": names, **run.counts})  # fmt: skip
        return res
