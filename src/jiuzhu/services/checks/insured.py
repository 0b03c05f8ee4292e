"""参保登记名单: who is enrolled where in a year, from another region or the insurance
system, for the check "重复参保" (梅州规程 第二十条（二）).

CSV or XLSX with ``certno,year,region[,scheme]`` (Chinese ``身份证号码,年度,参保地,险种``;
险种 居民 / 职工, default 居民). Every row is checked first (a valid ID number, a year,
a region); any bad row ends the import naming file, line and column, and nothing is
written. A person is found by the keyed hash of the ID number; the number itself is not
stored. The rule (``enrol_duplicate`` in rules.py) counts, per keyed hash and year, the
registry's own subsidised enrolment and these records.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import insert, select

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.insured_tables import InsuredRecord
from jiuzhu.adapters.db.tables import Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.errors import InputError
from jiuzhu.domain.pii import certno_problem, normalise_certno
from jiuzhu.services.identity_import import read_table

ALIASES = {
    "身份证号码": "certno",
    "公民身份号码": "certno",
    "年度": "year",
    "参保年度": "year",
    "参保地": "region",
    "统筹区": "region",
    "险种": "scheme",
}
SCHEMES = {"居民": "resident", "居民医保": "resident", "resident": "resident",
           "职工": "employee", "职工医保": "employee", "employee": "employee"}  # fmt: skip
SOURCES = {"other_region": "其他统筹区", "province": "省级医保信息平台（跨统筹区比对）"}
"""Lists of enrolments outside this pooling area's own registry (its own subsidised
enrolment is the registry's ``person_enrolment``)."""


@dataclass(frozen=True)
class InsuredImport:
    rows: int
    matched: int


def import_insured(
    uow: UnitOfWork, name: str, data: bytes, source: str, *, actor: str
) -> InsuredImport:
    if source not in SOURCES:
        raise InputError(f"unknown source {source!r}; one of {', '.join(SOURCES)}", column="source")
    header, rows = read_table(name, data)
    idx = {ALIASES.get(h.strip(), h.strip()): i for i, h in enumerate(header)}
    for col in ("certno", "year", "region"):
        if col not in idx:
            raise InputError("missing column", file=name, line=1, column=col)

    def cell(cells: list[str], col: str) -> str:
        i = idx.get(col)
        return cells[i].strip() if i is not None and i < len(cells) else ""

    parsed: list[tuple[int, str, int, str, str]] = []
    for line, cells in rows:
        if not any(c.strip() for c in cells):
            continue
        cert = normalise_certno(cell(cells, "certno"))
        problem = certno_problem(cert)
        if problem:
            raise InputError(problem, file=name, line=line, column="certno")
        raw_year = cell(cells, "year")
        if not (raw_year.isdigit() and len(raw_year) == 4 and 1990 <= int(raw_year) <= 2100):
            raise InputError(f"not a year: {raw_year!r}", file=name, line=line, column="year")
        region = cell(cells, "region")
        if not region or len(region) > 40:
            raise InputError(
                f"not a pooling area: {region!r}", file=name, line=line, column="region"
            )
        raw_scheme = cell(cells, "scheme") or "居民"
        scheme = SCHEMES.get(raw_scheme)
        if scheme is None:
            raise InputError(
                f"unknown scheme {raw_scheme!r}; 居民 or 职工",
                file=name,
                line=line,
                column="scheme",
            )
        parsed.append((line, cert, int(raw_year), region, scheme))
    hashes = get_cipher().lookup_hashes(c for _, c, _, _, _ in parsed)
    with uow.begin() as s:
        persons = {
            h: psn
            for h, psn in s.execute(
                select(Person.certno_hash, Person.psn_no).where(Person.certno_hash.in_(set(hashes)))
            )
        }
        values = [
            {"certno_hash": h, "psn_no": persons.get(h), "year": y, "region": r, "scheme": sc,
             "source": source, "batch_file": name[-200:], "line": line}
            for h, (line, _, y, r, sc) in zip(hashes, parsed, strict=True)
        ]  # fmt: skip
        for i in range(0, len(values), 5000):
            s.execute(insert(InsuredRecord), values[i : i + 5000])
        matched = sum(1 for v in values if v["psn_no"])
        audit(s, actor, "insured_list_import", "insured_record", name[-100:], None,
              {"source": source, "rows": len(values), "matched": matched})  # fmt: skip
    return InsuredImport(len(values), matched)
