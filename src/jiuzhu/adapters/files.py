"""The one atomic file writer: every file the system hands to people or programs (RESULTS.csv,
WARNINGS.csv, reports, push files, PDFs, bank files) is written to a temporary file in the
same folder and renamed into place, so a reader sees the whole file or none, and a failure
leaves nothing behind (the charter: every import and export is atomic).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any


@contextlib.contextmanager
def atomic_file(
    path: Path | str, *, binary: bool = False, encoding: str = "utf-8"
) -> Iterator[IO[Any]]:
    """Open a temporary file next to ``path``; on a clean exit it replaces ``path``.
    Text files use ``newline=""`` (the csv module's own line ends)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=str(path.parent))
    try:
        if binary:
            fh: IO[Any] = os.fdopen(fd, "wb")
        else:
            fh = os.fdopen(fd, "w", encoding=encoding, newline="")
        with fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def write_atomically(path: Path | str, write: Callable[[Any], None]) -> None:
    """Call ``write`` with a text file (UTF-8, ``newline=""``) that replaces ``path`` when
    it returns."""
    with atomic_file(path) as fh:
        write(fh)


def write_bytes_atomically(path: Path | str, data: bytes) -> None:
    with atomic_file(path, binary=True) as fh:
        fh.write(data)


def write_text_atomically(path: Path | str, text: str, encoding: str = "utf-8") -> None:
    with atomic_file(path, encoding=encoding) as fh:
        fh.write(text)
