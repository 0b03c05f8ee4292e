"""Department list import on SQLite and PostgreSQL: change lists, full-list comparison
(新疆规程 第六条), idempotent re-import, whole-file refusal, --accept-valid, overlaps."""

from __future__ import annotations

import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import Workbook
from registry_data import HEADER, ZH_HEADER, bad_check_digit, certno, csv_text
from sqlalchemy import func, select

from jiuzhu.adapters.db.tables import AuditLog, ImportBatch, Person, PersonIdentity
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.config import get_settings
from jiuzhu.services import registry
from jiuzhu.services.identity_import import import_identities

D = dt.date


@pytest.fixture(autouse=True)
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    yield tmp_path / "var"
    get_settings.cache_clear()


def run(uow: UnitOfWork, rows: list[tuple[str, ...]], source: str = "minzheng", **kw: object):
    header = str(kw.pop("header", HEADER))
    name = str(kw.pop("name", "list.csv"))
    return import_identities(uow, name, csv_text(rows, header).encode(), source, actor="test", **kw)  # type: ignore[arg-type]


def counts(uow: UnitOfWork) -> tuple[int, int, int, int]:
    with uow.read() as s:
        return tuple(  # type: ignore[return-value]
            s.scalar(select(func.count()).select_from(t)) or 0
            for t in (Person, PersonIdentity, ImportBatch, AuditLog)
        )


def spans(uow: UnitOfWork, psn: str) -> list[tuple[str, dt.date, dt.date | None]]:
    with uow.read() as s:
        return [
            (i.code, i.begndate, i.enddate)
            for i in s.scalars(
                select(PersonIdentity)
                .where(PersonIdentity.psn_no == psn)
                .order_by(PersonIdentity.begndate)
            )
        ]


ROWS = [
    ("P1", certno(1), "张三", "dibao", "2024-01-01", ""),
    ("P2", certno(2), "欧阳小明", "tekun", "2024-02-01", "2025-12-31"),
    ("P3", certno(3), "李四", "bianyuan", "2024-03-01", ""),
]


def test_change_list_creates_persons_encrypted_and_reports_masked(uow: UnitOfWork) -> None:
    res = run(uow, ROWS)
    assert not res.refused and res.batch_id
    assert res.counts["added"] == 3 and res.counts["persons_created"] == 3
    assert spans(uow, "P2") == [("tekun", D(2024, 2, 1), D(2025, 12, 31))]
    with uow.read() as s:
        p = registry.find_person(s, certno=certno(2))
        assert p is not None and p.psn_no == "P2"
        # sex and birth date from the ID number (GB 11643: 17th digit even → female)
        assert p.birth_date == D(1960, 1, 1) and p.sex == "2"
        assert p.certno_enc and certno(2).encode() not in p.certno_enc
        summary = registry.person_summary(p)
        assert (
            summary["name"] == "欧**明"
            and summary["certno"] == certno(2)[0] + "*" * 16 + certno(2)[-1]
        )
        batch = s.get(ImportBatch, res.batch_id)
        assert batch is not None and batch.counts["added"] == 3
        trail = s.scalars(select(AuditLog).where(AuditLog.entity == "person_identity")).all()
        assert len(trail) == 3
    # nothing in clear in the report files, the batch row or the audit trail
    text = Path(res.report_json or "").read_text("utf-8") + Path(res.report_csv or "").read_text(
        "utf-8-sig"
    )
    with uow.read() as s:
        text += json.dumps([a.after for a in s.scalars(select(AuditLog))], ensure_ascii=False)
        text += json.dumps(s.get(ImportBatch, res.batch_id).report, ensure_ascii=False)  # type: ignore[union-attr]
    for _, c, n, *_ in ROWS:
        assert c not in text and n not in text
    assert "欧**明" in text


def test_reimport_is_idempotent_and_says_so(uow: UnitOfWork) -> None:
    first = run(uow, ROWS)
    before = counts(uow)
    again = run(uow, ROWS)
    assert not again.changed_anything
    assert again.counts["unchanged"] == 3 and again.counts["added"] == 0
    assert again.previous_batch == first.batch_id
    persons, identities, batches, audits = counts(uow)
    assert (persons, identities) == before[:2]
    # only the batch itself is recorded (one batch row, one audit entry for it)
    assert batches == before[2] + 1 and audits == before[3] + 1


def test_chinese_headers_names_and_operator_codes(uow: UnitOfWork) -> None:
    rows = [
        ("P1", certno(1), "张三", "特困人员", "2024/1/5", ""),
        ("P2", certno(2), "李四", "低保对象", "20240201", ""),
        ("P3", certno(3), "王五", "MZ-07", "2024.03.01", ""),
    ]
    res = run(uow, rows, header=ZH_HEADER, operator_map={"MZ-07": "bianyuan"})
    assert res.counts["added"] == 3, res.errors
    assert spans(uow, "P1") == [("tekun", D(2024, 1, 5), None)]
    assert spans(uow, "P2") == [("dibao", D(2024, 2, 1), None)]
    assert spans(uow, "P3") == [("bianyuan", D(2024, 3, 1), None)]


def test_change_list_extends_enddate_and_never_shrinks_the_union(uow: UnitOfWork) -> None:
    """calc-contract §10: valid on the union of the rows, whatever order files come in.
    A later end extends the recognition; an earlier end is covered by the registry's span
    (defect: it used to cut the identity short, so the service paid 0 where calc pays)."""
    run(uow, ROWS)
    res = run(uow, [("P2", certno(2), "欧阳小明", "tekun", "2024-02-01", "")])
    assert res.counts["changed"] == 1
    assert res.details["changed"][0]["old_enddate"] == "2025-12-31"
    assert spans(uow, "P2") == [("tekun", D(2024, 2, 1), None)]
    res = run(uow, [("P1", certno(1), "张三", "dibao", "2024-01-01", "2024-06-30")])
    assert res.counts["changed"] == 0 and res.counts["merged"] == 1
    assert not res.changed_anything
    assert res.details["merged"][0]["line"] == 2 and "union" in res.details["merged"][0]["reason"]
    assert spans(uow, "P1") == [("dibao", D(2024, 1, 1), None)]


def test_full_list_ends_the_missing_the_day_before(uow: UnitOfWork) -> None:
    """新疆规程 第六条 每月全面比对: P3 is no longer on civil affairs' list of 2025-03-01."""
    run(uow, ROWS)
    # another department's identity and the agency's own are not civil affairs' to end
    run(uow, [("P3", certno(3), "李四", "jiance", "2024-01-01", "")], source="xiangcun")
    with uow.begin() as s:
        registry.add_identity(s, "test", "P3", "youfu", D(2024, 1, 1), None, "yibao")
    res = run(uow, ROWS[:2], full_list=True, as_of=D(2025, 3, 1))
    assert res.counts["ended"] == 1 and res.counts["unchanged"] == 2
    assert spans(uow, "P3") == [
        ("jiance", D(2024, 1, 1), None),
        ("youfu", D(2024, 1, 1), None),
        ("bianyuan", D(2024, 3, 1), D(2025, 2, 28)),
    ]
    with uow.read() as s:
        ended = s.scalars(select(PersonIdentity).where(PersonIdentity.code == "bianyuan")).one()
        assert ended.ended_by_batch_id == res.batch_id
        a = s.scalars(select(AuditLog).where(AuditLog.action == "import_end")).one()
        assert a.before["enddate"] is None and a.after["enddate"] == "2025-02-28"  # type: ignore[index]
    # the same full list again: nothing more to end
    again = run(uow, ROWS[:2], full_list=True, as_of=D(2025, 3, 1))
    assert not again.changed_anything


def test_bad_file_is_refused_whole_with_line_and_column(uow: UnitOfWork) -> None:
    run(uow, ROWS)
    before = counts(uow)
    bad = [
        ("P4", certno(4), "赵六", "dibao", "2024-01-01", ""),  # fine
        ("P5", bad_check_digit(certno(5)), "钱七", "dibao", "2024-01-01", ""),
        ("P6", certno(6), "孙八", "nosuch", "2024-01-01", ""),
        ("P7", certno(7), "周九", "dibao", "2024-05-01", "2024-01-01"),
        ("P8", certno(8), "吴十", "dibao", "2024-02-30", ""),
        ("P4", certno(4), "赵六", "dibao", "2024-01-01", ""),  # same as line 2: merged
        ("P9", certno(1), "冒名", "dibao", "2024-01-01", ""),  # P1's ID number
        ("P10", certno(10), "郑一", "jiance", "2024-01-01", ""),  # not civil affairs'
    ]
    res = run(uow, bad, name="bad.csv")
    assert res.refused and res.batch_id is None
    assert counts(uow) == before  # nothing written
    got = {(e.line, e.column) for e in res.errors}
    assert got == {
        (3, "certno"),
        (4, "identity"),
        (5, "enddate"),
        (6, "begndate"),
        (8, "certno"),
        (9, "identity"),
    }
    assert all(e.file == "bad.csv" for e in res.errors)
    texts = {e.line: e.text() for e in res.errors}
    assert "check digit" in texts[3] and "bad.csv, line 3, column certno" in texts[3]
    assert 7 not in texts and "belongs to person P1" in texts[8]
    assert certno(1) not in texts[8]  # masked even in errors


def test_accept_valid_imports_the_valid_rows(uow: UnitOfWork) -> None:
    rows = [
        ("P1", certno(1), "张三", "dibao", "2024-01-01", ""),
        ("P2", bad_check_digit(certno(2)), "李四", "dibao", "2024-01-01", ""),
    ]
    res = run(uow, rows, accept_valid=True)
    assert not res.refused
    assert res.counts["added"] == 1 and res.counts["rejected"] == 1
    assert res.details["rejected"][0]["line"] == 3
    assert spans(uow, "P1") and not spans(uow, "P2")


def test_full_list_keeps_identity_of_a_rejected_row(uow: UnitOfWork) -> None:
    run(uow, ROWS)
    rows = [ROWS[0], ROWS[1], ("P3", certno(3), "李四", "bianyuan", "2024-03-01", "bad-date")]
    res = run(uow, rows, full_list=True, as_of=D(2025, 1, 1), accept_valid=True)
    assert res.counts["ended"] == 0 and res.counts["kept_rejected"] == 1
    assert spans(uow, "P3") == [("bianyuan", D(2024, 3, 1), None)]


def test_overlapping_and_touching_spans_merge_on_the_union(uow: UnitOfWork) -> None:
    """calc-contract §10 (as updated): renewals and re-recognitions that overlap or touch
    are kept, each with its batch, and valid on their union (defect: refused whole)."""
    run(uow, ROWS)
    res = run(uow, [("P1", certno(1), "张三", "dibao", "2024-06-01", "")], name="o.csv")
    assert not res.refused and res.counts["added"] == 1 and res.counts["merged"] == 1
    m = res.details["merged"][0]
    # 2024-01-01–open ∪ 2024-06-01–open = 2024-01-01–open
    assert (m["line"], m["begndate"], m["enddate"]) == (2, "2024-01-01", None)
    assert spans(uow, "P1") == [("dibao", D(2024, 1, 1), None), ("dibao", D(2024, 6, 1), None)]
    # in the same file: overlapping, touching, and the same recognition twice
    res = run(
        uow,
        [
            ("P5", certno(5), "钱七", "dibao", "2024-01-01", "2024-12-31"),
            ("P5", certno(5), "钱七", "dibao", "2024-12-01", "2025-03-31"),
            ("P5", certno(5), "钱七", "dibao", "2025-04-01", "2025-06-30"),  # touches
            ("P5", certno(5), "钱七", "dibao", "2025-04-01", "2025-05-31"),  # same start
            ("P5", certno(5), "钱七", "dibao", "2025-08-01", ""),  # a gap in July
        ],
    )
    assert not res.refused, res.errors
    assert res.counts["added"] == 4 and res.counts["merged"] == 4
    assert [m["line"] for m in res.details["merged"]] == [2, 3, 4, 5]
    # 01-01–12-31 ∪ 12-01–03-31 ∪ 04-01–06-30 = 2024-01-01–2025-06-30; line 5 merges into 4
    assert {(m["begndate"], m["enddate"]) for m in res.details["merged"]} == {
        ("2024-01-01", "2025-06-30")
    }
    assert spans(uow, "P5")[-1] == ("dibao", D(2025, 8, 1), None)
    with uow.read() as s:
        batch = s.get(ImportBatch, res.batch_id)
        assert batch is not None and batch.counts["merged"] == 4
        assert len(batch.report["details"]["merged"]) == 4  # type: ignore[index]
    csv_report = Path(res.report_csv or "").read_text("utf-8-sig")
    assert sum(ln.startswith("合并,") for ln in csv_report.splitlines()) == 4
    # across sources: the agency's own recognition next to civil affairs'
    res = run(uow, [("P5", certno(5), "钱七", "dibao", "2025-07-01", "2025-07-31")], "yibao")
    assert res.counts["added"] == 1 and res.counts["merged"] == 1
    assert res.details["merged"][0]["begndate"] == "2024-01-01"
    assert res.details["merged"][0]["enddate"] is None


def test_full_list_with_new_span_from_as_of(uow: UnitOfWork) -> None:
    """Re-recognised from the as-of day: the old span ends the day before, the new starts."""
    run(uow, ROWS)
    res = run(
        uow,
        [("P1", certno(1), "张三", "dibao", "2025-03-01", ""), ROWS[1], ROWS[2]],
        full_list=True,
        as_of=D(2025, 3, 1),
    )
    assert res.counts["ended"] == 1 and res.counts["added"] == 1, res.errors
    assert spans(uow, "P1") == [
        ("dibao", D(2024, 1, 1), D(2025, 2, 28)),
        ("dibao", D(2025, 3, 1), None),
    ]


def test_xlsx_list(uow: UnitOfWork) -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(ZH_HEADER.split(","))
    ws.append(["P1", certno(1), "张三", "重度残疾人", dt.datetime(2024, 1, 1), None])
    buf = io.BytesIO()
    wb.save(buf)
    res = import_identities(uow, "canlian.xlsx", buf.getvalue(), "canlian", actor="test")
    assert res.counts["added"] == 1, res.errors
    assert spans(uow, "P1") == [("zhongcan", D(2024, 1, 1), None)]


def test_existing_person_with_other_id_number_is_refused(uow: UnitOfWork) -> None:
    run(uow, ROWS)
    res = run(uow, [("P1", certno(99), "张三", "tekun", "2024-01-01", "")])
    assert res.refused and res.errors[0].column == "certno"
    assert "differs" in res.errors[0].message


def test_every_source_row_is_kept_with_its_batch(uow: UnitOfWork) -> None:
    """Issue 8 item 1: the batch keeps the department's file as received (rejected and
    merged rows too), encrypted at rest; each identity names its batch."""
    from jiuzhu.adapters.db.tables import ImportBatchFile
    from jiuzhu.services.identity_import import batch_file

    rows = [*ROWS, ("P1", certno(1), "张三", "dibao", "2024-01-01", "2024-03-31")]
    res = run(uow, rows, name="kept.csv")
    assert res.counts["merged"] == 1
    with uow.read() as s:
        name, data = batch_file(s, res.batch_id)  # type: ignore[arg-type]
        assert name == "kept.csv" and data == csv_text(rows).encode()
        stored = s.scalars(select(ImportBatchFile)).one().content_enc
        assert certno(1).encode() not in stored and "张三".encode() not in stored
        assert {i.batch_id for i in s.scalars(select(PersonIdentity))} == {res.batch_id}


def test_full_list_with_overlapping_rows_is_valid_on_their_union(uow: UnitOfWork) -> None:
    """新疆规程 第六条 全面比对 with calc-contract §10 rows: the full list of 2025-03-01 sets
    P1's recognition of 2024-01-01 to end 2025-06-30 and adds the renewal from 2025-06-01
    (overlapping): P1 is valid 2024-01-01–open; P2 is missing from the list and ends
    2025-02-28; P3's row is unchanged."""
    run(uow, ROWS)
    rows = [
        ("P1", certno(1), "张三", "dibao", "2024-01-01", "2025-06-30"),
        ("P1", certno(1), "张三", "dibao", "2025-06-01", ""),
        ROWS[2],
    ]
    res = run(uow, rows, full_list=True, as_of=D(2025, 3, 1))
    assert not res.refused, res.errors
    assert (res.counts["changed"], res.counts["added"], res.counts["ended"]) == (1, 1, 1)
    assert res.counts["merged"] == 2
    assert {(m["begndate"], m["enddate"]) for m in res.details["merged"]} == {("2024-01-01", None)}
    assert spans(uow, "P1") == [
        ("dibao", D(2024, 1, 1), D(2025, 6, 30)),
        ("dibao", D(2025, 6, 1), None),
    ]
    assert spans(uow, "P2") == [("tekun", D(2024, 2, 1), D(2025, 2, 28))]
