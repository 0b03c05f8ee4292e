"""Push batches and feedback (新疆规程 第二十一条; 双鸭山实施办法 第二十四–二十五条):
the file opens only with its password, carries the full ID number, which no audit record
does; the feedback gives the identity through the list import, moves the entries and
offers back-pay (宁医保发〔2023〕102号 第十九条); bad feedback names file, line, column."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest
import pyzipper
from sqlalchemy import select

sys.path.insert(0, str(Path(__file__).resolve().parent))
import datetime as dt  # noqa: E402

from test_warning_realtime import full_policy  # noqa: E402

from jiuzhu.adapters.db.tables import AuditLog, PersonIdentity  # noqa: E402
from jiuzhu.adapters.db.uow import UnitOfWork  # noqa: E402
from jiuzhu.adapters.db.warning_tables import WarningEntry  # noqa: E402
from jiuzhu.domain.claim import Claim  # noqa: E402
from jiuzhu.domain.errors import Conflict, InputError  # noqa: E402
from jiuzhu.services.identity_import import import_identities  # noqa: E402
from jiuzhu.services.settlement import settle  # noqa: E402
from jiuzhu.services.warning.feedback import import_feedback  # noqa: E402
from jiuzhu.services.warning.push import open_push_file, push  # noqa: E402
from jiuzhu.services.warning.watch import list_entries, set_status  # noqa: E402

CERT = "110101199003078515"


def setup(uow: UnitOfWork):  # type: ignore[no-untyped-def]
    # P1 is insured but has no identity yet (a yibao record with an identity that ended)
    lst = f"psn_no,certno,psn_name,identity,begndate,enddate\nP1,{CERT},李四,tuopin,2020-01-01,2020-12-31\n"
    assert not import_identities(
        uow, "l.csv", lst.encode(), "yibao", actor="t", save_report=False
    ).refused
    policy = full_policy("shuangyashan", {"resident_income_prev_year": "30000"})
    # H = 12000 − 1000 = 11000 > 10000 → sy_10000 (anyone); no identity: paid nothing
    c = Claim("S1", "P1", dt.datetime(2024, 5, 1, 10), "21", dt.date(2024, 4, 20), dt.date(2024, 5, 1),
              12_000_00, 1_000_00, 0)  # fmt: skip
    settle(uow, policy, c, source="one_stop", actor="t")
    return policy


def test_push_encrypted_feedback_recognises_and_offers_backpay(
    uow: UnitOfWork, tmp_path: Path
) -> None:
    policy = setup(uow)
    r = push(uow, "minzheng", tmp_path, actor="staff1", fmt="csv")
    assert (r.batch_id, r.entries) == (1, 1)
    with pytest.raises(RuntimeError), pyzipper.AESZipFile(r.path) as z:
        z.read(z.namelist()[0])  # no password
    name, content = open_push_file(r.path, r.password)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert (
        rows[0]["certno"] == CERT
        and rows[0]["psn_name"] == "李四"
        and rows[0]["line"] == "sy_10000"
    )
    with uow.read() as s:
        assert all(
            CERT not in json.dumps([a.before, a.after], ensure_ascii=False)
            for a in s.scalars(select(AuditLog))
        )
        assert [e.status for e in s.scalars(select(WarningEntry))] == ["pushed"]
    # nothing left to push to the same department
    with pytest.raises(InputError, match="nothing to push"):
        push(uow, "minzheng", tmp_path, actor="staff1")
    rows[0].update(recognised="1", new_identity="dibao", begndate="2024-01-01")
    fb = io.StringIO()
    w = csv.DictWriter(fb, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    res = import_feedback(uow, "fb.csv", fb.getvalue().encode(), "minzheng", policy, actor="staff1")
    assert res.recognised == ["P1"] and res.identity_batch
    assert [o["setl_id"] for o in res.backpay_offers] == ["S1"]
    with uow.read() as s:
        assert [e.status for e in s.scalars(select(WarningEntry))] == ["recognised"]
        assert "dibao" in {i.code for i in s.scalars(select(PersonIdentity))}
    (e,) = list_entries(uow)
    set_status(uow, e.id, "closed", actor="staff1")
    with pytest.raises(Conflict):
        set_status(uow, e.id, "pushed", actor="staff1")


@pytest.mark.parametrize(
    ("change", "column"),
    [
        ({"batch": "9"}, "batch"),
        ({"recognised": "maybe"}, "recognised"),
        ({"begndate": "2024-02-31", "recognised": "1", "new_identity": "dibao"}, "begndate"),
        ({"psn_no": "P9"}, "psn_no"),
    ],
)
def test_bad_feedback_named_and_nothing_written(
    uow: UnitOfWork, tmp_path: Path, change: dict[str, str], column: str
) -> None:
    policy = setup(uow)
    r = push(uow, "minzheng", tmp_path, actor="staff1", fmt="csv")
    _, content = open_push_file(r.path, r.password)
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    rows[0].update(recognised="0")
    rows[0].update(change)
    fb = io.StringIO()
    w = csv.DictWriter(fb, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    with pytest.raises(InputError) as e:
        import_feedback(uow, "fb.csv", fb.getvalue().encode(), "minzheng", policy, actor="staff1")
    assert (e.value.file, e.value.line, e.value.column) == ("fb.csv", 2, column)
    with uow.read() as s:
        assert [x.status for x in s.scalars(select(WarningEntry))] == ["pushed"]
        assert "dibao" not in {i.code for i in s.scalars(select(PersonIdentity))}
