"""CLAIMS.csv read once into integer columns, grouped by person (calc-contract §3, §8).

:func:`read_columns` returns None for any file it does not read as plainly as the
checking reader would (a quote, NUL, bare CR, non-UTF-8 byte, a cell in a form other
than the canonical one, a repeated ``setl_id``): the caller then goes to the reference
path, which raises the located error or reads the odd but valid form.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jiuzhu.domain.identity import IdentitySpan, months_before
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch.readers import CLAIM_REQUIRED

BOM = b"\xef\xbb\xbf"

# rows of ClaimColumns.cols
SETL_ID0, SETL_ID1, PSN0, PSN1, TIME, VT, BEG, END, YEAR, BASE, FLAGS, LINE = range(12)
INSCP, HIFP, HIFMI, HIFOB, SETL_ID_HASH, PSN_HASH, STORED_PAID, COUNTY, MEDFEE = range(12, 21)


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

    def ungrouped(self) -> ClaimColumns:
        """The same claims without the person order (16 MB for a million claims), for
        what is left once the engine has run: the output reads claims in input order."""
        empty = np.empty(0, np.int64)
        return dataclasses.replace(self, order=empty, bounds=empty, n_groups=0)

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
    return columns_of(raw, str(path))


def plain_header(raw: bytes, required: Sequence[str]) -> tuple[dict[str, int], int] | None:
    """The header (name → field) of a CSV text that plain splitting reads exactly as
    ``csv`` does (UTF-8, no quote, NUL or bare CR) and that has the ``required`` columns,
    and where its data rows begin; None for any other text."""
    start = 3 if raw.startswith(BOM) else 0
    if b'"' in raw or b"\x00" in raw:
        return None
    if b"\r" in raw and raw.count(b"\r") != raw.count(b"\r\n"):
        return None  # a bare CR, which csv reads as a line break
    if not raw.isascii():
        try:
            raw.decode("utf-8")
        except UnicodeDecodeError:
            return None
    head = header_index(raw, start)
    if head is None or any(c not in head[0] for c in required):
        return None
    return head


def claim_rows(
    raw: bytes, pos: int, index: dict[str, int], columns: Sequence[str], parts: int = 1
) -> np.ndarray | None:
    """The columns (``read_kernel.read_claims``) of the data rows of CLAIMS.csv from
    ``pos``, reading ``columns``; None if a row is not plain. With ``parts > 1`` the
    text is cut at line ends and the parts are read at once, one thread each (the
    compiled reader runs without the GIL)."""
    buf = np.frombuffer(raw, np.uint8)
    slots = rk.slot_map(index, columns)
    cuts = [pos]
    for k in range(1, parts):
        nl = raw.find(b"\n", pos + (len(raw) - pos) * k // parts)
        cuts.append(len(raw) if nl < 0 else nl + 1)
    cuts.append(len(raw))
    # part k's rows go to the columns from at[k]: at most one row per line break, and
    # one more in the last part (a last line without one)
    at = [0]
    for k in range(parts):
        at.append(at[-1] + raw.count(b"\n", cuts[k], cuts[k + 1]) + (k == parts - 1))
    cols = np.empty((rk.rows_for(columns), at[-1]), np.int64)

    def read(k: int) -> int:
        n, status, _ = rk.read_claims(buf, cuts[k], cuts[k + 1], slots, cols, at[k])
        return int(n) if status == rk.OK else -1

    if parts == 1:
        got = [read(0)]
    else:
        with ThreadPoolExecutor(parts) as ex:
            got = list(ex.map(read, range(parts)))
    if min(got) < 0:
        return None
    if all(at[k] + got[k] == at[k + 1] for k in range(parts - 1)):
        return cols[:, : at[-2] + got[-1]]  # no blank line inside: no gap
    return np.concatenate([cols[:, at[k] : at[k] + got[k]] for k in range(parts)], axis=1)


def columns_of(raw: bytes, name: str) -> ClaimColumns | None:
    """:func:`read_columns` of CLAIMS.csv text already in memory."""
    head = plain_header(raw, CLAIM_REQUIRED)
    if head is None:
        return None
    index, pos = head
    if "dise_codg" in index or "age" in index:
        return None  # the special groups' fields (梅州 第十二条（四）): the reference reads them
    # the stored payment and county only when the file has them (a simulation's export)
    wanted = rk.CALC_COLUMNS if rk.OPTIONAL_COLUMNS & index.keys() else rk.CLAIM_COLUMNS
    cols = claim_rows(raw, pos, index, wanted)
    if cols is None:
        return None
    buf = np.frombuffer(raw, np.uint8)
    if has_duplicate_id(buf, cols):
        return None
    return grouped(name, raw, index, buf, cols)


def grouped(
    name: str, raw: bytes, index: dict[str, int], buf: np.ndarray, cols: np.ndarray
) -> ClaimColumns | None:
    """Claims read into ``cols`` grouped by person, each person's in settlement order
    (calc-contract §3); None when two psn_no share a hash (the reference path reads it)."""
    n = int(cols.shape[1])
    psn_hash = rk.hashes(cols, PSN_HASH)
    order = np.argsort(psn_hash, kind="stable")
    bounds = np.empty(n + 1, np.int64)
    groups = rk.group_persons(buf, order, psn_hash, cols, bounds)
    if groups < 0:
        return None
    return ClaimColumns(name, raw, index, buf, cols, order, bounds, groups)


def has_duplicate_id(buf: np.ndarray, cols: np.ndarray) -> bool:
    """Whether two rows have the same ``setl_id`` (checked byte for byte)."""
    h = rk.hashes(cols, SETL_ID_HASH)
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


@dataclass
class PersonSpans:
    """Identity spans grouped by person: person ``j`` (in order of ``hash``) has rows
    ``lo[j]:hi[j]``; its psn_no is ``buf[start[j]:end[j]]``."""

    buf: np.ndarray
    start: np.ndarray
    end: np.ndarray
    hash: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    code: np.ndarray
    beg: np.ndarray
    until: np.ndarray


def text_blob(texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """UTF-8 texts end to end, and where each begins (and the last ends)."""
    encoded = [t.encode("utf-8") for t in texts]
    off = np.zeros(len(encoded) + 1, np.int64)
    if encoded:
        off[1:] = np.cumsum([len(b) for b in encoded])
    return np.frombuffer(b"".join(encoded) + b"\0", np.uint8), off


def _code_table(codes: Sequence[str], code_map: Mapping[str, str]) -> tuple[np.ndarray, ...]:
    """The identity texts a file may hold and the contract code each reads as."""
    index = {c: i for i, c in enumerate(codes)}
    texts = {c: index[c] for c in codes}
    for outside, code in code_map.items():
        texts[outside] = index[code]
    blob, off = text_blob(list(texts))
    return blob, off, np.array(list(texts.values()), np.int64)


def read_identity_columns(
    path: Path, codes: Sequence[str], code_map: Mapping[str, str]
) -> PersonSpans | None:
    """IDENTITIES.csv read plainly (None: let the checking reader read it)."""
    try:
        raw = path.read_bytes()
    except OSError:
        return None
    return identity_columns_of(raw, codes, code_map)


def identity_columns_of(
    raw: bytes, codes: Sequence[str], code_map: Mapping[str, str]
) -> PersonSpans | None:
    """:func:`read_identity_columns` of text already in memory."""
    from jiuzhu.services.batch.engine_kernel import MAX_DAY

    head = plain_header(raw, rk.ID_SLOTS)
    if head is None:
        return None
    index, pos = head
    field_of_slot = rk.slot_map(index, rk.ID_SLOTS, rk.ID_SLOTS)
    buf = np.frombuffer(raw, np.uint8)
    cols = np.empty((5, raw.count(b"\n") + 1), np.int64)
    blob, off, val = _code_table(codes, code_map)
    n, status = rk.read_identities(buf, pos, field_of_slot, blob, off, val, MAX_DAY, cols)
    if status != rk.OK:
        return None
    cols = cols[:, :n]
    h = np.empty(n, np.uint64)
    rk.hash_spans(buf, cols[0], cols[1], h)
    order = np.argsort(h, kind="stable")
    bounds = np.empty(n + 1, np.int64)
    g = rk.group_by_hash(order, h, bounds)
    if not rk.one_text_per_group(buf, cols[0], cols[1], order, bounds, g):
        return None  # two psn_no with one hash: the reference reader's dict is used
    first = order[bounds[:g]]
    s = cols[:, order]
    return PersonSpans(
        buf, cols[0][first], cols[1][first], h[first], bounds[:g], bounds[1 : g + 1],
        s[2], s[3], s[4],
    )  # fmt: skip


def person_spans(
    identities: Mapping[str, Sequence[IdentitySpan]], codes: Sequence[str]
) -> PersonSpans:
    """The same layout from the reference reader's dict."""
    from jiuzhu.services.batch.engine_kernel import MAX_DAY

    code_index = {c: i for i, c in enumerate(codes)}
    persons = list(identities)
    blob, off = text_blob(persons)
    p_hash = np.empty(len(persons), np.uint64)
    rk.hash_spans(blob, off[:-1], off[1:], p_hash)
    order = np.argsort(p_hash, kind="stable")
    s_code: list[int] = []
    s_beg: list[int] = []
    s_end: list[int] = []
    lo = np.zeros(len(persons), np.int64)
    hi = np.zeros(len(persons), np.int64)
    for j, p in enumerate(order.tolist()):
        lo[j] = len(s_code)
        for s in identities[persons[p]]:
            s_code.append(code_index[s.code])
            s_beg.append(s.begndate.toordinal())
            s_end.append(s.enddate.toordinal() if s.enddate else MAX_DAY)
        hi[j] = len(s_code)
    return PersonSpans(
        blob, off[:-1][order], off[1:][order], p_hash[order], lo, hi,
        np.array(s_code, np.int64), np.array(s_beg, np.int64), np.array(s_end, np.int64),
    )  # fmt: skip


def span_columns(claims: ClaimColumns, persons: PersonSpans, policy: RegionPolicy) -> SpanColumns:
    """Each claim's (in person order) identity spans, retro start applied (meizhou 第十条（二））."""
    from jiuzhu.services.batch import engine_kernel as ek

    beg = persons.beg
    retro = policy.spec.retro_start
    if retro is not None:
        from jiuzhu.services.batch.tables import CODES

        beg = beg.copy()
        hit = np.isin(persons.code, [CODES.index(c) for c in retro.identities])
        for j in np.nonzero(hit)[0].tolist():
            d = months_before(dt.date.fromordinal(int(beg[j])), retro.months)
            beg[j] = d.toordinal()
    first = claims.first_rows()
    g_start = claims.cols[PSN0][first]
    g_end = claims.cols[PSN1][first]
    g_hash = np.empty(claims.n_groups, np.uint64)
    rk.hash_spans(claims.buf, g_start, g_end, g_hash)
    person_of_group = np.empty(claims.n_groups, np.int64)
    ek.match_persons(
        claims.buf, g_start, g_end, g_hash, persons.buf, persons.start, persons.end,
        persons.hash, person_of_group,
    )  # fmt: skip
    c_lo = np.empty(claims.n, np.int64)
    c_hi = np.empty(claims.n, np.int64)
    identity = np.arange(claims.n, dtype=np.int64)
    ek.spans_of_claims(
        identity, claims.bounds, claims.n_groups, person_of_group, persons.lo, persons.hi,
        c_lo, c_hi,
    )  # fmt: skip
    return SpanColumns(persons.code, beg, persons.until, c_lo, c_hi)


def day(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)
