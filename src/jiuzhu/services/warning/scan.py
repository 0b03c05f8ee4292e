"""`jiuzhu warning scan`: the early-warning lines over a settlement file (calc-contract §11).

The file holds the whole insured population, not only beneficiaries (双鸭山实施办法
第二十五条: anyone whose burden is over 10,000 yuan). Two paths with the same output:

- the reference, :func:`scan_claims`: the checking readers of ``services/batch/readers.py`` and
  :func:`jiuzhu.domain.warning.observe` settlement by settlement;
- the fast path, :func:`scan_file`: the compiled reader of the canonical spelling
  (``batch/read_kernel.py``, shared with `jiuzhu calc`) and compiled loops (``kernel``) over columns. On any cell it does
  not read, it steps aside and the reference reads the file, so bad input gets the
  reference's located error (§8) and nothing is written.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from jiuzhu.adapters.files import atomic_file
from jiuzhu.domain.claim import Claim
from jiuzhu.domain.identity import IDENTITY_ORDER, IdentitySpan, months_before
from jiuzhu.domain.warning import WarningState, observe, select_identity
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import Fen, format_fen
from jiuzhu.policy.schema import IDENTITY_CODES
from jiuzhu.policy.warning import sum_keys, warning_terms
from jiuzhu.services.batch.readers import open_csv, parse_amount, read_claims

WARNING_COLUMNS = (
    "psn_no", "year", "line", "setl_id", "identity", "amount", "threshold", "setl_time", "article",
)  # fmt: skip
CODES = list(IDENTITY_CODES)


@dataclass(frozen=True, slots=True)
class Row:
    """One line of WARNINGS.csv."""

    psn_no: str
    year: int
    line: str
    setl_id: str
    identity: str
    amount: Fen
    threshold: Fen
    setl_time: str
    article: str

    def sort_key(self) -> tuple[str, int, str]:
        return (self.psn_no, self.year, self.line)

    def cells(self) -> list[str]:
        return [
            self.psn_no, str(self.year), self.line, self.setl_id, self.identity,
            format_fen(self.amount), format_fen(self.threshold), self.setl_time, self.article,
        ]  # fmt: skip


def read_medfees(path: Path, n: int) -> list[Fen | None]:
    """The optional ``medfee_sumamt`` of each claim, in input order (None when absent)."""
    name = str(path)
    rows = open_csv(path)
    _, index, _ = next(rows)
    i = index.get("medfee_sumamt")
    if i is None:
        return [None] * n
    out: list[Fen | None] = []
    for line, _, row in rows:
        t = row[i].strip() if i < len(row) else ""
        out.append(parse_amount(t, file=name, line=line, column="medfee_sumamt") if t else None)
    return out


def scan_claims(
    claims: list[Claim],
    medfees: list[Fen | None],
    identities: dict[str, list[IdentitySpan]],
    policy: RegionPolicy,
) -> list[Row]:
    """The reference: each person's settlements in order through :func:`observe`."""
    keys = sum_keys(policy)
    by_person: dict[str, list[int]] = defaultdict(list)
    for i, c in enumerate(claims):
        by_person[c.psn_no].append(i)
    out: list[Row] = []
    for psn, idxs in by_person.items():
        spans = identities.get(psn, [])
        states: dict[int, WarningState] = {}
        for i in sorted(idxs, key=lambda i: claims[i].order_key()):
            c = claims[i]
            terms = warning_terms(policy, c.enddate)
            code = select_identity(spans, c, terms)
            state, fired = observe(
                c, medfees[i], code, states.get(c.year, WarningState()), keys, terms
            )
            states[c.year] = state
            for f in fired:
                out.append(
                    Row(psn, f.year, f.line, f.setl_id, f.identity, f.amount, f.threshold,
                        f"{c.setl_time:%Y-%m-%d %H:%M:%S}", _article(policy, f.line, c.enddate))
                )  # fmt: skip
    out.sort(key=Row.sort_key)
    return out


def _article(policy: RegionPolicy, line_id: str, day: dt.date) -> str:
    for ln in warning_terms(policy, day).lines:
        if ln.id == line_id:
            return ln.ref
    return ""


def scan_reference(
    path: Path, identities: dict[str, list[IdentitySpan]], policy: RegionPolicy
) -> list[Row]:
    claims = read_claims(path)
    return scan_claims(claims, read_medfees(path, len(claims)), identities, policy)


@dataclass(frozen=True)
class ScanResult:
    """WARNINGS.csv's lines after the header (UTF-8) and the firings per line."""

    body: bytes
    counts: dict[str, int]

    @classmethod
    def of(cls, rows: Iterable[Row]) -> ScanResult:
        buf = io.StringIO()
        wr = csv.writer(buf, lineterminator="\n")
        counts: dict[str, int] = {}
        for r in rows:
            wr.writerow(r.cells())
            counts[r.line] = counts.get(r.line, 0) + 1
        return cls(buf.getvalue().encode(), counts)


def csv_field(text: str) -> str:
    """``text`` as csv.writer writes one field (QUOTE_MINIMAL)."""
    if any(c in text for c in ',"\r\n'):
        return '"' + text.replace('"', '""') + '"'
    return text


def scan_file(
    path: Path, identities: dict[str, list[IdentitySpan]], policy: RegionPolicy
) -> ScanResult:
    """WARNINGS.csv of CLAIMS.csv: the fast path, or the reference where it steps aside."""
    from jiuzhu.services.warning.columnar import scan_fast

    fast = scan_fast(path, identities, policy)
    return fast if fast is not None else ScanResult.of(scan_reference(path, identities, policy))


def write_warnings(path: Path, result: ScanResult) -> None:
    """WARNINGS.csv (calc-contract §11), atomically: nothing is left on failure."""
    with atomic_file(path, binary=True) as fh:
        fh.write((",".join(WARNING_COLUMNS) + "\n").encode())
        fh.write(result.body)


def span_scores(
    identities: dict[str, list[IdentitySpan]], policy: RegionPolicy, day: dt.date
) -> dict[str, list[tuple[int, int, int]]]:
    """Per person: (first day, last day, score) of each span as §4 ranks it (proleptic
    ordinals; an open end is the largest day; score = class rank × 1000 + the §1 order)."""
    terms = warning_terms(policy, day)
    top = 1 << 40
    out: dict[str, list[tuple[int, int, int]]] = {}
    for psn, spans in identities.items():
        rows = []
        for s in spans:
            beg = s.begndate
            if terms.retro_months and s.code in terms.retro_identities:
                beg = months_before(beg, terms.retro_months)
            end = s.enddate.toordinal() if s.enddate else top
            score = terms.rank_of.get(s.code, 999) * 1000 + IDENTITY_ORDER[s.code]
            rows.append((beg.toordinal(), end, score))
        out[psn] = rows
    return out


def np_int(values: list[int]) -> np.ndarray:
    return np.asarray(values, dtype=np.int64)
