"""`jiuzhu warning …`: early-warning lines 预警监测 (calc-contract §11)."""

from __future__ import annotations

import gc
from pathlib import Path

import typer

from jiuzhu.cli.common import (
    OperatorFileOption,
    ParamOption,
    err_console,
    load_policy,
    operator_config,
    reports_errors,
)

app = typer.Typer(help="预警监测 early warning: scan, monitoring list, pushes, feedback.")


@app.command("scan")
@reports_errors
def scan(
    region: str = typer.Option(
        ..., "--region", help="xinjiang | shuangyashan | ningxia | liuzhou | meizhou"
    ),
    identities: Path = typer.Option(..., "--identities", help="IDENTITIES.csv"),
    claims: Path = typer.Option(..., "--claims", help="CLAIMS.csv (medfee_sumamt optional)"),
    out: Path = typer.Option(..., "--out", help="WARNINGS.csv to write (atomically)"),
    param: list[str] | None = ParamOption,
    operator_file: Path | None = OperatorFileOption,
    quiet: bool = typer.Option(False, "--quiet", "-q"),
) -> None:
    """Every line met, one row per person, year and line (calc-contract §11)."""
    from jiuzhu.policy.warning import require_warning_parameters
    from jiuzhu.services.calc import read_identities
    from jiuzhu.services.warning.scan import scan_file, write_warnings

    policy = load_policy(region, param, operator_file)
    require_warning_parameters(policy)
    gc.disable()
    spans = read_identities(identities, operator_config(operator_file).identity_code_map)
    result = scan_file(claims, spans, policy)
    write_warnings(out, result)
    if not quiet:
        summary = "，".join(f"{k} {v}" for k, v in sorted(result.counts.items())) or "无"
        total = sum(result.counts.values())
        err_console.print(f"预警 warnings: {total}（{summary}）→ {out}", highlight=False)
