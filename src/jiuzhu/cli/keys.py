"""`jiuzhu keys`: API keys of the designated institutions (定点医药机构), stored hashed."""

from __future__ import annotations

import getpass
from pathlib import Path

import typer
from rich.table import Table

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.cli.common import console, reports_errors
from jiuzhu.domain.errors import InputError
from jiuzhu.services.access.api_keys import create_api_key, revoke_key
from jiuzhu.services.access.queries import list_api_keys

app = typer.Typer(help="医药机构接口密钥 API keys of hospitals (X-API-Key).", no_args_is_help=True)


def cli_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except Exception:  # no user name (containers): still say where the change came from
        return "cli:unknown"


@app.command("create")
@reports_errors
def create(
    institution: str = typer.Option(
        ..., "--institution", help="定点医药机构编号, e.g. H00000000001"
    ),
    label: str | None = typer.Option(None, "--label", help="a note (e.g. the hospital's name)"),
) -> None:
    """Create a key bound to an institution; the key is printed once, as the last line."""
    institution = institution.strip()
    if not institution or len(institution) > 40:
        raise InputError("institution code must have 1 to 40 characters", column="--institution")
    uow = UnitOfWork()
    with uow.begin() as s:
        key = create_api_key(s, institution, cli_actor(), label)
    console.print(
        f"已为 {institution} 创建接口密钥（仅显示一次） key created for {institution}, shown once:",
        highlight=False,
    )
    print(key, flush=True)


@app.command("list")
@reports_errors
def list_keys(institution: str | None = typer.Option(None, "--institution")) -> None:
    """List keys (prefix only; the key itself is never stored)."""
    uow = UnitOfWork()
    t = Table("ID", "机构 institution", "前缀 prefix", "标签 label", "创建 created", "吊销 revoked")
    with uow.read() as s:
        for k in list_api_keys(s, institution):
            t.add_row(
                str(k.id),
                k.institution,
                k.prefix + "…",
                k.label or "",
                k.created_at.isoformat(sep=" ", timespec="seconds") if k.created_at else "",
                k.revoked_at.isoformat(sep=" ", timespec="seconds") if k.revoked_at else "",
            )
    console.print(t)


@app.command("revoke")
@reports_errors
def revoke(key_id: int = typer.Argument(..., help="the key's ID (see `jiuzhu keys list`)")) -> None:
    """Revoke a key (running servers stop accepting it within 30 seconds)."""
    k = revoke_key(UnitOfWork(), key_id, cli_actor())
    at = k.revoked_at.isoformat(sep=" ", timespec="seconds") if k.revoked_at else ""
    console.print(
        f"已吊销 revoked key {k.id} ({k.institution}, {k.prefix}…) at {at}",
        highlight=False,
    )


@app.command("rotate-data")
@reports_errors
def rotate_data(
    new_key_file: Path | None = typer.Option(
        None,
        "--new-key-file",
        help="write the new key here (needed when the key comes from JIUZHU_DATA_KEY); "
        "default: it replaces the configured key file, the old one kept as .retired-<time>",
    ),
) -> None:
    """Re-encrypt every personal field under a new data key (one transaction, audited)."""
    from jiuzhu.services.keys import rotate_data_key

    out = rotate_data_key(UnitOfWork(), cli_actor(), new_key_file)
    rows = ", ".join(f"{t} {n}" for t, n in out["rows"].items())
    console.print(
        f"数据密钥已轮换 data key rotated: {out['old']} → {out['new']} ({rows}); "
        f"key file {out['key_file']}"
        + (f"; old key kept at {out['retired']}" if out["retired"] else ""),
        highlight=False,
        soft_wrap=True,
    )


@app.command("where")
@reports_errors
def where() -> None:
    """Where the configured keys are (they follow the settings, not the working directory)."""
    from jiuzhu.config import get_settings

    s = get_settings()
    console.print(f"data key:  {'JIUZHU_DATA_KEY' if s.data_key else s.data_key_path()}")
    console.print(f"audit key: {'JIUZHU_AUDIT_KEY' if s.audit_key else s.audit_key_path()}")
