"""Property (issue 8 item 1, calc-contract §10 as updated): any list of overlapping or
touching spans of one person, imported in any order and split over any number of files
and sources, leaves the registry valid on exactly the union of the list's spans, and the
service then pays what `jiuzhu calc` pays for the same rows."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from registry_data import HEADER, certno, csv_text
from sqlalchemy import select

from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import PersonIdentity
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.config import get_settings
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import format_fen
from jiuzhu.services.batch import readers, reference
from jiuzhu.services.identity_import import import_identities
from jiuzhu.services.settlement import settle

D = dt.date
FIRST = D(2024, 1, 1)
DAYS = 420  # 2024-01-01 … 2025-02-23
CODES = ("dibao", "tekun", "bianyuan")  # classes 二, 一, 三 in ningxia; minzheng's and yibao's
POLICY = RegionPolicy.load("ningxia")
_person = itertools.count(1)


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


span = st.tuples(
    st.sampled_from(CODES),
    st.integers(0, DAYS - 1),  # first day, as an offset from FIRST
    st.one_of(st.none(), st.integers(0, 150)),  # length − 1, or still valid
)
stay = st.tuples(st.integers(0, DAYS - 20), st.integers(0, 15), st.integers(1, 60_000_00))


@st.composite
def scenario(draw: st.DrawFn) -> tuple[list[tuple[str, D, D | None]], list[list[int]], list[str]]:
    rows = [
        (code, FIRST + dt.timedelta(days=b), None if n is None else FIRST + dt.timedelta(b + n))
        for code, b, n in draw(st.lists(span, min_size=1, max_size=7))
    ]
    order = draw(st.permutations(range(len(rows))))
    cuts = sorted(draw(st.sets(st.integers(1, max(1, len(rows) - 1)), max_size=3)))
    files = [list(order[a:b]) for a, b in itertools.pairwise([0, *cuts, len(rows)]) if a < b]
    sources = [draw(st.sampled_from(("minzheng", "yibao"))) for _ in files]
    return rows, files, sources


def _cells(row: tuple[str, D, D | None]) -> tuple[str, str, str]:
    code, b, e = row
    return code, b.isoformat(), e.isoformat() if e else ""


def _valid_days(spans: list[tuple[str, D, D | None]], code: str) -> set[D]:
    out: set[D] = set()
    for c, b, e in spans:
        if c == code:
            last = min(e or D(2025, 12, 31), FIRST + dt.timedelta(days=DAYS + 200))
            out.update(b + dt.timedelta(days=i) for i in range((last - b).days + 1))
    return out


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=scenario(), stays=st.lists(stay, min_size=1, max_size=4))
def test_any_order_any_split_is_the_union_and_pays_as_calc(
    db_url: str,
    tmp_path: Path,
    case: tuple[list[tuple[str, D, D | None]], list[list[int]], list[str]],
    stays: list[tuple[int, int, int]],
) -> None:
    rows, files, sources = case
    n = next(_person)
    psn = f"U{n:05d}"
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    try:
        for k, (idx, source) in enumerate(zip(files, sources, strict=True)):
            lines = [(psn, certno(n), "张三", *_cells(rows[i])) for i in idx]
            res = import_identities(
                uow, f"f{k}.csv", csv_text(lines, HEADER).encode(), source, actor="t"
            )
            assert not res.refused, res.errors
        with uow.read() as s:
            stored = [
                (i.code, i.begndate, i.enddate)
                for i in s.scalars(select(PersonIdentity).where(PersonIdentity.psn_no == psn))
            ]
        for code in CODES:
            assert _valid_days(stored, code) == _valid_days(rows, code), code

        # the same rows through `jiuzhu calc`'s reader, and claims through both paths
        ids = tmp_path / f"ids-{n}.csv"
        ids.write_text(
            "psn_no,identity,begndate,enddate\n"
            + "".join(f"{psn},{c},{b},{e or ''}\n" for c, b, e in rows),
            "utf-8",
        )
        spans = readers.read_identities(ids)
        claims = [
            Claim(
                f"{psn}-{j}",
                psn,
                dt.datetime.combine(FIRST + dt.timedelta(days=b + ln), dt.time(10, 0, j)),
                "21",
                FIRST + dt.timedelta(days=b),
                FIRST + dt.timedelta(days=b + ln),
                base,
                0,
                0,
            )
            for j, (b, ln, base) in enumerate(stays)
        ]
        want = {a.setl_id: a for a in reference.run_claims(claims, spans, POLICY).assessments}
        for c in sorted(claims, key=Claim.order_key):
            got = settle(uow, POLICY, c, source="import", actor="t").answer
            e = want[c.setl_id]
            assert (got["identity"] or None, got["maf_pay"], got["tilt_pay"]) == (
                e.identity or None,
                format_fen(e.maf_pay),
                format_fen(e.tilt_pay),
            ), c
    finally:
        engine.dispose()
