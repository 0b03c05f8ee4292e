"""One settings object for the whole system (environment variables ``JIUZHU_*``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Defaults need no configuration: an SQLite file under ``./var/``."""

    model_config = SettingsConfigDict(env_prefix="JIUZHU_", env_file=".env", extra="ignore")

    database_url: str = "sqlite:///var/jiuzhu.db"
    var_dir: Path = Path("var")
    key_file: Path | None = None
    """Data-encryption key file; created on first run under ``var_dir`` if not set."""
    data_key: str | None = None
    """Data-encryption key material (hex), instead of a key file."""
    operator_file: Path | None = None
    """Operator parameters and outside identity codes (YAML)."""
    region: str = "ningxia"


@lru_cache
def get_settings() -> Settings:
    return Settings()
