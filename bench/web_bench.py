"""make bench: the staff web application's list and search pages on a big registry.

Loads 1,000,000 persons (ID numbers and names encrypted, keyed hashes) with their
identities, 5,000,000 settlements and 1,000,000 audit entries into a PostgreSQL database of
its own (``web_bench``, dropped at the end unless --keep) with COPY, then opens each list
and search page many times with varied filters, signed in as 管理员, and reports the
server time of each page (the ``Server-Timing`` header the app sets): p50, p95, max.

    .venv/bin/python bench/web_bench.py [--persons N] [--settlements N] [--runs N] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
os.environ.setdefault("JIUZHU_DATA_KEY", "5a" * 32)

DB = os.environ.get("JIUZHU_BENCH_DB_PREFIX", "") + "web_bench"
INSTITUTIONS = [f"H6401{i:07d}" for i in range(60)]
COUNTIES = ["640104", "640105", "640106", "640121", "640122"]
CODES = ["tekun", "dibao", "dibao", "dibao", "gaoling", "jiance", "bianyuan", "fanpin", "yinbing"]
CLASS = {"tekun": "一", "dibao": "二", "gaoling": "二", "jiance": "二", "bianyuan": "三",
         "fanpin": "四", "yinbing": "五"}  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉梅红波辉鹏"


def admin_url() -> str:
    url = (
        os.environ.get("JIUZHU_BENCH_DATABASE_URL")
        or os.environ.get("JIUZHU_TEST_DATABASE_URL")
        or "postgresql://postgres@127.0.0.1:5432/postgres"
    )
    return url.replace("postgresql+psycopg://", "postgresql://")


def db_url(name: str = DB) -> str:
    base = admin_url().rsplit("/", 1)[0]
    return f"{base}/{name}"


def certno(i: int) -> str:
    from jiuzhu.domain.pii import certno_check_digit

    birth = dt.date(1940, 1, 1) + dt.timedelta(days=i // 1000)
    first17 = f"640104{birth:%Y%m%d}{i % 1000:03d}"
    return first17 + certno_check_digit(first17)


def load(persons: int, settlements: int, audits: int) -> None:
    import psycopg

    from jiuzhu.adapters.crypto import get_cipher
    from jiuzhu.adapters.db import migrate

    with psycopg.connect(admin_url(), autocommit=True) as c:
        c.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
        c.execute(f'CREATE DATABASE "{DB}"')
    migrate.upgrade(db_url().replace("postgresql://", "postgresql+psycopg://"))
    cipher = get_cipher()
    rnd = random.Random(7)
    t0 = time.perf_counter()
    certs = [certno(i) for i in range(persons)]
    names = [rnd.choice(SURNAMES) + rnd.choice(GIVEN) + rnd.choice(GIVEN) for _ in range(persons)]
    enc_c, enc_n = cipher.encrypt_many(certs), cipher.encrypt_many(names)
    hashes = cipher.lookup_hashes(certs)
    codes = [rnd.choice(CODES) if rnd.random() < 0.85 else "" for _ in range(persons)]
    print(f"  encrypted {persons:,} persons in {time.perf_counter() - t0:.1f} s", flush=True)
    now = dt.datetime(2025, 12, 31, 12)
    with psycopg.connect(db_url()) as c, c.cursor() as cur:
        t0 = time.perf_counter()
        with cur.copy(
            "COPY person (id, psn_no, certno_enc, certno_hash, name_enc, sex, birth_date, "
            "household_no, insured_region, created_at, updated_at) FROM STDIN"
        ) as cp:
            for i in range(persons):
                cp.write_row(
                    (
                        i + 1,
                        f"B{i:09d}",
                        enc_c[i],
                        hashes[i],
                        enc_n[i],
                        "1" if i % 2 else "2",
                        dt.date(1940, 1, 1) + dt.timedelta(days=i // 1000),
                        f"HH{i // 3:08d}",
                        "640100",
                        now,
                        now,
                    )
                )
        with cur.copy(
            "COPY person_identity (person_id, psn_no, code, begndate, enddate, source, "
            "source_doc, created_at, updated_at) FROM STDIN"
        ) as cp:
            for i in range(persons):
                if codes[i]:
                    cp.write_row(
                        (
                            i + 1,
                            f"B{i:09d}",
                            codes[i],
                            dt.date(2023, 1, 1),
                            dt.date(2025, 3, 31) if i % 20 == 7 else None,
                            "minzheng",
                            "bench",
                            now,
                            now,
                        )
                    )
        cur.execute("SELECT setval(pg_get_serial_sequence('person', 'id'), %s)", (persons,))
        c.commit()
        print(f"  persons and identities: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        y0 = dt.datetime(2025, 1, 1)
        # the fund's check that each settlement has its journal entry is not what this bench
        # measures (pages read settlements only): off for the load of this scratch database
        cur.execute("ALTER TABLE settlement DISABLE TRIGGER ALL")
        with cur.copy(
            "COPY settlement (setl_id, psn_no, year, region, source, institution, body_hash, "
            "body, setl_time, begndate, enddate, med_type, identity, class_id, reason, base, "
            "deductible, maf_pay, tilt_pay, d_s, d_p, d_r, d_tp, trace, answer, status, "
            "created_at, county) FROM STDIN"
        ) as cp:
            for j in range(settlements):
                i = rnd.randrange(persons)
                code = codes[i]
                t = y0 + dt.timedelta(seconds=rnd.randrange(365 * 86400))
                base = rnd.randrange(1000, 3_000_000)
                maf = base * 8 // 10 if code else 0
                tilt = (base - maf) * 7 // 10 if code and rnd.random() < 0.2 else 0
                inscp = f"{base // 100}.{base % 100:02d}"
                med = "14" if j % 10 == 3 else "21"
                deposit = ', "deposit": "300.00"' if j % 101 == 5 else ""
                body = f'{{"inscp_scp_amt": "{inscp}", "hifp_pay": "0.00", "hifmi_pay": "0.00", "setl_time": "{t:%Y-%m-%d %H:%M:%S}", "med_type": "{med}"{deposit}}}'
                answer = (
                    f'{{"setl_id": "BS{j:010d}", "psn_no": "B{i:09d}", "identity": "{code}", '
                    f'"maf_pay": "{maf // 100}.{maf % 100:02d}", "tilt_pay": "{tilt // 100}.{tilt % 100:02d}", '
                    f'"trace": [{{"text": "救助基数 {inscp}", "ref": "宁医保发〔2023〕102号 第十四条"}}]}}'
                )
                cp.write_row(
                    (
                        f"BS{j:010d}",
                        f"B{i:09d}",
                        2025,
                        "ningxia",
                        "one_stop",
                        INSTITUTIONS[j % len(INSTITUTIONS)],
                        "",
                        body,
                        t,
                        t.date(),
                        t.date() + dt.timedelta(days=j % 5),
                        med,
                        code,
                        CLASS.get(code),
                        "paid" if code else "no_identity",
                        base,
                        0,
                        maf,
                        tilt,
                        base,
                        maf,
                        base - maf,
                        tilt,
                        "[]",
                        answer,
                        "reversed" if j % 97 == 0 else "settled",
                        t,
                        COUNTIES[i % len(COUNTIES)],
                    )
                )
                if j and j % 1_000_000 == 0:
                    print(f"    {j:,} settlements ({time.perf_counter() - t0:.0f} s)", flush=True)
        c.commit()
        cur.execute("ALTER TABLE settlement ENABLE TRIGGER ALL")
        c.commit()
        print(f"  settlements: {time.perf_counter() - t0:.1f} s", flush=True)
        t0 = time.perf_counter()
        with cur.copy(
            "COPY audit_log (at, actor, action, entity, entity_id, before, after) FROM STDIN"
        ) as cp:
            for k in range(audits):
                cp.write_row(
                    (
                        y0 + dt.timedelta(seconds=k * 30),
                        f"staff:user{k % 40}",
                        ("view", "create", "reverse")[k % 3],
                        "person",
                        f"B{rnd.randrange(persons):09d}",
                        None,
                        '{"n": 1}',
                    )
                )
        c.commit()
        print(f"  audit entries: {time.perf_counter() - t0:.1f} s", flush=True)
        # what the checks read (bench/checks_bench.py --reuse): half the persons enrolled
        # for 2025 (资助参保), one in a hundred on a death list dated 2025-06-30
        t0 = time.perf_counter()
        with cur.copy(
            "COPY person_enrolment (psn_no, year, status, updated_by, updated_at) FROM STDIN"
        ) as cp:
            for i in range(0, persons, 2):
                cp.write_row((f"B{i:09d}", 2025, "local", "bench", now))
        with cur.copy(
            "COPY death_record (certno_hash, psn_no, death_date, source, batch_file, "
            "created_at) FROM STDIN"
        ) as cp:
            for i in range(0, persons, 100):
                cp.write_row((hashes[i], f"B{i:09d}", dt.date(2025, 6, 30), "gongan", "bench", now))
        c.commit()
        print(f"  enrolment and death list: {time.perf_counter() - t0:.1f} s", flush=True)
    # what autovacuum does on a live database after a bulk load: statistics and the
    # visibility map (index-only scans)
    with psycopg.connect(db_url(), autocommit=True) as c:
        t0 = time.perf_counter()
        c.execute("VACUUM (ANALYZE)")
        print(f"  vacuum analyze: {time.perf_counter() - t0:.1f} s", flush=True)
    # a live service chains its audit records as it writes them: these, written by COPY,
    # are chained here (else the first audited request of the bench would chain them all)
    from jiuzhu.adapters.audit_chain import seal
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork

    t0 = time.perf_counter()
    engine = make_engine(db_url().replace("postgresql://", "postgresql+psycopg://"))
    with UnitOfWork(engine).begin() as s:
        n = seal(s)
    engine.dispose()
    print(f"  audit chain: {n:,} records sealed in {time.perf_counter() - t0:.1f} s", flush=True)


def pages(rnd: random.Random, persons: int, settlements: int) -> dict[str, Any]:
    """page name → a function giving (method, url, form) for one request."""

    def psn() -> str:
        return f"B{rnd.randrange(persons):09d}"

    def day() -> str:
        return (dt.date(2025, 1, 1) + dt.timedelta(days=rnd.randrange(365))).isoformat()

    return {
        "工作台 /": lambda: ("GET", f"/?on={day()}", None),
        "救助对象 列表": lambda: ("GET", f"/persons?page={rnd.randrange(1, 50)}", None),
        "救助对象 编号前缀": lambda: ("GET", f"/persons?psn_no={psn()[:7]}", None),
        "救助对象 按身份": lambda: (
            "GET",
            f"/persons?identity={rnd.choice(CODES)}&page={rnd.randrange(1, 20)}",
            None,
        ),
        "救助对象 户号": lambda: (
            "GET",
            f"/persons?household_no=HH{rnd.randrange(persons // 3):08d}",
            None,
        ),
        "救助对象 身份证号 (POST)": lambda: (
            "POST",
            "/persons/find",
            {"certno": certno(rnd.randrange(persons))},
        ),
        "救助对象 姓名+身份证号 (POST)": lambda: (
            "POST",
            "/persons/find",
            {"certno": certno(rnd.randrange(persons)), "name": "王伟伟"},
        ),
        "救助对象 详情": lambda: ("GET", f"/persons/{psn()}", None),
        "结算 列表": lambda: ("GET", f"/settlements?page={rnd.randrange(1, 50)}", None),
        "结算 按医院": lambda: (
            "GET",
            f"/settlements?institution={rnd.choice(INSTITUTIONS)}",
            None,
        ),
        "结算 按日期": lambda: ("GET", f"/settlements?since={day()}&until={day()}", None),
        "结算 按身份": lambda: ("GET", f"/settlements?identity={rnd.choice(CODES)}", None),
        "结算 按金额": lambda: ("GET", f"/settlements?min_pay={rnd.randrange(1000, 20000)}", None),
        "结算 医院+日期+身份": lambda: (
            "GET",
            f"/settlements?institution={rnd.choice(INSTITUTIONS)}&since={day()}&identity=dibao",
            None,
        ),
        "结算 按人员": lambda: ("GET", f"/settlements?psn_no={psn()}", None),
        "结算 详情": lambda: ("GET", f"/settlements/BS{rnd.randrange(settlements):010d}", None),
        "审计日志": lambda: ("GET", f"/audit?page={rnd.randrange(1, 50)}", None),
        "审计日志 按操作人": lambda: ("GET", f"/audit?actor=staff:user{rnd.randrange(40)}", None),
        "导入批次": lambda: ("GET", "/identities/batches", None),
        "资助参保台账": lambda: ("GET", f"/enrolment?year=2025&page={rnd.randrange(1, 50)}", None),
        "资助参保台账 按情形": lambda: (
            "GET",
            f"/enrolment?year=2025&case={rnd.choice(['local', 'enrol_now'])}"
            f"&page={rnd.randrange(1, 20)}",
            None,
        ),
        "资助参保台账 编号前缀": lambda: ("GET", f"/enrolment?year=2025&psn_no={psn()[:7]}", None),
        REPORT: lambda: ("GET", "/enrolment/totals?year=2025", None),
        "零星报销 申请": lambda: ("GET", "/reimbursements", None),
    }


REPORT = "资助参保台账 合计（报表，不是列表）"
"""Not a list page: the whole year's totals, one grouped statement, asked for by a button."""
REPORT_RUNS = 5

DUR = re.compile(r"app;dur=([0-9.]+)")


def measure(
    runs: int, persons: int, settlements: int, only: str = ""
) -> list[tuple[str, float, float, float]]:
    from fastapi.testclient import TestClient
    from sqlalchemy import text

    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.api.app import create_app
    from jiuzhu.policy.loader import RegionPolicy
    from jiuzhu.services.access.accounts import create_user

    engine = make_engine(db_url().replace("postgresql://", "postgresql+psycopg://"))
    uow = UnitOfWork(engine)
    with uow.begin() as s:
        if not s.execute(text("SELECT 1 FROM staff_user WHERE username = 'bench'")).first():
            create_user(s, "bench", "bench-pw-1", ["admin"], "bench")
    # the operator's numbers the ledger needs (ningxia leaves them to the year's documents):
    # bench values, the pages' times do not depend on them
    params = {"personal_premium": "380", "subsidy_share_class1": "1",
              "subsidy_share_class2": "0.6", "subsidy_share_class3": "0.5",
              "subsidy_share_class4": "0.5"}  # fmt: skip
    app = create_app(policy=RegionPolicy.load("ningxia", cli_params=params), engine=engine)
    c = TestClient(app, follow_redirects=False)
    token = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)  # type: ignore[union-attr]
    c.post("/login", data={"username": "bench", "password": "bench-pw-1", "csrf_token": token})
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', c.get("/account/password").text).group(1)  # type: ignore[union-attr]
    rnd = random.Random(11)
    out = []
    for name, make in pages(rnd, persons, settlements).items():
        if only and only not in name:
            continue
        times = []
        for k in range((REPORT_RUNS if name == REPORT else runs) + 2):
            method, url, form = make()
            r = (
                c.get(url)
                if method == "GET"
                else c.post(url, data={**(form or {}), "csrf_token": csrf})
            )
            assert r.status_code == 200, (url, r.status_code, r.text[:300])
            if k >= 2:  # the first two warm the caches
                times.append(float(DUR.search(r.headers["server-timing"]).group(1)))  # type: ignore[union-attr]
        times.sort()
        p95 = times[max(0, int(round(0.95 * len(times))) - 1)]
        out.append((name, statistics.median(times), p95, times[-1]))
        print(
            f"  {name:<28} p50 {out[-1][1]:7.1f} ms   p95 {p95:7.1f} ms   max {times[-1]:7.1f} ms",
            flush=True,
        )
    engine.dispose()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--persons", type=int, default=1_000_000)
    ap.add_argument("--settlements", type=int, default=5_000_000)
    ap.add_argument("--audits", type=int, default=1_000_000)
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--keep", action="store_true", help="keep the web_bench database")
    ap.add_argument(
        "--reuse",
        action="store_true",
        help="measure the database an earlier --keep/--load-only left (migrated to head first)",
    )
    ap.add_argument("--only", default="", help="measure the pages whose name holds this")
    ap.add_argument("--load-only", action="store_true", help="load and keep, do not measure")
    a = ap.parse_args(argv)
    print(
        f"web pages: {a.persons:,} persons, {a.settlements:,} settlements, "
        f"{a.audits:,} audit entries (PostgreSQL, database {DB})",
        flush=True,
    )
    t0 = time.perf_counter()
    if not a.reuse:
        load(a.persons, a.settlements, a.audits)
        print(f"  loaded in {time.perf_counter() - t0:.0f} s", flush=True)
        if a.load_only:
            return 0
    else:
        from jiuzhu.adapters.db import migrate

        migrate.upgrade(db_url().replace("postgresql://", "postgresql+psycopg://"))
        print(f"  reused {DB}, migrated to head in {time.perf_counter() - t0:.0f} s", flush=True)
    load_avg = os.getloadavg()
    try:
        rows = measure(a.runs, a.persons, a.settlements, a.only)
    finally:
        if not a.keep:
            import psycopg

            with psycopg.connect(admin_url(), autocommit=True) as c:
                c.execute(f'DROP DATABASE IF EXISTS "{DB}" WITH (FORCE)')
    worst = max((r[2] for r in rows if r[0] != REPORT), default=0.0)
    print(
        f"  worst p95 of the list and search pages {worst:.1f} ms (target < 300 ms); load average before "
        f"{load_avg[0]:.2f} {load_avg[1]:.2f} {load_avg[2]:.2f}, after "
        + " ".join(f"{x:.2f}" for x in os.getloadavg()),
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
