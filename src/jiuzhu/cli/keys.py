"""`jiuzhu keys`: API keys of the designated institutions (定点医药机构), stored hashed."""

from __future__ import annotations

import getpass

import typer
from rich.table import Table
from sqlalchemy import select

from jiuzhu.adapters.db.tables import ApiKey
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.auth import create_api_key
from jiuzhu.cli.common import console, reports_errors
from jiuzhu.domain.errors import InputError

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
        q = select(ApiKey).order_by(ApiKey.id)
        if institution:
            q = q.where(ApiKey.institution == institution)
        for k in s.scalars(q):
            t.add_row(
                str(k.id),
                k.institution,
                k.prefix + "…",
                k.label or "",
                k.created_at.isoformat(sep=" ", timespec="seconds"),
                k.revoked_at.isoformat(sep=" ", timespec="seconds") if k.revoked_at else "",
            )
    console.print(t)


@app.command("revoke")
@reports_errors
def revoke(key_id: int = typer.Argument(..., help="the key's ID (see `jiuzhu keys list`)")) -> None:
    """Revoke a key (running servers stop accepting it within 30 seconds)."""
    from jiuzhu.api.routers.admin import revoke_key

    out = revoke_key(UnitOfWork(), key_id, cli_actor())
    console.print(
        f"已吊销 revoked key {out['id']} ({out['institution']}, {out['prefix']}…) at {out['revoked_at']}",
        highlight=False,
    )
