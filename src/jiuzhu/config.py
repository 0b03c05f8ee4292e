"""One settings object for the whole system (environment variables ``JIUZHU_*``).

Where the keys live follows this object, never the working directory: an SQLite
database keeps its keys in ``keys/`` next to its file, any other database under
``~/.local/share/jiuzhu/keys/<host>-<port>-<database>/`` unless ``JIUZHU_KEY_DIR``,
``JIUZHU_KEY_FILE`` or ``JIUZHU_DATA_KEY`` say otherwise (issue 8 item 3).
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

ENV_REGION = "JIUZHU_SERVE_REGION"
ENV_PARAMS = "JIUZHU_SERVE_PARAMS"
ENV_MASTER = "JIUZHU_SERVE_MASTER_PID"
"""What `jiuzhu serve` hands its worker processes (``jiuzhu.api.worker``)."""


class Settings(BaseSettings):
    """Defaults need no configuration: an SQLite file under ``./var/``."""

    model_config = SettingsConfigDict(env_prefix="JIUZHU_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/jiuzhu.db"
    var_dir: Path = Path("var")
    key_dir: Path | None = None
    """Directory of the key files (default: follows the database, see the module doc)."""
    key_file: Path | None = None
    """Data-encryption key file (default ``<key_dir>/data.key``)."""
    data_key: str | None = None
    """Data-encryption key material (hex), instead of a key file."""
    audit_key_file: Path | None = None
    """Key that signs the audit chain (default ``<key_dir>/audit.key``); never in the database."""
    audit_key: str | None = None
    """Audit signing key material (hex), instead of a key file."""
    operator_file: Path | None = None
    """Operator parameters and outside identity codes (YAML)."""
    region: str = "ningxia"
    max_body_bytes: int = 1_048_576
    """Largest request body the API accepts (413 above it)."""
    login_max_failures: int = 5
    """Failed logins of one account before it is locked for ``login_lock_seconds``."""
    login_lock_seconds: int = 900
    archive_retention_years: int | None = None
    """Retention of a filed case file (the regulations give none: the operator sets it)."""

    def resolved_key_dir(self) -> Path:
        """The key directory for this configuration (absolute)."""
        if self.key_dir is not None:
            return self.key_dir.expanduser().resolve()
        url = self.database_url
        if url.startswith("sqlite"):
            db = url.split("///", 1)[1] if "///" in url else ""
            if db and db != ":memory:":
                return (Path(db).expanduser().resolve().parent / "keys").resolve()
            return (self.var_dir.resolve() / "keys").resolve()
        tail = url.split("@", 1)[-1].split("?", 1)[0]  # host:port/db, no credentials
        slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", tail).strip("-") or "default"
        return Path.home() / ".local" / "share" / "jiuzhu" / "keys" / slug

    def data_key_path(self) -> Path:
        return (self.key_file or self.resolved_key_dir() / "data.key").expanduser().resolve()

    def audit_key_path(self) -> Path:
        return (self.audit_key_file or self.resolved_key_dir() / "audit.key").expanduser().resolve()


@lru_cache
def get_settings() -> Settings:
    return Settings()
