"""Encryption of personal data at rest (AES-256-GCM) and a keyed lookup hash.

ID numbers and names are stored encrypted (AES-256-GCM, random nonce) and found by
HMAC-SHA256 under a separate key, so equal ID numbers can be looked up without being
stored in clear. The master key comes from ``JIUZHU_DATA_KEY`` (64 hex characters) or a
key file whose place the settings decide (:meth:`jiuzhu.config.Settings.data_key_path`),
created with mode 0600 on first run — but never for a database that already holds
encrypted rows: that database's key is somewhere else, and a new one would make its
registry unreadable and store new rows under a second key (issue 8 item 3).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from jiuzhu.config import get_settings
from jiuzhu.domain.errors import JiuzhuError


class DataKeyError(JiuzhuError):
    """The data key is missing, wrong for this database, or malformed."""

    code = "data_key"
    http_status = 500


_VERSION = b"\x01"


class DataCipher:
    """Encrypts and hashes personal fields with keys derived from one master key."""

    def __init__(self, master: bytes, where: str = "") -> None:
        if len(master) != 32:
            raise DataKeyError("the data key must be 32 bytes (64 hex characters)")
        self.where = where
        self.fingerprint = hmac.new(master, b"jiuzhu/fingerprint/v1", hashlib.sha256).hexdigest()[
            :16
        ]
        self._enc = AESGCM(hmac.new(master, b"jiuzhu/enc/v1", hashlib.sha256).digest())
        self._mac = hmac.new(master, b"jiuzhu/lookup/v1", hashlib.sha256).digest()

    def encrypt(self, text: str) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._enc.encrypt(nonce, text.encode("utf-8"), None)

    def decrypt(self, blob: bytes) -> str:
        if not blob or blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        try:
            return self._enc.decrypt(blob[1:13], blob[13:], None).decode("utf-8")
        except InvalidTag:
            raise DataKeyError(
                "a personal field cannot be decrypted with the configured data key "
                f"({self.where or 'unknown place'}, fingerprint {self.fingerprint}): this "
                "database was encrypted under another key. Point JIUZHU_KEY_FILE (or "
                "JIUZHU_KEY_DIR / JIUZHU_DATA_KEY) at the key the database was written with."
            ) from None

    def encrypt_bytes(self, data: bytes) -> bytes:
        nonce = os.urandom(12)
        return _VERSION + nonce + self._enc.encrypt(nonce, data, None)

    def decrypt_bytes(self, blob: bytes) -> bytes:
        if not blob or blob[:1] != _VERSION:
            raise ValueError("unknown ciphertext version")
        try:
            return self._enc.decrypt(blob[1:13], blob[13:], None)
        except InvalidTag:
            raise DataKeyError(
                f"a stored file cannot be decrypted with the data key {self.fingerprint}"
            ) from None

    def lookup_hash(self, text: str) -> str:
        """Keyed hash for equality lookups (hex, 64 characters)."""
        return hmac.new(self._mac, text.strip().upper().encode("utf-8"), hashlib.sha256).hexdigest()

    def encrypt_many(self, texts: Sequence[str]) -> list[bytes]:
        """``[encrypt(t) for t in texts]`` for bulk imports: the same format (version,
        random 12-byte nonce, AES-GCM ciphertext), the nonces drawn in one ``urandom``
        call rather than one system call per field."""
        seal = self._enc.encrypt
        pool = os.urandom(12 * len(texts))
        out: list[bytes] = []
        add = out.append
        for i, t in enumerate(texts):
            nonce = pool[12 * i : 12 * i + 12]
            add(_VERSION + nonce + seal(nonce, t.encode("utf-8"), None))
        return out

    def lookup_hashes_of_spans(self, buf: Any, starts: Any, ends: Any) -> Any:
        """The lookup hashes of texts already stripped and upper-cased, given as byte spans
        of ``buf`` (numpy): ``uint8[n, 64]`` of hex digits, compiled (``hmac_kernel``);
        None when a text is too long for it (then use :meth:`lookup_hashes`)."""
        from jiuzhu.adapters.hmac_kernel import hex_digests

        return hex_digests(self._mac, buf, starts, ends)

    def lookup_hashes(self, texts: Iterable[str]) -> list[str]:
        """``[lookup_hash(t) for t in texts]``, several times faster for bulk imports: the
        HMAC's keyed inner and outer SHA-256 states are computed once and copied per value
        (RFC 2104; the same digests as ``hmac.new``)."""
        key = self._mac.ljust(64, b"\0")
        inner0 = hashlib.sha256(bytes(b ^ 0x36 for b in key))
        outer0 = hashlib.sha256(bytes(b ^ 0x5C for b in key))
        out: list[str] = []
        add = out.append
        for t in texts:
            h = inner0.copy()
            h.update(t.strip().upper().encode("utf-8"))
            o = outer0.copy()
            o.update(h.digest())
            add(o.hexdigest())
        return out


ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "person": ("certno_enc", "name_enc"),
    "reimb_application": (
        "applicant_name_enc",
        "applicant_certno_enc",
        "agent_name_enc",
        "agent_certno_enc",
        "phone_enc",
        "account_name_enc",
        "account_no_enc",
    ),
    "archive_file": ("content_enc",),
    "import_batch_file": ("content_enc",),
}
"""Every column encrypted under the data key (re-encrypted by ``jiuzhu keys rotate-data``)."""


def read_key(path: Path, what: str = "key") -> bytes:
    try:
        key = bytes.fromhex(path.read_text().strip())
    except ValueError:
        raise DataKeyError(f"{path}: the {what} file must hold 64 hex characters") from None
    if len(key) != 32:
        raise DataKeyError(f"{path}: the {what} file must hold 64 hex characters")
    return key


def write_new_key(path: Path) -> bytes:
    """A new random key in a new file (mode 0600); never overwrites one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_bytes(32)
    fd = os.open(str(path), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(key.hex())
    return key


def database_has_encrypted_rows(url: str | None = None) -> bool:
    """Whether the configured database already holds rows encrypted under some key."""
    from sqlalchemy import inspect, text
    from sqlalchemy.pool import NullPool

    from jiuzhu.adapters.db.engine import is_sqlite, make_engine, normalise_url

    url = normalise_url(url or get_settings().database_url)
    if is_sqlite(url):
        db = url.split("///", 1)[1] if "///" in url else ""
        if not db or db == ":memory:" or not Path(db).exists():
            return False
    engine = make_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as c:
            names = set(inspect(c).get_table_names())
            for table, cols in ENCRYPTED_COLUMNS.items():
                if table not in names:
                    continue
                cond = " OR ".join(f"{col} IS NOT NULL" for col in cols)
                if c.execute(text(f"SELECT 1 FROM {table} WHERE {cond} LIMIT 1")).first():
                    return True
    except JiuzhuError:
        raise
    except Exception:  # unreachable database: nothing to protect from here
        return False
    finally:
        engine.dispose()
    return False


def _load_or_create_key(path: Path) -> bytes:
    if path.exists():
        return read_key(path, "data key")
    if database_has_encrypted_rows():
        raise DataKeyError(
            f"no data key at {path}, but the database {_safe_url()} already holds encrypted "
            "personal data: a new key would make it unreadable. Set JIUZHU_KEY_FILE (or "
            "JIUZHU_KEY_DIR, JIUZHU_DATA_KEY) to the key it was written with."
        )
    return write_new_key(path)


def _safe_url() -> str:
    url = get_settings().database_url
    return url.split("@", 1)[-1] if "@" in url else url


@lru_cache
def get_cipher() -> DataCipher:
    s = get_settings()
    if s.data_key:
        try:
            return DataCipher(bytes.fromhex(s.data_key), "JIUZHU_DATA_KEY")
        except ValueError:
            raise DataKeyError("JIUZHU_DATA_KEY must be 64 hex characters") from None
    path = s.data_key_path()
    return DataCipher(_load_or_create_key(path), str(path))


def hash_secret(secret: str) -> str:
    """Hash a password (scrypt, random salt)."""
    salt = os.urandom(16)
    dk = hashlib.scrypt(secret.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${dk.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    try:
        scheme, salt, digest = stored.split("$")
    except ValueError:
        return False
    if scheme != "scrypt":
        return False
    dk = hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=2**14, r=8, p=1)
    return hmac.compare_digest(dk.hex(), digest)


def api_key_hash(key: str) -> str:
    """API keys are 256-bit random, so a plain SHA-256 is enough (and fast per request)."""
    return hashlib.sha256(key.encode()).hexdigest()
