"""numba, with its on-disk cache where a fresh clone can write it.

Compiled functions are cached (``cache=True``) so that only the first run after an
install pays the compile time. The cache goes under the user's cache folder
(``$XDG_CACHE_HOME/jiuzhu/numba``, else ``~/.cache/jiuzhu/numba``) unless
``NUMBA_CACHE_DIR`` is already set; numba reads it when it is first imported.
"""

from __future__ import annotations

import os
from pathlib import Path


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jiuzhu" / "numba"


os.environ.setdefault("NUMBA_CACHE_DIR", str(cache_dir()))

import numba  # noqa: E402

njit = numba.njit(cache=True, nogil=True, boundscheck=False)
"""The decorator of every compiled function of the batch engine."""

__all__ = ["njit", "numba", "cache_dir"]
