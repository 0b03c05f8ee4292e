"""The registry service on SQLite and PostgreSQL: persons found by keyed hash, identity
maintenance with audit, 就高不就低 display, and no ID number or name in clear at rest."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from registry_data import bad_check_digit, certno, csv_text
from sqlalchemy import select
from sqlalchemy.engine import make_url

from jiuzhu.adapters.db.tables import AuditLog
from jiuzhu.adapters.db.uow import UnitOfWork, audit_trail
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import Conflict, InputError, NotFound
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.identity_import import import_identities
from jiuzhu.wire import registry

D = dt.date


def test_person_lookup_by_hash_and_conflicts(uow: UnitOfWork) -> None:
    with uow.begin() as s:
        registry.create_person(s, "clerk", "P1", certno(1).lower(), "张三丰", "H1", "640104")
    with uow.read() as s:
        assert registry.find_person(s, certno=certno(1)).psn_no == "P1"  # type: ignore[union-attr]
        total, items = registry.search_persons(s, certno(1))
        assert total == 1 and items[0]["certno"] == certno(1)[0] + "*" * 16 + certno(1)[-1]
        assert items[0]["name"] == "张*丰"
        assert registry.search_persons(s, "H1")[0] == 1
    with uow.begin() as s, pytest.raises(Conflict):
        registry.create_person(s, "clerk", "P2", certno(1), "李四")
    with uow.begin() as s, pytest.raises(InputError) as exc:
        registry.create_person(s, "clerk", "P3", bad_check_digit(certno(3)), "王五")
    assert exc.value.field == "certno"
    with uow.read() as s, pytest.raises(NotFound):
        registry.get_person(s, "nobody")


def test_identity_add_end_change_audited_and_overlaps_refused(uow: UnitOfWork) -> None:
    with uow.begin() as s:
        registry.create_person(s, "clerk", "P1", certno(1), "张三")
        i = registry.add_identity(s, "clerk", "P1", "guer", D(2024, 1, 1), None, "yibao", "民发1号")
        iid = i.id
    with uow.begin() as s, pytest.raises(Conflict):
        registry.add_identity(s, "clerk", "P1", "guer", D(2024, 6, 1))
    with uow.begin() as s, pytest.raises(InputError):  # civil affairs does not give youfu
        registry.add_identity(s, "clerk", "P1", "youfu", D(2024, 6, 1), source="minzheng")
    with uow.begin() as s:
        registry.end_identity(s, "clerk", iid, D(2024, 12, 31))
        registry.add_identity(s, "clerk", "P1", "guer", D(2025, 2, 1))
    with uow.begin() as s, pytest.raises(Conflict):  # reopening would overlap the new span
        registry.change_identity(s, "clerk", iid, clear_enddate=True)
    with uow.read() as s:
        trail = audit_trail(
            s, "person_identity", registry.identity_key("P1", "guer", D(2024, 1, 1))
        )
        assert [a.action for a in trail] == ["add", "end"]
        assert trail[1].before["enddate"] is None  # type: ignore[index]
        assert trail[1].after["enddate"] == "2024-12-31"  # type: ignore[index]
        person_audit = audit_trail(s, "person", "P1")[0].after
        assert person_audit["certno"].count("*") == 16 and person_audit["name"] == "张*"  # type: ignore[index]


def test_multiple_identities_highest_marked(uow: UnitOfWork) -> None:
    """宁医保发〔2023〕102号 第十四条 class order: 一 特困 > 二 低保 > 三 低保边缘; 新疆规程 第五条."""
    with uow.begin() as s:
        registry.create_person(s, "clerk", "P1", certno(1), "张三")
        registry.add_identity(s, "clerk", "P1", "bianyuan", D(2023, 1, 1))
        registry.add_identity(s, "clerk", "P1", "dibao", D(2024, 1, 1), D(2024, 12, 31))
        registry.add_identity(s, "clerk", "P1", "youfu", D(2024, 1, 1))
    ningxia = RegionPolicy.load("ningxia")
    with uow.read() as s:
        d = registry.person_detail(s, "P1", ningxia, D(2024, 6, 1))
        marks = {i["code"]: (i["valid"], i["highest"]) for i in d["identities"]}
        assert marks == {
            "bianyuan": (True, False),
            "dibao": (True, True),
            "youfu": (True, False),
        }
        assert d["highest_identity"] == "dibao"
        assert (
            registry.person_detail(s, "P1", ningxia, D(2025, 1, 1))["highest_identity"]
            == "bianyuan"
        )
    # an identity without a class only when nothing else applies (calc-contract §4)
    assert registry.highest_code(["youfu"], ningxia) == "youfu"
    assert registry.highest_code(["youfu", "bianyuan"], ningxia) == "bianyuan"


def test_identity_names_table() -> None:
    r = registry.resolve_identity_code
    assert r("特困人员") == "tekun" and r("特困供养人员") == "tekun"
    assert r("低保对象") == "dibao" and r("最低生活保障对象") == "dibao"
    assert r("事实无人抚养儿童") == "wurenfuyang" and r("重度残疾人") == "zhongcan"
    assert r("X9", {"X9": "jiance"}) == "jiance" and r("nonsense") is None


def test_raw_database_holds_no_id_number_or_name(
    db_url: str, uow: UnitOfWork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Encryption at rest: grep the SQLite file (and its WAL) for the clear values."""
    if not db_url.startswith("sqlite"):
        pytest.skip("the byte-level check reads the SQLite file")
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    rows = [
        (f"P{n}", certno(n), name, "dibao", "2024-01-01", "")
        for n, name in ((1, "张三丰"), (2, "欧阳小明"), (3, "李寻欢"))
    ]
    res = import_identities(uow, "l.csv", csv_text(rows).encode(), "minzheng", actor="t")
    assert res.counts["added"] == 3
    with uow.begin() as s:
        registry.create_person(s, "clerk", "P9", certno(9), "诸葛孔明")
    uow.engine.dispose()
    db = Path(make_url(db_url).database or "")
    blob = b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    assert len(blob) > 10_000
    for n, name in ((1, "张三丰"), (2, "欧阳小明"), (3, "李寻欢"), (9, "诸葛孔明")):
        assert certno(n).encode() not in blob
        assert name.encode("utf-8") not in blob
        assert name.encode("utf-16-le") not in blob
    assert b"P9" in blob  # the file is readable: the person number is there
    get_settings.cache_clear()


def test_audit_entries_are_masked(uow: UnitOfWork) -> None:
    with uow.begin() as s:
        registry.create_person(s, "clerk", "P1", certno(1), "张三丰")
        registry.add_identity(s, "clerk", "P1", "tekun", D(2024, 1, 1))
    with uow.read() as s:
        text = json.dumps(
            [(a.before, a.after) for a in s.scalars(select(AuditLog))], ensure_ascii=False
        )
    assert certno(1) not in text and "张三丰" not in text and "张*丰" in text
