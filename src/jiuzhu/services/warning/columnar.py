"""The fast path of `jiuzhu warning scan`: columns in numpy, loops compiled by numba.

Steps: read the bytes; parse the canonical spelling with `jiuzhu calc`'s compiled reader
(``batch/read_kernel.py``, with ``medfee_sumamt``), else give up; check setl_id unique
and group persons by two 64-bit hashes, verified byte for byte (a collision gives up
too); sort by person, year and settlement order (§3: ``setl_time``, ties by ``setl_id``
as text); choose identities and walk the lines (``kernel``).
Returns None wherever the reference must decide.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from jiuzhu.domain.identity import IdentitySpan
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.warning import sum_keys, warning_terms
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.batch import read_kernel as rk
from jiuzhu.services.batch.readers import CLAIM_REQUIRED
from jiuzhu.services.warning import kernel
from jiuzhu.services.warning.scan import CODES, ScanResult, csv_field, span_scores

_RULES = {
    "any_day_of_stay": kernel.RULE_ANY_DAY,
    "on_enddate": kernel.RULE_ON_END,
    "on_begndate": kernel.RULE_ON_BEGIN,
}
_MEASURES = {
    "B": kernel.MEASURE_B,
    "H": kernel.MEASURE_H,
    "base": kernel.MEASURE_BASE,
    "hifmi_pay": kernel.MEASURE_HIFMI,
}
_VISIT_BIT = {v: 1 << k for k, v in enumerate(rk.VISIT_TYPES)}
_ALL_VISITS = 7


def _visits(v: frozenset[str] | None) -> int:
    return _ALL_VISITS if v is None else sum(_VISIT_BIT[x] for x in v)


def scan_fast(
    path: Path, identities: dict[str, list[IdentitySpan]], policy: RegionPolicy
) -> ScanResult | None:
    """WARNINGS.csv's lines, or None where the reference reader must decide."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    head = cc.plain_header(data, CLAIM_REQUIRED)
    if head is None:
        return None
    index, start = head
    if "age" in index:
        return None  # a whole number of years, checked by the reference reader (calc's rule)
    parts = PARTS if len(data) - start > SPLIT_FROM else 1
    cols = cc.claim_rows(data, start, index, rk.WARNING_COLUMNS, parts)
    if cols is None or cols.shape[1] == 0:
        return None
    buf = np.frombuffer(data, np.uint8)
    if cc.has_duplicate_id(buf, cols):
        return None  # the reference names the duplicate setl_id
    n = cols.shape[1]
    sid_a, sid_b, psn_a, psn_b = cols[cc.SETL_ID0], cols[cc.SETL_ID1], cols[cc.PSN0], cols[cc.PSN1]
    t, visit, bday, eday, year = (cols[k] for k in (cc.TIME, cc.VT, cc.BEG, cc.END, cc.YEAR))
    psn_h = rk.hashes(cols, cc.PSN_HASH)
    by_psn = np.argsort(psn_h)
    hs = psn_h[by_psn]
    new = np.empty(n, np.bool_)
    new[0] = True
    np.not_equal(hs[1:], hs[:-1], out=new[1:])
    # persons are told apart by two independent 64-bit hashes of psn_no: rows with the
    # same first hash and another second one are a collision, left to the reference
    h2 = np.empty(n, np.uint64)
    rk.hash_spans(buf, psn_a, psn_b, h2, True)
    h2 = h2[by_psn]
    if np.any((h2[1:] != h2[:-1]) & ~new[1:]):
        return None
    person_h2 = h2[new]
    code = np.empty(n, np.int64)
    code[by_psn] = np.cumsum(new) - 1
    order = _settlement_order(data, code, year, t, sid_a, sid_b)
    ident, day_idx, days = _identities(identities, policy, code, bday, eday, hs[new], person_h2)
    inscp, hifp, hifmi, hifob, medfee = (
        cols[k] for k in (cc.INSCP, cc.HIFP, cc.HIFMI, cc.HIFOB, cc.MEDFEE)
    )
    paid = hifp + hifmi + hifob
    base = np.maximum(inscp - paid, 0)
    burden = np.maximum(np.where(medfee >= 0, medfee, inscp) - paid, 0)
    spec_lines = policy.spec.early_warning
    keys = list(sum_keys(policy))
    thr = np.full((len(days), len(spec_lines)), kernel.NOT_IN_FORCE, np.int64)
    articles: dict[tuple[int, int], str] = {}
    for d, day in enumerate(days):
        for ln in warning_terms(policy, day).lines:
            j = next(k for k, w in enumerate(spec_lines) if w.id == ln.id)
            thr[d, j] = ln.line
            articles[(d, j)] = ln.ref
    who = np.zeros((len(spec_lines), len(CODES) + 1), np.bool_)
    line_sum = np.full(len(spec_lines), -1, np.int64)
    for j, w in enumerate(spec_lines):
        if w.identities == ["anyone"]:
            who[j, :] = True
        else:
            for c in w.identities:
                who[j, CODES.index(c) + 1] = True
        if w.measure in ("B", "H"):
            line_sum[j] = keys.index(
                (w.measure, frozenset(w.visit_types) if w.visit_types else None)
            )
    rows, lines, amounts = kernel.fire(
        order, code, year, visit, base, burden, hifmi, ident, day_idx,
        np.array([_MEASURES[m] for m, _ in keys], np.int64),
        np.array([_visits(v) for _, v in keys], np.int64),
        np.array([_MEASURES[w.measure] for w in spec_lines], np.int64),
        line_sum,
        np.array([_visits(frozenset(w.visit_types) if w.visit_types else None) for w in spec_lines], np.int64),
        who, thr,
    )  # fmt: skip
    return _lines(buf, cols, rows, lines, amounts, thr, day_idx, articles, spec_lines, ident)


def _table(texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
    blobs = [x.encode() for x in texts]
    off = np.zeros(len(blobs) + 1, np.int64)
    off[1:] = np.cumsum([len(b) for b in blobs])
    return np.frombuffer(b"".join(blobs) or b"\0", np.uint8), off


def _lines(
    buf, cols, rows, lines, amounts, thr, day_idx, articles, spec_lines, ident,
) -> ScanResult:  # type: ignore[no-untyped-def]  # fmt: skip
    """The firings as WARNINGS.csv lines, ordered by psn_no, year, line (§11)."""
    if rows.size == 0:
        return ScanResult(b"", {})
    psn_a, psn_b, year = cols[cc.PSN0], cols[cc.PSN1], cols[cc.YEAR]
    width = int((psn_b[rows] - psn_a[rows]).max())
    words = -(-width // 8)
    fixed = kernel.fixed_width(buf, rows, psn_a, psn_b, words * 8)
    # big-endian 8-byte words, zero-padded, compare as the texts do (byte order is code
    # point order in UTF-8, and a shorter text sorts before its extensions)
    keys = fixed.view(">u8").astype(np.uint64)
    ids = [w.id for w in spec_lines]
    rank = np.argsort(np.argsort(np.array(ids)))  # line ids in text order
    order = np.lexsort((rank[lines], year[rows], *[keys[:, w] for w in range(words - 1, -1, -1)]))
    rows, lines, amounts = rows[order], lines[order], amounts[order]
    d = day_idx[rows]
    art_keys = sorted(articles)
    art_id = {k: n for n, k in enumerate(art_keys)}
    key_of = np.full(thr.shape, -1, np.int64)
    for (dd, j), n in art_id.items():
        key_of[dd, j] = n
    line_txt, line_off = _table(ids)
    id_txt, id_off = _table(CODES)
    art_txt, art_off = _table([csv_field(articles[k]) for k in art_keys])
    body = kernel.write_rows(
        buf, rows, cols, amounts, thr[d, lines], lines, line_txt, line_off, ident, id_txt,
        id_off, key_of[d, lines], art_txt, art_off,
    )  # fmt: skip
    counts = np.bincount(lines, minlength=len(ids))
    return ScanResult(body.tobytes(), {ids[j]: int(c) for j, c in enumerate(counts) if c})


PARTS = 2
"""Parts a large file is cut into (at line ends) and parsed at once, one thread each."""
SPLIT_FROM = 50_000_000
"""Bytes from which a file is cut into parts (below, a thread costs more than it saves)."""


def _settlement_order(
    data: bytes,
    code: np.ndarray,
    year: np.ndarray,
    t: np.ndarray,
    sid_a: np.ndarray,
    sid_b: np.ndarray,
) -> np.ndarray:
    """Rows sorted by person, year, ``setl_time``, then ``setl_id`` as text (§3)."""
    yoff = year - year.min()
    toff = t - t.min()
    bc, by, bt = (
        int(code.max()).bit_length(),
        int(yoff.max()).bit_length(),
        int(toff.max()).bit_length(),
    )
    if bc + by + bt <= 62:
        key = (code << (by + bt)) | (yoff << bt) | toff
        order = np.argsort(key)
        ks = key[order]
    else:
        order = np.lexsort((toff, yoff, code))
        ks = np.stack((code[order], yoff[order], toff[order]), axis=1)
    same = (ks[1:] == ks[:-1]) if ks.ndim == 1 else np.all(ks[1:] == ks[:-1], axis=1)
    ties = np.flatnonzero(same)
    if ties.size:
        k = 0
        while k < ties.size:
            lo = int(ties[k])
            hi = lo + 1
            while k < ties.size and int(ties[k]) == hi - 1:
                hi += 1
                k += 1
            run = order[lo:hi].tolist()
            run.sort(key=lambda i: data[sid_a[i] : sid_b[i]].decode())
            order[lo:hi] = run
    return order


def _identities(
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
    code: np.ndarray,
    bday: np.ndarray,
    eday: np.ndarray,
    person_hash: np.ndarray,
    person_hash2: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, list[dt.date]]:
    """Per settlement: the index in §1 of the identity §4 selects (-1: none), the index of
    its ``enddate`` among the distinct days, and those days.

    A span's person is found by the two hashes of its psn_no (as the claims' persons are
    told apart); a person of IDENTITIES.csv with no settlement is left out."""
    lo = int(eday.min())
    present = np.bincount(eday - lo)
    uniq = np.flatnonzero(present)
    lookup = np.zeros(present.shape[0], np.int64)
    lookup[uniq] = np.arange(uniq.shape[0])
    day_idx = lookup[eday - lo]
    days = [dt.date.fromordinal(int(d) + lo) for d in uniq]
    rule_by_day = np.array([_RULES[warning_terms(policy, d).identity_rule] for d in days], np.int64)
    rule = rule_by_day[day_idx]
    n_persons = person_hash.shape[0]
    scored = span_scores(identities, policy, days[0])
    names = list(scored)
    owner: list[int] = []
    beg: list[int] = []
    end: list[int] = []
    score: list[int] = []
    for k, p in enumerate(names):
        for b, e, sc in scored[p]:
            owner.append(k)
            beg.append(b)
            end.append(e)
            score.append(sc)
    txt, off = _table(names)
    h1 = np.empty(len(names), np.uint64)
    h2 = np.empty(len(names), np.uint64)
    rk.hash_spans(txt, off[:-1], off[1:], h1)
    rk.hash_spans(txt, off[:-1], off[1:], h2, True)
    pos = np.minimum(np.searchsorted(person_hash, h1), max(0, n_persons - 1))
    found = (person_hash[pos] == h1) & (person_hash2[pos] == h2)
    own = np.asarray(owner, np.int64)
    keep = found[own] if own.size else np.zeros(0, np.bool_)
    sp_person = pos[own[keep]] if own.size else own
    order = np.argsort(sp_person, kind="stable")
    counts = np.bincount(sp_person, minlength=n_persons).astype(np.int64)
    starts = np.zeros(n_persons, np.int64)
    starts[1:] = np.cumsum(counts)[:-1]
    best = kernel.choose(
        np.arange(code.shape[0]), code, bday, eday, rule, starts, counts,
        np.asarray(beg, np.int64)[keep][order], np.asarray(end, np.int64)[keep][order],
        np.asarray(score, np.int64)[keep][order],
    )  # fmt: skip
    ident = np.where(best >= 0, best % 1000, -1)
    return ident, day_idx, days
