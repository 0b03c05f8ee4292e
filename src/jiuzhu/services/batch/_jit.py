"""numba, with its on-disk cache where a fresh clone can write it.

Compiled functions are cached (``cache=True``) so that only the first run after an
install pays the compile time. The cache goes under the user's cache folder
(``$XDG_CACHE_HOME/jiuzhu/numba``, else ``~/.cache/jiuzhu/numba``) unless
``NUMBA_CACHE_DIR`` is already set; numba reads it when it is first imported.

numba checks a cached function against its own file only: one that calls a compiled
function of another file (``stored_kernel`` → ``read_kernel``) would keep the old callee
when only that file changed. So the folder is named after the content of every module
that compiles anything: any change to one of them starts a fresh cache.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path


def _compiled_sources_digest() -> str:
    root = Path(__file__).resolve().parents[2]  # the jiuzhu package
    h = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        data = path.read_bytes()
        if b"njit" in data:
            h.update(path.relative_to(root).as_posix().encode() + b"\0" + data + b"\0")
    return h.hexdigest()[:16]


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jiuzhu" / "numba" / _compiled_sources_digest()


os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))

import numba  # noqa: E402

njit = numba.njit(cache=True, nogil=True, boundscheck=False)
"""The decorator of every compiled function of the batch engine."""

__all__ = ["njit", "numba", "cache_dir"]
