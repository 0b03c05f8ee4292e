"""Data-key rotation: every encrypted field re-encrypted and every lookup hash recomputed
under a new key in one transaction, audited (issue 8 item 3; ningxia 第九条 全程痕迹管理).

The new key is written next to the old one first (``data.key.new``); only after the
transaction commits does it take the old key's place, the old one kept as
``data.key.retired-<time>`` (a crash in between leaves both keys and the database under
exactly one of them: ``jiuzhu keys rotate-data`` refuses to start while a ``.new`` exists).
"""

from __future__ import annotations

import datetime as dt
import os
from pathlib import Path
from typing import Any

from sqlalchemy import inspect, text

from jiuzhu.adapters.crypto import (
    ENCRYPTED_COLUMNS,
    DataCipher,
    DataKeyError,
    get_cipher,
    read_key,
    write_new_key,
)
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.config import get_settings
from jiuzhu.domain.pii import normalise_certno

HASHED = {
    "person": ("certno_hash", "certno_enc"),
    "reimb_application": ("agent_certno_hash", "agent_certno_enc"),
}
"""lookup-hash column → the encrypted column it is the hash of"""
CHUNK = 2000


def _reencrypt(s: Any, old: DataCipher, new: DataCipher) -> dict[str, int]:
    names = set(inspect(s.connection()).get_table_names())
    counts: dict[str, int] = {}
    for table, cols in ENCRYPTED_COLUMNS.items():
        if table not in names:
            continue
        hash_col, hashed_from = HASHED.get(table, (None, None))
        last, n = 0, 0
        while True:
            rows = s.execute(
                text(
                    f"SELECT id, {', '.join(cols)} FROM {table} WHERE id > :last ORDER BY id LIMIT {CHUNK}"
                ),
                {"last": last},
            ).all()
            if not rows:
                break
            updates = []
            for row in rows:
                vals: dict[str, Any] = {"id": row[0]}
                for col, blob in zip(cols, row[1:], strict=True):
                    if blob is None:
                        vals[col] = None
                        continue
                    blob = bytes(blob)
                    if table == "archive_file":
                        vals[col] = new.encrypt_bytes(old.decrypt_bytes(blob))
                        continue
                    clear = old.decrypt(blob)
                    vals[col] = new.encrypt(clear)
                    if col == hashed_from and hash_col:
                        vals[hash_col] = new.lookup_hash(normalise_certno(clear))
                if hash_col and hashed_from and vals.get(hashed_from) is None:
                    vals[hash_col] = None
                updates.append(vals)
            sets = ", ".join(f"{c} = :{c}" for c in updates[0] if c != "id")
            s.execute(text(f"UPDATE {table} SET {sets} WHERE id = :id"), updates)
            n += len(rows)
            last = rows[-1][0]
        counts[table] = n
    return counts


def rotate_data_key(
    uow: UnitOfWork, actor: str, new_key_file: Path | None = None
) -> dict[str, Any]:
    """Re-encrypt the database under a new data key; returns what was done."""
    settings = get_settings()
    old = get_cipher()
    from_env = bool(settings.data_key)
    current = None if from_env else settings.data_key_path()
    target = new_key_file or (current.with_name(current.name + ".new") if current else None)
    if target is None:
        raise DataKeyError(
            "the data key comes from JIUZHU_DATA_KEY: give --new-key-file for the new key"
        )
    if target.exists():
        raise DataKeyError(
            f"{target} exists (an unfinished rotation?): check which key the database "
            "is under, then remove or rename it"
        )
    new = DataCipher(write_new_key(target), str(target))
    try:
        with uow.begin() as s:
            counts = _reencrypt(s, old, new)
            audit(
                s,
                actor,
                "rotate",
                "data_key",
                new.fingerprint,
                {"fingerprint": old.fingerprint},
                {"fingerprint": new.fingerprint, "rows": counts},
            )
    except BaseException:
        target.unlink(missing_ok=True)
        raise
    retired = None
    if current is not None and new_key_file is None:
        stamp = dt.datetime.now().strftime("%Y%m%d%H%M%S")
        retired = current.with_name(f"{current.name}.retired-{stamp}")
        os.replace(current, retired)
        os.replace(target, current)
        target = current
    get_cipher.cache_clear()
    return {
        "old": old.fingerprint,
        "new": new.fingerprint,
        "key_file": str(target),
        "retired": str(retired) if retired else None,
        "rows": counts,
    }


__all__ = ["rotate_data_key", "read_key"]
