"""Hospitals' API keys (医药机构接口密钥): created once, stored hashed, revoked for good.

The key is shown once, when created; only its hash and a prefix are kept. Every
creation and revocation is audited (宁医保发〔2023〕102号 第九条).
"""

from __future__ import annotations

import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import api_key_hash
from jiuzhu.adapters.db.tables import ApiKey
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import InputError, NotFound, Unauthorized
from jiuzhu.services.access.queries import ApiKeyView, key_view


def create_api_key(session: Session, institution: str, actor: str, label: str | None = None) -> str:
    """A new key for an institution; only its hash is stored. Returns the key once."""
    institution = institution.strip()
    if not institution or len(institution) > 40:
        raise InputError("institution code must have 1 to 40 characters", column="institution")
    key = "jz_" + secrets.token_urlsafe(32)
    row = ApiKey(institution=institution, prefix=key[:10], key_hash=api_key_hash(key), label=label)
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "create",
        "api_key",
        str(row.id),
        None,
        {"institution": institution, "prefix": row.prefix},
    )
    return key


def key_of(session: Session, key: str) -> ApiKeyView:
    """The stored key a clear key was issued as (to show it after creation)."""
    row = session.scalars(select(ApiKey).where(ApiKey.key_hash == api_key_hash(key))).one()
    return key_view(row)


def institution_of_key(session: Session, api_key: str) -> str:
    """The institution an API key is bound to, or :class:`Unauthorized`."""
    row = session.scalar(select(ApiKey).where(ApiKey.key_hash == api_key_hash(api_key)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("invalid or revoked API key", field="X-API-Key")
    return row.institution


def revoke_key(uow: UnitOfWork, key_id: int, actor: str) -> ApiKeyView:
    """Revoke an API key (once; again changes nothing)."""
    with uow.begin() as s:
        k = s.get(ApiKey, key_id, with_for_update=True)
        if k is None:
            raise NotFound(f"no API key {key_id}", field="key_id")
        if k.revoked_at is None:
            k.revoked_at = utcnow()
            s.flush()
            audit(
                s,
                actor,
                "revoke",
                "api_key",
                str(k.id),
                {"institution": k.institution, "prefix": k.prefix, "revoked": False},
                {"institution": k.institution, "prefix": k.prefix, "revoked": True},
            )
        return key_view(k)
