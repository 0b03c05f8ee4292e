"""Issue 8 item 3: the data key's place follows the settings, not the working directory;
no new key for a database that holds encrypted rows; rotation re-encrypts, audited."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from registry_data import HEADER, certno, csv_text  # noqa: E402

JIUZHU = str(Path(sys.executable).parent / "jiuzhu")
ROWS = [("P1", certno(1), "张三丰", "dibao", "2024-01-01", "")]


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if not k.startswith("JIUZHU_")}
    e.update(JIUZHU_DATABASE_URL=f"sqlite:///{tmp_path / 'db' / 'jiuzhu.db'}", COLUMNS="200")
    return e


def jz(env: dict[str, str], *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [JIUZHU, *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=120
    )


def _load(env: dict[str, str], tmp_path: Path) -> None:
    here = tmp_path / "a"
    here.mkdir()
    assert jz(env, "db", "upgrade", cwd=here).returncode == 0
    lst = tmp_path / "LIST.csv"
    lst.write_text(csv_text(ROWS, HEADER), encoding="utf-8")
    r = jz(env, "identities", "import", str(lst), "--source", "yibao", cwd=here)
    assert r.returncode == 0, r.stderr


def test_the_key_follows_the_database_not_the_working_directory(
    env: dict[str, str], tmp_path: Path
) -> None:
    _load(env, tmp_path)
    # the key sits next to the database, not under the directory the command ran in
    assert (tmp_path / "db" / "keys" / "data.key").exists()
    assert not (tmp_path / "a" / "var" / "keys").exists()
    elsewhere = tmp_path / "b"
    elsewhere.mkdir()
    r = jz(env, "persons", "search", certno(1), cwd=elsewhere)
    assert r.returncode == 0, r.stderr
    assert "P1" in r.stdout and "张*丰" in r.stdout
    assert not (elsewhere / "var" / "keys").exists()


def test_no_new_key_for_a_database_with_encrypted_rows(env: dict[str, str], tmp_path: Path) -> None:
    _load(env, tmp_path)
    (tmp_path / "db" / "keys" / "data.key").rename(tmp_path / "moved.key")
    r = jz(env, "persons", "search", certno(1), cwd=tmp_path)
    assert r.returncode != 0
    assert "already holds encrypted" in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "db" / "keys" / "data.key").exists()  # no second key made
    env2 = dict(env, JIUZHU_KEY_FILE=str(tmp_path / "moved.key"))
    assert "P1" in jz(env2, "persons", "search", certno(1), cwd=tmp_path).stdout


def test_a_wrong_key_is_a_clear_error_not_invalid_tag(env: dict[str, str], tmp_path: Path) -> None:
    _load(env, tmp_path)
    env2 = dict(env, JIUZHU_DATA_KEY="cd" * 32)
    r = jz(env2, "persons", "show", "P1", cwd=tmp_path)
    assert r.returncode != 0
    assert "InvalidTag" not in r.stderr and "Traceback" not in r.stderr
    assert "another key" in r.stderr


def test_rotate_data_reencrypts_and_is_audited(env: dict[str, str], tmp_path: Path) -> None:
    _load(env, tmp_path)
    key = tmp_path / "db" / "keys" / "data.key"
    old = key.read_text()
    db = tmp_path / "db" / "jiuzhu.db"
    before = sqlite3.connect(db).execute("SELECT certno_enc, certno_hash FROM person").fetchone()
    r = jz(env, "keys", "rotate-data", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    assert key.read_text() != old
    assert list(key.parent.glob("data.key.retired-*"))
    after = sqlite3.connect(db).execute("SELECT certno_enc, certno_hash FROM person").fetchone()
    assert after[0] != before[0] and after[1] != before[1]
    r = jz(env, "persons", "search", certno(1), cwd=tmp_path)
    assert r.returncode == 0 and "P1" in r.stdout
    rows = (
        sqlite3.connect(db)
        .execute("SELECT action, entity FROM audit_log WHERE entity = 'data_key'")
        .fetchall()
    )
    assert rows == [("rotate", "data_key")]
