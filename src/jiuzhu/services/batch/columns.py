"""CLAIMS.csv read once into integer columns, grouped by person (calc-contract §3, §8).

:func:`read_columns` returns None for any file it does not read as plainly as the
checking reader would (a quote, NUL, bare CR, non-UTF-8 byte, a cell in a form other
than the canonical one, a repeated ``setl_id``): the caller then goes to the reference
path, which raises the located error or reads the odd but valid form.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jiuzhu.domain.identity import IdentitySpan, months_before
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch.engine_kernel import MAX_DAY
from jiuzhu.services.calc import CLAIM_REQUIRED

BOM = b"\xef\xbb\xbf"

# rows of ClaimColumns.cols
SETL_ID0, SETL_ID1, PSN0, PSN1, TIME, VT, BEG, END, YEAR, BASE, FLAGS, LINE = range(12)
INSCP, HIFP, HIFMI, HIFOB = 12, 13, 14, 15


@dataclass
class ClaimColumns:
    """The claims of one file: ``cols[row, claim]`` (see ``read_kernel.read_claims``),
    and the persons: ``order[bounds[g]:bounds[g+1]]`` are person ``g``'s claims in
    settlement order."""

    name: str
    raw: bytes
    index: dict[str, int]
    """The header: column name → field position."""
    buf: np.ndarray
    cols: np.ndarray
    order: np.ndarray
    bounds: np.ndarray
    n_groups: int

    @property
    def n(self) -> int:
        return int(self.cols.shape[1])

    def text(self, i: int, start: int) -> str:
        return bytes(self.buf[self.cols[start, i] : self.cols[start + 1, i]]).decode("utf-8")

    def group_rows(self, g: int) -> np.ndarray:
        return self.order[self.bounds[g] : self.bounds[g + 1]]

    def first_rows(self) -> np.ndarray:
        """Each person's first claim (in settlement order)."""
        return self.order[self.bounds[: self.n_groups]]

    def line(self, i: int) -> str:
        """The text of claim ``i``'s line (without its line break)."""
        a = int(self.cols[LINE, i])
        b = self.raw.find(b"\n", a)
        return self.raw[a : len(self.raw) if b < 0 else b].decode("utf-8").rstrip("\r")


def header_index(raw: bytes, start: int) -> tuple[dict[str, int], int] | None:
    end = raw.find(b"\n", start)
    end = len(raw) if end < 0 else end
    if end - start >= rk.MAX_LINE:
        return None
    header = raw[start:end].decode("utf-8").rstrip("\r")
    if not header.strip():
        return None
    return {h.strip(): i for i, h in enumerate(header.split(","))}, end + 1


def read_columns(path: Path) -> ClaimColumns | None:
    """Read, check and group CLAIMS.csv; None if it is not plain (see the module doc)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    start = 3 if raw.startswith(BOM) else 0
    if b'"' in raw or b"\x00" in raw or raw.count(b"\r") != raw.count(b"\r\n"):
        return None
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    head = header_index(raw, start)
    if head is None:
        return None
    index, pos = head
    if any(c not in index for c in CLAIM_REQUIRED):
        return None
    slot_of_field = np.full(1 + max(index.get(c, 0) for c in rk.SLOTS), -1, np.int64)
    for slot, c in enumerate(rk.SLOTS):
        if c in index:
            slot_of_field[index[c]] = slot
    buf = np.frombuffer(raw, np.uint8)
    cols = np.empty((16, raw.count(b"\n") + 1), np.int64)
    n, status, _ = rk.read_claims(buf, pos, slot_of_field, cols)
    if status != rk.OK:
        return None
    cols = cols[:, :n]
    if _has_duplicate_id(buf, cols):
        return None
    psn_hash = np.empty(n, np.uint64)
    rk.hash_spans(buf, cols[PSN0], cols[PSN1], psn_hash)
    order = np.argsort(psn_hash, kind="stable")
    bounds = np.empty(n + 1, np.int64)
    groups = rk.group_persons(buf, order, psn_hash, cols, bounds)
    if groups < 0:
        return None
    return ClaimColumns(str(path), raw, index, buf, cols, order, bounds, groups)


def _has_duplicate_id(buf: np.ndarray, cols: np.ndarray) -> bool:
    h = np.empty(cols.shape[1], np.uint64)
    rk.hash_spans(buf, cols[SETL_ID0], cols[SETL_ID1], h)
    s = np.sort(h)
    if not (s[1:] == s[:-1]).any():
        return False
    order = np.argsort(h, kind="stable")
    return bool(rk.any_duplicate(buf, order, h, cols[SETL_ID0], cols[SETL_ID1]))


@dataclass
class SpanColumns:
    """Identity spans of the claims' persons: claim ``i``'s are rows ``lo[i]:hi[i]``."""

    code: np.ndarray
    beg: np.ndarray
    end: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


def text_blob(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    encoded = [t.encode("utf-8") for t in texts]
    off = np.zeros(len(encoded) + 1, np.int64)
    off[1:] = np.cumsum([len(b) for b in encoded]) if encoded else []
    return np.frombuffer(b"".join(encoded) + b"\0", np.uint8), off


def span_columns(
    claims: ClaimColumns,
    identities: Mapping[str, Sequence[IdentitySpan]],
    policy: RegionPolicy,
    codes: Sequence[str],
) -> SpanColumns:
    """The identity spans of each claim's person, retro start applied (meizhou 第十条（二））."""
    from jiuzhu.services.batch import engine_kernel as ek

    code_index = {c: i for i, c in enumerate(codes)}
    retro = policy.spec.retro_start
    retro_codes = frozenset(retro.identities) if retro else frozenset()
    persons = list(identities)
    s_code: list[int] = []
    s_beg: list[int] = []
    s_end: list[int] = []
    lo = np.zeros(len(persons), np.int64)
    hi = np.zeros(len(persons), np.int64)
    for p, psn in enumerate(persons):
        lo[p] = len(s_code)
        for s in identities[psn]:
            b = s.begndate
            if retro and s.code in retro_codes:
                b = months_before(b, retro.months)
            s_code.append(code_index[s.code])
            s_beg.append(b.toordinal())
            s_end.append(s.enddate.toordinal() if s.enddate else MAX_DAY)
        hi[p] = len(s_code)
    blob, off = text_blob(persons)
    p_hash = np.empty(len(persons), np.uint64)
    rk.hash_spans(blob, off[:-1], off[1:], p_hash)
    p_order = np.argsort(p_hash, kind="stable")
    first = claims.first_rows()
    g_hash = np.empty(claims.n_groups, np.uint64)
    g_start = claims.cols[PSN0][first]
    g_end = claims.cols[PSN1][first]
    rk.hash_spans(claims.buf, g_start, g_end, g_hash)
    person_of_group = np.empty(claims.n_groups, np.int64)
    ek.match_persons(
        claims.buf, g_start, g_end, g_hash, blob, off, p_hash[p_order], p_order, person_of_group
    )
    c_lo = np.empty(claims.n, np.int64)
    c_hi = np.empty(claims.n, np.int64)
    ek.spans_of_claims(
        claims.order, claims.bounds, claims.n_groups, person_of_group, lo, hi, c_lo, c_hi
    )
    return SpanColumns(
        np.array(s_code, np.int64),
        np.array(s_beg, np.int64),
        np.array(s_end, np.int64),
        c_lo,
        c_hi,
    )


def day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)
