"""The pages' actions over HTTP (both backends): reversal with a reason, the full ID number
shown for a reason, an operator parameter set with a date and a citation, a previewed list
cancelled — each audited, each refused without its CSRF token."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from seed import certno, seed
from sqlalchemy import select
from web_support import make_users, page_csrf, sign_in, web_app

from jiuzhu.adapters.db.tables import AuditLog, Person, PersonYearTotals, Settlement
from jiuzhu.config import get_settings


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    with web_app(db_url) as (app, uow):
        make_users(uow)
        d = seed(uow, app.state.policy)
        yield app, uow, d
    get_settings.cache_clear()


def _audit(uow, action: str) -> list[AuditLog]:  # type: ignore[no-untyped-def]
    with uow.read() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.action == action)))
        s.expunge_all()
        return rows


def test_reversal_needs_a_reason_and_records_it(site) -> None:  # type: ignore[no-untyped-def]
    app, uow, _ = site
    c = sign_in(app, "caseworker")
    token = page_csrf(c, "/settlements/S3")
    assert c.post("/settlements/S3/reverse", data={"reason": "医院申请撤销"}).status_code == 403
    r = c.post("/settlements/S3/reverse", data={"csrf_token": token, "reason": "短"})
    assert "撤销须填写原因" in r.text
    r = c.post("/settlements/S3/reverse", data={"csrf_token": token, "reason": "医院重复上传"})
    assert r.status_code == 200 and "已撤销" in r.text
    with uow.read() as s:
        assert s.get(Settlement, "S3").status == "reversed"
        t = s.get(PersonYearTotals, ("P1", 2025))
        assert t is not None
        # S1 base 20000.00 → 16000.00 + 700.00 tilt; R4-1 base 700.00 → 560.00 + 98.00;
        # S3 (400.00 + 70.00) no longer counts: P = 16000 + 560 = 16560.00, TP = 798.00
        assert (t.p, t.tp) == (1_656_000, 79_800)
    [a] = _audit(uow, "reverse")
    assert a.actor == "staff:caseworker" and a.after["reason"] == "医院重复上传"


def test_full_id_number_only_for_a_reason(site) -> None:  # type: ignore[no-untyped-def]
    app, uow, _ = site
    c = sign_in(app, "caseworker")
    page = c.get("/persons/P1").text
    assert certno(1) not in page and "张三丰" not in page
    token = page_csrf(c, "/persons/P1")
    r = c.post("/persons/P1/reveal", data={"csrf_token": token, "reason": ""})
    assert certno(1) not in r.text and "请填写查看原因" in r.text
    r = c.post("/persons/P1/reveal", data={"csrf_token": token, "reason": "申请人当面核对身份"})
    assert certno(1) in r.text and "张三丰" in r.text
    [a] = _audit(uow, "reveal")
    assert a.entity_id == "P1" and a.after == {"reason": "申请人当面核对身份"}
    assert certno(1) not in str(a.after)
    # 初审 may read the person but not reveal
    c2 = sign_in(app, "first_review")
    assert c2.get("/persons/P1").status_code == 200
    token = page_csrf(c2, "/persons/P1")
    assert (
        c2.post(
            "/persons/P1/reveal", data={"csrf_token": token, "reason": "想看看号码"}
        ).status_code
        == 403
    )


def test_operator_parameter_dated_cited_audited(site) -> None:  # type: ignore[no-untyped-def]
    app, uow, _ = site
    c = sign_in(app, "admin")
    token = page_csrf(c, "/policy")
    form = {
        "csrf_token": token,
        "name": "personal_premium",
        "valid_from": "2025-01-01",
        "value": "400",
        "ref": "宁医保发〔2024〕1号 个人缴费标准",
    }
    r = c.post("/policy/parameters", data={**form, "value": "-3"})
    assert r.status_code == 400 and "参数值不合规" in r.text
    r = c.post("/policy/parameters", data={**form, "ref": ""})
    assert r.status_code == 400 and "依据" in r.text
    r = c.post("/policy/parameters", data=form)
    assert r.status_code == 200 and "personal_premium" in r.text
    assert (
        app.state.policy.param_value("personal_premium", __import__("datetime").date(2025, 6, 1))[0]
        == "400"
    )
    [a] = _audit(uow, "set_parameter")
    assert a.actor == "staff:admin" and a.after == {"value": "400", "ref": form["ref"]}
    # an application built afresh (a restart) reads it back from the database
    with web_app(str(uow.engine.url.render_as_string(hide_password=False))) as (app2, _):
        assert (
            app2.state.policy.param_value(
                "personal_premium", __import__("datetime").date(2025, 6, 1)
            )[0]
            == "400"
        )


def test_a_previewed_list_can_be_cancelled(site) -> None:  # type: ignore[no-untyped-def]
    app, uow, _ = site
    c = sign_in(app, "caseworker")
    token = page_csrf(c, "/identities/import")
    text = f"psn_no,certno,psn_name,identity,begndate,enddate\nP20,{certno(20)},赵六,dibao,2025-01-01,\n"
    r = c.post(
        "/identities/import/preview",
        data={"csrf_token": token, "source": "yibao"},
        files={"file": ("l.csv", text.encode(), "text/csv")},
    )
    assert r.status_code == 200 and "尚未写入" in r.text
    uploads = list((Path(get_settings().var_dir) / "uploads").glob("*.bin"))
    assert len(uploads) == 1 and certno(20).encode() not in uploads[0].read_bytes()  # encrypted
    tok = r.text.split('name="token" value="')[1].split('"')[0]
    r = c.post("/identities/import/cancel", data={"csrf_token": token, "token": tok})
    assert "已取消" in r.text
    assert not list((Path(get_settings().var_dir) / "uploads").glob("*.bin"))
    with uow.read() as s:
        assert s.scalar(select(Person).where(Person.psn_no == "P20")) is None
    # a bad file: every problem named with its line, nothing parked
    bad = "psn_no,certno,psn_name,identity,begndate,enddate\nP21,123,钱七,dibao,2025-13-01,\n"
    r = c.post(
        "/identities/import/preview",
        data={"csrf_token": token, "source": "yibao"},
        files={"file": ("bad.csv", bad.encode(), "text/csv")},
    )
    assert "整批拒绝" in r.text and "确认导入" not in r.text
