"""`jiuzhu reimburse` end to end as separate processes: intake → three reviewers → PDF →
payment batch → bank file → confirmed; the same user at two levels and a skipped level
are refused with a non-zero status."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.engine import make_engine
from jiuzhu.adapters.db.tables import Person, PersonIdentity
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.services.access.accounts import create_user

JIUZHU = str(Path(sys.executable).with_name("jiuzhu"))


def run(db_url: str, *args: str, ok: bool = True) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ)
    env["JIUZHU_DATABASE_URL"] = db_url
    env["COLUMNS"] = "200"
    if "--as" in args:  # staff from the CLI authenticate like the API (issue 8 item 5)
        env["JIUZHU_PASSWORD"] = "password-" + args[args.index("--as") + 1]
    p = subprocess.run([JIUZHU, *args], env=env, capture_output=True, text=True, timeout=120)
    if ok:
        assert p.returncode == 0, f"{args}: {p.stdout}\n{p.stderr}"
    return p


def _setup(db_url: str) -> None:
    engine = make_engine(db_url)
    uow = UnitOfWork(engine)
    c = get_cipher()
    with uow.begin() as s:
        p = Person(
            psn_no="P1",
            certno_enc=c.encrypt("11010519491231002X"),
            certno_hash=c.lookup_hash("11010519491231002X"),
            name_enc=c.encrypt("张三丰"),
        )
        s.add(p)
        s.flush()
        s.add(
            PersonIdentity(
                person_id=p.id,
                psn_no="P1",
                code="dibao",
                begndate=dt.date(2024, 1, 1),
                source="minzheng",
            )
        )
        for name, roles in {
            "clerk": ["intake"],
            "alice": ["first_review"],
            "bob": ["second_review", "first_review"],
            "carol": ["approval"],
            "dave": ["finance"],
        }.items():
            create_user(s, name, "password-" + name, roles, "test")
    engine.dispose()


def test_cli_full_path(db_url: str, tmp_path: Path) -> None:
    _setup(db_url)
    app_file = tmp_path / "app.json"
    app_file.write_text(
        json.dumps(
            {
                "psn_no": "P1",
                "materials": [
                    "hukou",
                    "sbk_or_id_bank",
                    "settlement_statement",
                    "invoice",
                    "fee_list",
                    "discharge_record",
                ],
                "bank_name": "中国农业银行银川分行",
                "account_name": "张三丰",
                "account_no": "6228480012345678901",
                "claims": [
                    {
                        "setl_id": "S1",
                        "psn_no": "P1",
                        "setl_time": "2024-09-10 10:00:00",
                        "med_type": "21",
                        "begndate": "2024-09-01",
                        "enddate": "2024-09-10",
                        "inscp_scp_amt": "30000",
                        "hifp_pay": "0",
                        "hifmi_pay": "0",
                    }
                ],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    r = run(db_url, "reimburse", "rules", "--region", "ningxia")
    assert "初审 → 复审 → 审批" in r.stdout and "户口簿复印件" in r.stdout
    r = run(
        db_url,
        "reimburse",
        "intake",
        str(app_file),
        "--as",
        "clerk",
        "--region",
        "ningxia",
        "--received-on",
        "2024-09-20",
        "--pdf",
        str(tmp_path / "receipt.pdf"),
    )
    no = r.stdout.strip().splitlines()[-1]
    assert no == "NX-2024-000001"
    assert "2024-11-06" in r.stdout
    assert (tmp_path / "receipt.pdf").read_bytes().startswith(b"%PDF")

    r = run(
        db_url,
        "reimburse",
        "review",
        no,
        "--as",
        "carol",
        "--approve",
        "--level",
        "approval",
        ok=False,
    )
    assert r.returncode != 0 and "不能越级" in r.stderr
    run(db_url, "reimburse", "review", no, "--as", "bob", "--approve", "--reason", "材料齐全")
    r = run(db_url, "reimburse", "review", no, "--as", "bob", "--approve", ok=False)
    assert r.returncode != 0 and "同一人" in r.stderr
    r = run(db_url, "reimburse", "list", "--awaiting", "second_review", "--json")
    assert [a["app_no"] for a in json.loads(r.stdout)] == [no]
    r = run(db_url, "reimburse", "review", no, "--as", "alice", "--approve", ok=False)
    assert r.returncode != 0 and "second_review" in r.stderr  # alice has no 复审 role
    # bob did the first review; the second needs another holder of second_review
    engine = make_engine(db_url)
    with UnitOfWork(engine).begin() as s:
        create_user(s, "erin", "password-erin", ["second_review"], "test")
    engine.dispose()
    run(db_url, "reimburse", "review", no, "--as", "erin", "--approve", "--reason", "金额无误")
    r = run(
        db_url,
        "reimburse",
        "review",
        no,
        "--as",
        "carol",
        "--approve",
        "--reason",
        "同意",
        "--json",
    )
    assert json.loads(r.stdout)["approved_total"] == "26100.00"
    r = run(db_url, "reimburse", "list", "--reviewer", "erin", "--json")
    assert [a["app_no"] for a in json.loads(r.stdout)] == [no]
    run(db_url, "reimburse", "pdf", no, "--out", str(tmp_path / "decision.pdf"))
    assert (tmp_path / "decision.pdf").read_bytes().startswith(b"%PDF")

    r = run(db_url, "reimburse", "pay", "batch", "--as", "dave")
    batch = r.stdout.strip().splitlines()[-1]
    assert "6228480012345678901" not in r.stdout
    run(
        db_url,
        "reimburse",
        "pay",
        "export",
        batch,
        "--as",
        "dave",
        "--out",
        str(tmp_path / "bank.csv"),
    )
    run(
        db_url,
        "reimburse",
        "pay",
        "export",
        batch,
        "--as",
        "dave",
        "--out",
        str(tmp_path / "bank.xlsx"),
    )
    rows = list(csv.reader((tmp_path / "bank.csv").open(encoding="utf-8-sig")))
    assert rows[1][5] == "6228480012345678901" and rows[1][6] == "26100.00"
    run(db_url, "reimburse", "pay", "confirm", batch, "--as", "dave", "--bank-ref", "HD-1")
    r = run(db_url, "reimburse", "show", no, "--json", "--trail")
    shown = json.loads(r.stdout)
    assert shown["status"] == "paid"
    assert [e["action"] for e in shown["audit"]][-1] == "paid"
