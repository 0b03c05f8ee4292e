"""Reports the agency keeps: import diff reports (JSON + CSV) and ledgers (XLSX).

Everything written here is already masked: ID numbers ``1****************4``, names ``张*``.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from jiuzhu.adapters.files import atomic_file, write_text_atomically
from jiuzhu.config import get_settings


def reports_dir() -> Path:
    """``<var_dir>/reports`` (created on demand)."""
    d = Path(get_settings().var_dir) / "reports"
    d.mkdir(parents=True, exist_ok=True)
    return d


def _default(o: object) -> object:
    if isinstance(o, dt.date | dt.datetime):
        return o.isoformat()
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def write_json(path: Path, data: Any) -> Path:
    """Write JSON atomically (temp file, then rename)."""
    write_text_atomically(path, json.dumps(data, ensure_ascii=False, indent=1, default=_default))
    return path


def write_csv(path: Path, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> Path:
    """Write a UTF-8 (with BOM, so spreadsheet programs read Chinese) CSV atomically."""
    with atomic_file(path, encoding="utf-8-sig") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow(["" if v is None else v for v in r])
    return path


__all__ = ["reports_dir", "write_csv", "write_json"]
