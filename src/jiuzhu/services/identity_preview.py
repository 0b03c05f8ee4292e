"""A department list's diff before it is applied (预览), then the same file applied.

The preview runs the import itself (``identity_import.import_identities``: the same
parsing, comparison and refusals) in a transaction that is rolled back, so what the case
worker reads is exactly what confirming would do on the registry as it is now; nothing is
written and no report file is kept. Between preview and confirm the upload waits
encrypted at rest (AES-256-GCM, the data key) under ``var/uploads``; confirming checks it
is the same file (SHA-256) and deletes it (新疆规程 第六条 每月全面比对; 宁医保发〔2023〕102号
第十一条).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import get_cipher
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import InputError
from jiuzhu.services.identity_import import ImportResult, import_identities

PENDING_SECONDS = 3600


class _RolledBack(UnitOfWork):
    """A unit of work whose every transaction is rolled back at the end."""

    @contextmanager
    def begin(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            session.begin()
            yield session
            session.flush()
        finally:
            session.rollback()
            session.close()


def preview(uow: UnitOfWork, name: str, data: bytes, source: str, **kw: Any) -> ImportResult:
    """What importing ``data`` would do now; writes nothing."""
    res = import_identities(_RolledBack(uow.engine), name, data, source, save_report=False, **kw)
    res.batch_id = None
    return res


def _dir() -> Path:
    d = get_settings().var_dir / "uploads"
    d.mkdir(parents=True, exist_ok=True)
    return d


def park(data: bytes, meta: dict[str, Any]) -> str:
    """Keep an upload (encrypted) until it is confirmed; returns its token."""
    _sweep()
    token = secrets.token_urlsafe(18)
    meta = {**meta, "sha256": hashlib.sha256(data).hexdigest(), "at": time.time()}
    (_dir() / f"{token}.bin").write_bytes(get_cipher().encrypt_bytes(data))
    (_dir() / f"{token}.json").write_text(json.dumps(meta, ensure_ascii=False), "utf-8")
    return token


def fetch(token: str, user_id: int) -> tuple[bytes, dict[str, Any]]:
    """The parked upload of this user, checked against its SHA-256."""
    if not token or not token.replace("-", "").replace("_", "").isalnum():
        raise InputError("上传已失效，请重新上传", column="token")
    meta_path, bin_path = _dir() / f"{token}.json", _dir() / f"{token}.bin"
    if not meta_path.exists() or not bin_path.exists():
        raise InputError("上传已失效或已确认，请重新上传", column="token")
    meta = json.loads(meta_path.read_text("utf-8"))
    if meta.get("user_id") != user_id:
        raise InputError("这不是您上传的文件", column="token")
    data = get_cipher().decrypt_bytes(bin_path.read_bytes())
    if hashlib.sha256(data).hexdigest() != meta["sha256"]:
        raise InputError("文件与预览时不一致，请重新上传", column="token")
    return data, meta


def drop(token: str) -> None:
    for ext in (".bin", ".json"):
        (_dir() / f"{token}{ext}").unlink(missing_ok=True)


def _sweep() -> None:
    """Forget uploads never confirmed within PENDING_SECONDS."""
    now = time.time()
    for p in _dir().glob("*.json"):
        try:
            at = json.loads(p.read_text("utf-8")).get("at", 0)
        except (OSError, ValueError):
            at = 0
        if now - at > PENDING_SECONDS:
            drop(p.stem)
