"""`jiuzhu demo` (`make run`): the settlement service on demonstration data, ready to call.

Creates ``./var/demo.db`` (or uses ``$JIUZHU_DATABASE_URL``), migrates it, and loads one
complete region (ningxia, 宁医保发〔2023〕102号): a few hundred invented persons with valid
GB 11643-1999 ID numbers (stored encrypted) and identities from the region's classes, and a
year of settlements made through the same ``settle()`` path as the hospitals' calls. A
few identities are recorded late, so ``jiuzhu settlements backpay list`` has something to
show (第十九条). It then prints the address, a staff login and a hospital API key, and
serves on 127.0.0.1:8765. Running it again reuses the data and the credentials.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import secrets
from pathlib import Path
from typing import Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from jiuzhu.cli.common import console, err_console, reports_errors
from jiuzhu.domain.claim import Claim
from jiuzhu.policy.money import parse_fen
from jiuzhu.services import demo_seed as seed

REGION = "ningxia"
DEFAULT_URL = "sqlite:///var/demo.db"
INSTITUTIONS = ("H64010000001", "H64010000002", "H64010000003", "H64020000001", "H64030000001")
HOSPITAL = INSTITUTIONS[0]
ADMIN = "admin"
# identity mix of the demonstration persons ("" = none); ningxia 第十条, calc-contract §1
IDENTITY_MIX = (
    ("tekun", 6), ("guer", 1), ("wurenfuyang", 1), ("dibao", 28), ("gaoling", 5),
    ("jiance", 12), ("bianyuan", 10), ("fanpin", 7), ("yinbing", 8), ("youfu", 3), ("", 19),
)  # fmt: skip
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉梅红波辉鹏斌宁海燕琳晨雪梦欣怡浩宇轩然子涵佳一"
AREAS = ("640104", "640105", "640106", "640121", "640122", "640181", "640202", "640302")


def _check_digit(first17: str) -> str:
    from jiuzhu.domain.pii import certno_check_digit

    return certno_check_digit(first17)


def make_certno(rnd: random.Random, seq: int) -> str:
    """A valid (invented) 18-character ID number: area, birth date, sequence, check digit."""
    birth = dt.date(1935, 1, 1) + dt.timedelta(days=rnd.randrange(0, 80 * 365))
    first17 = f"{rnd.choice(AREAS)}{birth:%Y%m%d}{seq % 1000:03d}"
    return first17 + _check_digit(first17)


def make_name(rnd: random.Random) -> str:
    return rnd.choice(SURNAMES) + "".join(rnd.choice(GIVEN) for _ in range(rnd.choice((1, 2))))


def _pick(rnd: random.Random) -> str:
    codes = [c for c, _ in IDENTITY_MIX]
    return rnd.choices(codes, weights=[w for _, w in IDENTITY_MIX])[0]


def _yuan(fen: int) -> str:
    return f"{fen // 100}.{fen % 100:02d}"


def generate(persons: int, year: int, seed: int = 2025) -> dict[str, Any]:
    """Deterministic demonstration data: persons, identities, late identities, settlements."""
    rnd = random.Random(seed)
    people: list[dict[str, Any]] = []
    late: list[tuple[str, str, dt.date]] = []
    seen: set[str] = set()
    y0 = dt.date(year, 1, 1)
    for i in range(persons):
        psn = f"P64{i + 1:08d}"
        cert = make_certno(rnd, i)
        while cert in seen:
            cert = make_certno(rnd, i + 500)
        seen.add(cert)
        code = _pick(rnd)
        spans: list[tuple[str, dt.date, dt.date | None]] = []
        if code:
            begin = dt.date(
                year - 1 - rnd.randrange(4), 1 + rnd.randrange(12), 1 + rnd.randrange(28)
            )
            r = rnd.random()
            if r < 0.1:  # changes class during the year
                cut = y0 + dt.timedelta(days=rnd.randrange(60, 300))
                new = _pick(rnd) or "dibao"
                if new == code:
                    new = "dibao" if code != "dibao" else "tekun"
                spans = [(code, begin, cut), (new, cut + dt.timedelta(days=1), None)]
            elif r < 0.18:  # recognised during the year
                spans = [(code, y0 + dt.timedelta(days=rnd.randrange(20, 300)), None)]
            else:
                spans = [(code, begin, None)]
        elif rnd.random() < 0.12:
            # recognised before the year but pushed to the agency late (第十九条 补报)
            late.append((psn, rnd.choice(("dibao", "tekun", "jiance")), y0 - dt.timedelta(days=30)))
        people.append({"psn_no": psn, "certno": cert, "name": make_name(rnd), "spans": spans})
    claims: list[dict[str, Any]] = []
    n = 0
    for p in people:
        for _ in range(rnd.choice((0, 1, 2, 2, 3, 4, 5, 6, 8))):
            n += 1
            kind = rnd.random()
            begin = y0 + dt.timedelta(days=rnd.randrange(0, 350))
            if kind < 0.35:
                med, days = "21", rnd.randrange(3, 20)
                inscp = rnd.randrange(300_000, 8_000_000)
                hifp = inscp * rnd.randrange(50, 75) // 100
                hifmi = (inscp - hifp) * rnd.randrange(0, 40) // 100 if inscp > 3_000_000 else 0
            elif kind < 0.8:
                med, days = "14", 0
                inscp = rnd.randrange(20_000, 400_000)
                hifp = inscp * rnd.randrange(50, 70) // 100
                hifmi = 0
            else:
                med, days = "11", 0
                inscp = rnd.randrange(5_000, 60_000)
                hifp = inscp * rnd.randrange(40, 60) // 100
                hifmi = 0
            end = min(begin + dt.timedelta(days=days), dt.date(year, 12, 31))
            setl_time = dt.datetime.combine(end, dt.time(8 + rnd.randrange(10), rnd.randrange(60)))
            out_of_area = int(rnd.random() < 0.05)
            claims.append(
                {
                    "setl_id": f"DEMO{year}{n:06d}",
                    "psn_no": p["psn_no"],
                    "setl_time": setl_time.isoformat(sep=" "),
                    "med_type": med,
                    "begndate": begin.isoformat(),
                    "enddate": end.isoformat(),
                    "inscp_scp_amt": _yuan(inscp),
                    "hifp_pay": _yuan(hifp),
                    "hifmi_pay": _yuan(hifmi),
                    "out_of_area": out_of_area,
                    "referral": int(out_of_area and rnd.random() < 0.6),
                    "mdtrt_id": f"MD{year}{n:06d}",
                    "medfee_sumamt": _yuan(inscp + rnd.randrange(0, inscp // 5 + 1)),
                    "institution": rnd.choice(INSTITUTIONS),
                }
            )
    claims.sort(key=lambda c: (c["setl_time"], c["setl_id"]))
    return {"persons": people, "claims": claims, "late": late}


def _claim_of(c: dict[str, Any]) -> tuple[Claim, dict[str, Any]]:
    """A generated claim (amounts in yuan text, as a hospital sends them) as the engine's."""
    claim = Claim(
        c["setl_id"],
        c["psn_no"],
        dt.datetime.fromisoformat(c["setl_time"]),
        c["med_type"],
        dt.date.fromisoformat(c["begndate"]),
        dt.date.fromisoformat(c["enddate"]),
        parse_fen(c["inscp_scp_amt"]),
        parse_fen(c["hifp_pay"]),
        parse_fen(c["hifmi_pay"]),
        out_of_area=bool(c["out_of_area"]),
        referral=bool(c["referral"]),
    )
    return claim, {"mdtrt_id": c["mdtrt_id"], "medfee_sumamt": c["medfee_sumamt"]}


def settle_all(uow: Any, policy: Any, claims: list[dict[str, Any]]) -> None:
    from jiuzhu.services.settlement import SettleClaim, settle_claim

    with Progress(
        TextColumn("演示结算 settling"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task("settle", total=len(claims))
        for c in claims:
            claim, extra = _claim_of(c)
            cmd = SettleClaim(
                claim,
                source="one_stop",
                actor=f"institution:{c['institution']}",
                institution=c["institution"],
                extra=extra,
            )
            settle_claim(uow, policy, cmd)
            bar.advance(task)


def ensure_credentials(uow: Any, path: Path) -> dict[str, Any]:
    """The demo's staff login and hospital key, kept in a 0600 file so a re-run shows them."""
    creds: dict[str, Any] = {}
    if path.exists():
        creds = json.loads(path.read_text(encoding="utf-8"))
    pw = creds.get("password") or secrets.token_urlsafe(9)
    seed.ensure_login(uow, ADMIN, pw, ["admin"], "演示管理员")
    creds["username"], creds["password"] = ADMIN, pw
    key = seed.ensure_api_key(
        uow, creds.get("api_key"), HOSPITAL, "演示医院 demonstration hospital"
    )
    creds["api_key"], creds["institution"] = key, HOSPITAL
    from jiuzhu.cli.demo_web import ensure_role_users

    creds["roles"] = ensure_role_users(uow, creds)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        json.dump(creds, fh, ensure_ascii=False, indent=1)
    return creds


def prepare(url: str, persons: int, year: int) -> dict[str, Any]:
    """Migrate and load (idempotent); returns credentials and an example person."""
    from jiuzhu.adapters.db import migrate
    from jiuzhu.adapters.db.engine import make_engine
    from jiuzhu.adapters.db.uow import UnitOfWork
    from jiuzhu.policy.loader import RegionPolicy

    migrate.upgrade(url)
    engine = make_engine(url)
    uow = UnitOfWork(engine)
    policy = RegionPolicy.load(REGION)
    data = generate(persons, year)
    if not seed.demo_loaded(uow):
        n = seed.load_registry(uow, data["persons"])
        console.print(f"演示人员 persons loaded: {n}", highlight=False)
        settle_all(uow, policy, data["claims"])
        seed.add_late_identities(uow, data["late"])
        from jiuzhu.cli.demo_web import demo_reimbursements

        n_apps = demo_reimbursements(uow, policy, data["persons"], year)
        console.print(f"演示零星报销 reimbursements: {n_apps}", highlight=False)
        seed.mark_demo_loaded(
            uow, {"persons": len(data["persons"]), "settlements": len(data["claims"])}
        )
        console.print(f"演示结算 settlements: {len(data['claims'])} ({year})", highlight=False)
    sqlite_db = make_url(engine.url).database if engine.dialect.name == "sqlite" else None
    cred_path = (Path(sqlite_db).parent if sqlite_db else Path("var")) / "demo-credentials.json"
    creds = ensure_credentials(uow, cred_path)
    example = next(
        (p for p in data["persons"] if p["spans"] and p["spans"][0][0] == "dibao"),
        data["persons"][0],
    )
    engine.dispose()
    return {**creds, "example_psn_no": example["psn_no"], "year": year}


@reports_errors
def demo(
    host: str = typer.Option("127.0.0.1", "--host"),
    port: int = typer.Option(8765, "--port"),
    persons: int = typer.Option(300, "--persons", min=1, max=100_000),
    no_serve: bool = typer.Option(False, "--no-serve", help="load and print, do not serve"),
) -> None:
    """Load demonstration data for ningxia and serve it (the main job of `make run`)."""
    from jiuzhu.adapters.db.engine import default_engine
    from jiuzhu.cli.serve import ENV_PARAMS, ENV_REGION, serve_app
    from jiuzhu.config import get_settings

    url = os.environ.get("JIUZHU_DATABASE_URL") or DEFAULT_URL
    os.environ["JIUZHU_DATABASE_URL"] = url
    get_settings.cache_clear()
    default_engine.cache_clear()
    year = dt.date.today().year - 1
    info = prepare(url, persons, year)
    from jiuzhu.cli.demo_web import ROLE_LOGINS

    logins = "".join(f"    {name}：{u} / {info['roles'][u]}\n" for u, _, name in ROLE_LOGINS)
    console.print(
        "\n[bold]jiuzhu 医疗救助 一站式结算 演示 demo[/] — 宁夏 ningxia\n"
        f"  经办系统 web app:  http://{host}:{port}/   （用浏览器打开 open in a browser）\n"
        f"  登录 logins (用户名 / 密码):\n"
        f"    管理员：{info['username']} / {info['password']}\n"
        f"{logins}"
        f"  地址 address:      http://{host}:{port}/   (OpenAPI: http://{host}:{port}/docs)\n"
        f"  工作人员 staff:    {info['username']} / {info['password']}"
        f"   (POST /api/v1/auth/login)\n"
        f"  医院 hospital:     {info['institution']}\n"
        f"  接口密钥 API key:  {info['api_key']}\n"
        f"  例 example:        curl -H 'X-API-Key: {info['api_key']}' "
        f"http://{host}:{port}/api/v1/persons/{info['example_psn_no']}/years/{year}\n",
        highlight=False,
        soft_wrap=True,
    )
    if no_serve:
        return
    os.environ[ENV_REGION] = REGION
    os.environ[ENV_PARAMS] = "[]"
    serve_app(host, port, 1, False, REGION)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
