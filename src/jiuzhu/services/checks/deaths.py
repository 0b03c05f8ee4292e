"""Death list 死亡名单 from civil affairs (民政) or public security (公安), with dates.

梅州规程 第二十条（一）(生存状态) and 第二十一条（二）(已死亡人员). CSV or XLSX with
``certno,death_date`` (Chinese ``身份证号码,死亡日期``; ``psn_name`` ignored). Every row
is checked first (a valid ID number, a date not in the future); any bad row ends the
import naming file, line and column, and nothing is written. A person is found by the
keyed hash of the ID number; the number itself is not stored with the record.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.warning_tables import DeathRecord
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.pii import certno_problem, normalise_certno
from jiuzhu.services.identity_import import parse_date, read_table

DEATH_SOURCES = {"minzheng": "民政部门", "gongan": "公安部门"}
ALIASES = {"身份证号码": "certno", "公民身份号码": "certno", "死亡日期": "death_date"}


@dataclass(frozen=True)
class DeathImport:
    rows: int
    added: int
    matched: int


def import_deaths(
    uow: UnitOfWork, name: str, data: bytes, source: str, *, actor: str
) -> DeathImport:
    if source not in DEATH_SOURCES:
        raise InputError(
            f"unknown source {source!r}; one of {', '.join(DEATH_SOURCES)}", column="source"
        )
    header, rows = read_table(name, data)
    idx = {ALIASES.get(h.strip(), h.strip()): i for i, h in enumerate(header)}
    for col in ("certno", "death_date"):
        if col not in idx:
            raise InputError("missing column", file=name, line=1, column=col)
    today = dt.date.today()
    parsed: list[tuple[str, dt.date]] = []
    for line, cells in rows:
        cert = normalise_certno(cells[idx["certno"]] if idx["certno"] < len(cells) else "")
        problem = certno_problem(cert)
        if problem:
            raise InputError(problem, file=name, line=line, column="certno")
        raw = cells[idx["death_date"]].strip() if idx["death_date"] < len(cells) else ""
        d = parse_date(raw)
        if d is None or d > today:
            raise InputError(
                f"not a date of death: {raw!r}", file=name, line=line, column="death_date"
            )
        parsed.append((cert, d))
    cipher = get_cipher()
    hashes = cipher.lookup_hashes(c for c, _ in parsed)
    added = matched = 0
    with uow.begin() as s:
        known = set(s.scalars(select(DeathRecord.certno_hash).where(DeathRecord.source == source)))
        persons = {
            h: psn
            for h, psn in s.execute(
                select(Person.certno_hash, Person.psn_no).where(Person.certno_hash.in_(set(hashes)))
            )
        }
        for h, (_, d) in zip(hashes, parsed, strict=True):
            if h in known:
                continue
            known.add(h)
            psn = persons.get(h)
            matched += psn is not None
            s.add(
                DeathRecord(
                    certno_hash=h, psn_no=psn, death_date=d, source=source, batch_file=name[-200:]
                )
            )
            added += 1
        audit(s, actor, "death_list_import", "death_record", name[-100:], None,
              {"source": source, "rows": len(parsed), "added": added, "matched": matched})  # fmt: skip
    return DeathImport(len(parsed), added, matched)
