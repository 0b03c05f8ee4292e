"""The fund's pages in use (both backends): a statement approved from its page (a note
needed when it does not balance), the seeded batch's bank file and confirmation, the
payables page after it, a bank statement uploaded, reconciled and a difference resolved —
each refused without its CSRF token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from seed import seed
from web_support import make_users, page_csrf, sign_in, web_app

from jiuzhu.config import get_settings
from jiuzhu.domain.clearing import TheirLine
from jiuzhu.services.fund.clearing import apply, queries
from jiuzhu.services.fund.clearing.parse import StatementIn


@pytest.fixture
def site(db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple]:  # type: ignore[type-arg]
    monkeypatch.setenv("JIUZHU_VAR_DIR", str(tmp_path / "var"))
    get_settings.cache_clear()
    with web_app(db_url) as (app, uow):
        make_users(uow)
        d = seed(uow, app.state.policy)
        yield app, uow, d
    get_settings.cache_clear()


def test_statement_batch_and_payables(site) -> None:  # type: ignore[no-untyped-def]
    app, uow, d = site
    c = sign_in(app, "finance")
    st = StatementIn("H64010000002", dt.date(2025, 3, 1), dt.date(2025, 3, 31), None,
                     (TheirLine(2, "S2", 1, 1),))  # fmt: skip
    v = apply.submit(uow, "ningxia", st, actor="institution:H64010000002")
    url = f"/fund/statements/{v.stmt_no}"
    token = page_csrf(c, url)
    assert c.post(f"{url}/approve", data={"note": "x"}).status_code == 403
    r = c.post(f"{url}/approve", data={"csrf_token": token, "note": ""})
    assert "处理意见" in r.text and queries.get_statement(uow, v.stmt_no).status == "compared"
    r = c.post(f"{url}/approve", data={"csrf_token": token, "note": "以我方结算为准"})
    assert "已审核" in r.text and queries.get_statement(uow, v.stmt_no).status == "approved"
    # the seeded batch: bank file, then confirmation
    b = d.hospital_batch
    csv_text = c.get(f"/fund/hospital-batches/{b}/bank-file.csv").content.decode("utf-8-sig")
    assert "6222020200112233445" in csv_text
    paid = queries.get_batch(uow, b).total
    before = c.get("/fund/payables?as_of=2099-12-31").text
    token = page_csrf(c, f"/fund/hospital-batches/{b}")
    r = c.post(f"/fund/hospital-batches/{b}/confirm", data={"csrf_token": token, "bank_reference": "BK-1",
                                                            "paid_on": "2025-06-01"})  # fmt: skip
    assert "已确认拨付" in r.text and queries.get_batch(uow, b).status == "paid"
    after = c.get("/fund/payables?as_of=2099-12-31").text
    assert before != after and paid > 0
    tb = c.get("/fund/trial-balance?as_of=2099-12-31").text
    assert "（平衡）" in tb and "支出户存款" in tb
    assert c.get("/fund/trial-balance?as_of=2099-12-31&export=xlsx").status_code == 200


def test_reconcile_page(site) -> None:  # type: ignore[no-untyped-def]
    app, uow, d = site
    c = sign_in(app, "finance")
    token = page_csrf(c, "/fund/reconcile")
    bank = "交易日期,流水号,收入金额,支出金额\n2025-06-01,W1,12.00,\n".encode()
    files = {"file": ("bank.csv", bank, "text/csv")}
    assert c.post("/fund/reconcile/bank", data={"account": "1004"}, files=files).status_code == 403
    r = c.post("/fund/reconcile/bank", data={"csrf_token": token, "account": "1004"}, files=files)
    assert "已导入：1 行" in r.text
    r = c.post("/fund/reconcile/bank", data={"csrf_token": token, "account": "1004"}, files=files)
    assert "bank.csv, line 2, column txn_id: duplicate bank line" in r.text
    r = c.post("/fund/reconcile/run", data={"csrf_token": token, "account": "1004", "begin": "2025-06-01",
                                            "end": "2025-06-30"})  # fmt: skip
    assert "对账完成" in r.text and "银行有账我方无" in r.text
    import re

    diff_id = re.search(r"/fund/reconcile/differences/(\d+)/resolve", r.text)
    assert diff_id
    r = c.post(f"/fund/reconcile/differences/{diff_id.group(1)}/resolve",
               data={"csrf_token": token, "reason": "银行利息，下月记账"})  # fmt: skip
    assert "已处理" in r.text
    assert "没有差异" in c.get("/fund/reconcile?status=open").text
    auditor = sign_in(app, "auditor")
    assert auditor.get("/fund/reconcile").status_code == 200
    assert auditor.post("/fund/reconcile/run", data={}).status_code == 403


def test_statement_file_submitted_for_a_hospital(site) -> None:  # type: ignore[no-untyped-def]
    app, uow, d = site
    c = sign_in(app, "finance")
    token = page_csrf(c, "/fund/statements")
    bad = {"file": ("d.csv", b"setl_id,medfee_sumamt,fund_pay_sumamt\nS2,1,x\n", "text/csv")}
    form = {
        "csrf_token": token,
        "fixmedins_code": "H64010000002",
        "begin": "2025-03-01",
        "end": "2025-03-31",
    }
    r = c.post("/fund/statements", data=form, files=bad)
    assert "d.csv, line 2, column fund_pay_sumamt" in r.text
    ok = {"file": ("d.csv", b"setl_id,medfee_sumamt,fund_pay_sumamt\nS2,1,1\n", "text/csv")}
    r = c.post("/fund/statements", data=form, files=ok)
    assert r.status_code == 303 and "/fund/statements/" in r.headers["location"]
    assert "金额不符" in c.get(r.headers["location"]).text
    assert sign_in(app, "auditor").post("/fund/statements", data=form, files=ok).status_code == 403
