"""`jiuzhu simulate`: what a policy change would have paid (政策测算) on a set of claims."""

from __future__ import annotations

import gc
import time
from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    console,
    load_policy,
    operator_config,
    reports_errors,
)
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.loader import RegionPolicy, parse_param_option
from jiuzhu.policy.money import format_fen
from jiuzhu.policy.overlay import apply_overlay, read_overlay

BY_ZH = {"class": "救助类别 class", "county": "县区 county", "month": "月份 month",
         "visit_type": "就诊类型 visit type"}  # fmt: skip


@reports_errors
def simulate(
    region: str = typer.Option(..., "--region"),
    identities: Path | None = typer.Option(None, "--identities", help="IDENTITIES.csv"),
    claims: Path | None = typer.Option(
        None, "--claims", help="CLAIMS.csv: the settlements to re-run"
    ),
    year: int | None = typer.Option(
        None, "--year", help="re-run this year's stored settlements ($JIUZHU_DATABASE_URL)"
    ),
    overlay: list[Path] | None = typer.Option(
        None,
        "--overlay",
        help="a change: dated values laid over the region file (YAML); repeat it to try "
        "several changes on one reading of the claims",
    ),
    change: list[str] | None = typer.Option(
        None, "--change", help="NAME=VALUE: a parameter under the change (repeatable)"
    ),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    xlsx: Path | None = typer.Option(None, "--xlsx", help="write the figures as XLSX"),
    top: int = typer.Option(10, "--top", min=0, help="persons who gain / lose most"),
) -> None:
    """Re-run the claims under the policy now and under the change; compare."""
    from jiuzhu.services import simulate as sim
    from jiuzhu.services.batch.run import IdentitySource

    if not overlay and not change:
        raise InputError("give the change: --overlay FILE and/or --change NAME=VALUE")
    gc.disable()
    now = load_policy(region, param, operator_file)
    changes = dict(parse_param_option(p) for p in (change or []))
    base_params = dict(parse_param_option(p) for p in (param or []))
    tried = [
        (o.name, apply_overlay(now, read_overlay(o), o.name, {**base_params, **changes}))
        for o in overlay or []
    ] or [("--change", apply_overlay(now, {}, "--change", {**base_params, **changes}))]
    t0 = time.perf_counter()
    if year is not None:
        from jiuzhu.cli.settlements import _store
        from jiuzhu.services.simulate_stored import load_year

        with _store().read() as s:
            stored = load_year(s, now.region, year)

        def run(name: str, changed: RegionPolicy) -> sim.Simulation:
            return stored.simulate(now, changed, name, top=top)

    elif identities is None or claims is None:
        raise InputError("give --year (stored settlements) or --identities and --claims")
    else:
        source = IdentitySource(identities, operator_config(operator_file).identity_code_map)
        columns = sim.read_claims_columns(claims)
        a = sim.run_policy(columns, source, now)

        def run(name: str, changed: RegionPolicy) -> sim.Simulation:
            b = sim.run_policy(columns, source, changed)
            return sim.compare(columns, a, b, now.region, name, top=top)

    for k, (name, changed) in enumerate(tried):
        result = run(name, changed)
        print_simulation(result)
        console.print(f"[dim]用时 {time.perf_counter() - t0:.2f} s[/]", highlight=False)
        t0 = time.perf_counter()
        if xlsx is not None:
            from jiuzhu.services.simulate_report import write_simulation_xlsx

            out = xlsx if k == 0 else xlsx.with_name(f"{xlsx.stem}-{k + 1}{xlsx.suffix}")
            write_simulation_xlsx(out, result)
            console.print(f"XLSX: {out}")


def print_simulation(s: object) -> None:
    from jiuzhu.services.simulate import Simulation

    assert isinstance(s, Simulation)
    console.print(
        f"[bold]政策测算 simulation[/] {s.region}，方案 {s.change}：{s.settlements} 笔结算，"
        f"{s.persons} 人；现行 paid now {format_fen(s.paid_now)}，测算 under change "
        f"{format_fen(s.paid_change)}，差额 difference {_signed(s.difference)}"
        f"（{s.changed_settlements} 笔结算金额变化）",
        highlight=False,
        soft_wrap=True,
    )
    for key, rows in s.by.items():
        t = Table(title=BY_ZH[key])
        for h in (BY_ZH[key], "人数 persons", "笔数 settlements", "现行 now", "测算 change",
                  "差额 difference"):  # fmt: skip
            t.add_column(h, justify="left" if h == BY_ZH[key] else "right")
        for r in rows:
            t.add_row(r.key, str(r.persons), str(r.settlements), format_fen(r.paid_now),
                      format_fen(r.paid_change), _signed(r.difference))  # fmt: skip
        console.print(t)
    for title, movers in (("受益最多 gain most", s.gainers), ("减少最多 lose most", s.losers)):
        t = Table(title=title)
        for h in ("人员 person", "笔数", "现行 now", "测算 change", "差额 difference"):
            t.add_column(h, justify="left" if h.startswith("人员") else "right")
        for m in movers:
            t.add_row(m.psn_masked, str(m.settlements), format_fen(m.paid_now),
                      format_fen(m.paid_change), _signed(m.difference))  # fmt: skip
        console.print(t)


def _signed(fen: int) -> str:
    return ("+" if fen > 0 else "") + format_fen(fen)
