"""The monthly comparison on columns equals the reference path (issue 11): the same plan —
rows added, spans changed, rows covered, the count unchanged, spans ended, merges reported
(calc-contract §10 union rule) — on generated registries and lists with overlapping spans
from two sources, full lists and change lists, on SQLite and PostgreSQL. The report and
the writes are made from the plan by one code path, so equal plans give equal reports."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
from registry_data import HEADER, certno, csv_text

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.config import get_settings
from jiuzhu.services.identity_import import _reference_plan, import_identities
from jiuzhu.services.identity_import.columnar import Plan, plan
from jiuzhu.services.identity_import.report import ImportResult

D = dt.date
MINZHENG = ("tekun", "guer", "dibao", "gaoling", "bianyuan")


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def _day(rnd: random.Random) -> D:
    return D(2023, 1, 1) + dt.timedelta(days=rnd.randrange(700))


def _end(rnd: random.Random, beg: D) -> str:
    return "" if rnd.random() < 0.5 else (beg + dt.timedelta(days=rnd.randrange(400))).isoformat()


def _lists(seed: int) -> tuple[list[tuple[str, ...]], list[tuple[str, ...]], list[tuple[str, ...]]]:
    """The registry's first minzheng list, a yibao list over some of the same persons and
    identities (overlapping spans), and next month's minzheng list: rows kept, ends moved,
    persons gone, persons new, a second span of one identity overlapping or touching."""
    rnd = random.Random(seed)
    people = [(f"P{k:05d}", certno(k + 1000 * seed % 997), "张三") for k in range(40)]
    first: list[tuple[str, ...]] = []
    for psn, cert, name in people[:30]:
        for code in rnd.sample(MINZHENG, rnd.choice((1, 1, 2))):
            b = _day(rnd)
            first.append((psn, cert, name, code, b.isoformat(), _end(rnd, b)))
    yibao = []
    for row in rnd.sample(first, 8):
        b = D.fromisoformat(row[4]) + dt.timedelta(days=rnd.randrange(-30, 90))
        yibao.append((*row[:4], b.isoformat(), _end(rnd, b)))
    nxt: list[tuple[str, ...]] = []
    for row in first:
        u = rnd.random()
        if u < 0.15:
            continue  # gone from the list
        if u < 0.35:
            b = D.fromisoformat(row[4])
            nxt.append((*row[:5], _end(rnd, b)))  # the end moved (or opened, or the same)
        else:
            nxt.append(row)
        if rnd.random() < 0.15:  # a second span of the same identity, overlapping or touching
            b = D.fromisoformat(row[4]) + dt.timedelta(days=rnd.randrange(1, 200))
            nxt.append((*row[:4], b.isoformat(), _end(rnd, b)))
    for psn, cert, name in people[30:]:
        b = _day(rnd)
        nxt.append((psn, cert, name, rnd.choice(MINZHENG), b.isoformat(), _end(rnd, b)))
    rnd.shuffle(nxt)
    return first, yibao, nxt


def _same(fast: Plan, ref: Plan) -> None:
    assert fast.added == ref.added
    assert fast.changed == ref.changed
    assert fast.covered == ref.covered
    assert fast.unchanged == ref.unchanged
    assert fast.ends == ref.ends
    assert fast.kept == ref.kept == []
    assert fast.merges == ref.merges
    assert (fast.lines, fast.valid) == (ref.lines, ref.valid)
    for k, ex in fast.existing.items():
        assert ref.existing[k] == ex
    for psn, known in fast.by_psn.items():
        assert ref.by_psn[psn] == known
    assert {r.psn_no for r in fast.added} - set(fast.by_psn) == {
        r.psn_no for r in ref.added if r.psn_no not in ref.by_psn
    }
    for cert, h in fast.hash_of.items():
        assert ref.hash_of[cert] == h
    assert {r.certno for r in fast.added} <= set(fast.hash_of)


def _plans(uow: UnitOfWork, data: bytes, full: bool) -> tuple[Plan | None, Plan]:
    as_of = D(2025, 2, 1)
    with uow.read() as s:
        fast = plan(s.connection(), "next.csv", data, "minzheng", full, as_of, None,
                    get_cipher())  # fmt: skip
        res = ImportResult(file="next.csv", source="minzheng", mode="full", as_of=as_of, sha256="")
        ref, errors = _reference_plan(
            s, "next.csv", data, "minzheng", full, as_of, None, None, res, 0.0
        )
    assert errors == []
    return fast, ref


@pytest.mark.parametrize("seed", range(6))
def test_columnar_plan_equals_the_reference(uow: UnitOfWork, seed: int) -> None:
    first, yibao, nxt = _lists(seed)
    for rows, source, full in ((first, "minzheng", True), (yibao, "yibao", False)):
        r = import_identities(uow, "x.csv", csv_text(rows).encode(), source, actor="t",
                              full_list=full, as_of=D(2025, 1, 1), columnar=False)  # fmt: skip
        assert not r.refused, r.errors[:3]
    data = csv_text(nxt).encode()
    merges = 0
    for full in (True, False):
        fast, ref = _plans(uow, data, full)
        assert fast is not None
        _same(fast, ref)
        merges += len(ref.merges)
    # the whole import, both ways, counts alike (and the columnar one is what is written)
    r = import_identities(uow, "next.csv", data, "minzheng", actor="t", full_list=True,
                          as_of=D(2025, 2, 1))  # fmt: skip
    assert not r.refused and r.counts["rows"] == len(nxt)


def test_generated_lists_reach_every_kind_of_row(uow: UnitOfWork) -> None:
    """Across the seeds the plans hold additions, changes, covered rows, ends and merges
    (so the equality above is not vacuous)."""
    seen = {"added": 0, "changed": 0, "covered": 0, "ended": 0, "merged": 0}
    for seed in range(6):
        first, yibao, nxt = _lists(seed)
        for rows, source, full in ((first, "minzheng", True), (yibao, "yibao", False)):
            import_identities(uow, f"{seed}-{source}.csv", csv_text(
                [(f"S{seed}{r[0]}", certno(int(r[0][1:]) + 100 * seed + 7), *r[2:]) for r in rows]
            ).encode(), source, actor="t", full_list=full, as_of=D(2025, 1, 1), columnar=False)  # fmt: skip
        data = csv_text(
            [(f"S{seed}{r[0]}", certno(int(r[0][1:]) + 100 * seed + 7), *r[2:]) for r in nxt]
        ).encode()
        for full in (True, False):
            fast, ref = _plans(uow, data, full)
            if fast is None:
                continue  # this list names too small a part of the registry by now
            _same(fast, ref)
            seen["added"] += len(ref.added)
            seen["changed"] += len(ref.changed)
            seen["covered"] += len(ref.covered)
            seen["ended"] += len(ref.ends)
            seen["merged"] += len(ref.merges)
    assert all(v > 0 for v in seen.values()), seen


def test_what_the_columnar_path_leaves_to_the_reference(uow: UnitOfWork) -> None:
    """A recognition twice in the file, an invalid row, a GB18030 file: None (the reference
    path merges, names the error, decodes)."""
    rows = [("P1", certno(1), "张三", "dibao", "2024-01-01", "")]
    twice = csv_text(rows + [("P1", certno(1), "张三", "dibao", "2024-01-01", "2024-12-31")])
    bad = csv_text([("P1", certno(1)[:17] + "Y", "张三", "dibao", "2024-01-01", "")])
    other_date = csv_text([("P1", certno(1), "张三", "dibao", "2024/1/1", "")])
    as_of = D(2025, 2, 1)
    with uow.read() as s:
        for data in (twice.encode(), bad.encode(), csv_text(rows).encode("gb18030"),
                     other_date.encode()):  # fmt: skip
            assert plan(s.connection(), "l.csv", data, "minzheng", True, as_of, None,
                        get_cipher()) is None  # fmt: skip
        assert plan(s.connection(), "l.csv", csv_text(rows).encode(), "minzheng", True, as_of,
                    None, get_cipher()) is not None  # fmt: skip


def test_header_in_chinese_is_read_alike(uow: UnitOfWork) -> None:
    zh = "人员编号,身份证号码,姓名,身份类别,开始日期,结束日期"
    rows = [("P1", certno(1), "张三", "低保", "2024-01-01", ""),
            ("P2", certno(2), "李四", "特困", "2024-02-01", "2024-12-31")]  # fmt: skip
    data = csv_text(rows, zh).encode("utf-8-sig")
    fast, ref = _plans(uow, data, True)
    assert fast is not None
    _same(fast, ref)
    assert [r.code for r in fast.added] == ["dibao", "tekun"]
    assert HEADER  # the contract header is the other form tested above
