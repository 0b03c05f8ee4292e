"""Real-time early warning: every settlement (one-stop, imported, manual) through §11.

Run by the message bus's handlers of ``Settled`` and ``Reversed``
(:mod:`jiuzhu.services.warning.handlers`) in the settlement's own transaction, after the
person-year totals row is locked, so two settlements of one person never interleave.
One upsert adds the settlement's share to the person-year's running sums and returns
them; the lines are evaluated by
:func:`jiuzhu.domain.warning.observe` (the same function as the scan's reference); a
firing inserts the monitoring-list entry and its audit record. Back-pay settlements
restate an earlier settlement and are not counted again. A line whose parameter the
operator has not set is skipped here (a settlement never fails for a warning); `jiuzhu
serve` says so at start-up.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from jiuzhu.adapters.db.settlement_sql import Raw
from jiuzhu.domain.claim import Claim, medfee_of
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.warning import Firing, WarningState, add_to_sums, observe
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.money import Fen, format_fen
from jiuzhu.policy.warning import SumKey, sum_key_text, sum_keys, warning_terms

SLOTS = 3
_KEYS: dict[str, tuple[SumKey, ...]] = {}

_UPSERT = (
    "INSERT INTO warning_sums (psn_no, year, s1, s2, s3, fired) VALUES (?, ?, ?, ?, ?, '') "
    "ON CONFLICT (psn_no, year) DO UPDATE SET s1 = warning_sums.s1 + excluded.s1, "
    "s2 = warning_sums.s2 + excluded.s2, s3 = warning_sums.s3 + excluded.s3 "
    "RETURNING s1, s2, s3, fired"
)
ENTRY_COLUMNS = (
    "region", "psn_no", "year", "line", "setl_id", "identity", "amount", "threshold", "sums",
    "trace", "ref", "departments", "status", "created_at", "updated_at",
)  # fmt: skip
_ENTRY_JSON = {"sums", "trace", "departments"}


def keys_of(policy: RegionPolicy) -> tuple[SumKey, ...]:
    k = _KEYS.get(policy.region)
    if k is None:
        k = _KEYS[policy.region] = sum_keys(policy)
        if len(k) > SLOTS:
            raise ValueError(f"region {policy.region}: more than {SLOTS} running warning sums")
    return k


def _deltas(keys: tuple[SumKey, ...], claim: Claim, medfee: Fen | None) -> list[int]:
    d = add_to_sums(keys, claim, medfee, {})
    out = [d.get(sum_key_text(k), 0) for k in keys]
    return out + [0] * (SLOTS - len(out))


@dataclass(frozen=True)
class Pending:
    """The warning step of one settlement: the sums' upsert to run with the settlement's
    own statement (one round trip on PostgreSQL), then :meth:`finish` on its row."""

    policy: RegionPolicy
    claim: Claim
    medfee: Fen | None
    deltas: list[int]
    keys: tuple[SumKey, ...]

    @property
    def statement(self) -> tuple[str, tuple[Any, ...]]:
        return _UPSERT, (self.claim.psn_no, self.claim.year, *self.deltas)

    def finish(self, raw: Raw, row: Any, identity: str, actor: str) -> list[Firing]:
        """Evaluate the lines on the sums before and after; record what fires."""
        claim, keys, d = self.claim, self.keys, self.deltas
        before = {sum_key_text(k): int(row[i]) - d[i] for i, k in enumerate(keys)}
        fired = frozenset(x for x in str(row[3] or "").split(",") if x)
        terms = warning_terms(self.policy, claim.enddate, lenient=True)
        state, firings = observe(
            claim, self.medfee, identity, WarningState(before, fired), keys, terms
        )
        if firings:
            raw.execute(
                "UPDATE warning_sums SET fired = ? WHERE psn_no = ? AND year = ?",
                (",".join(sorted(state.fired)), claim.psn_no, claim.year),
            )
            for f in firings:
                _insert_entry(raw, self.policy.region, f, actor)
        return firings


def pending(policy: RegionPolicy, claim: Claim, medfee: Fen | None, source: str) -> Pending | None:
    """The warning step of a settlement, or None (no lines in the region; a back-pay)."""
    if source == "backpay" or not policy.spec.early_warning:
        return None
    keys = keys_of(policy)
    return Pending(policy, claim, medfee, _deltas(keys, claim, medfee), keys)


def observe_settlement(
    raw: Raw,
    policy: RegionPolicy,
    claim: Claim,
    extra: dict[str, Any] | None,
    identity: str,
    source: str,
    actor: str,
) -> list[Firing]:
    """The warning step on its own (a separate upsert): add the settlement to the
    person-year's sums, record the lines it fires."""
    p = pending(policy, claim, medfee_of(extra), source)
    if p is None:
        return []
    sql, params = p.statement
    return p.finish(raw, raw.execute(sql, params).fetchone(), identity, actor)


def _insert_entry(raw: Raw, region: str, f: Firing, actor: str) -> None:
    now = utcnow()
    values = {
        "region": region,
        "psn_no": f.psn_no,
        "year": f.year,
        "line": f.line,
        "setl_id": f.setl_id,
        "identity": f.identity,
        "amount": f.amount,
        "threshold": f.threshold,
        "sums": {k: format_fen(v) for k, v in f.sums.items()},
        "trace": list(f.trace),
        "ref": f.ref,
        "departments": list(f.departments),
        "status": "new",
        "created_at": now,
        "updated_at": now,
    }
    marks = ", ".join(
        ("CAST(? AS JSON)" if raw.pg and c in _ENTRY_JSON else "?") for c in ENTRY_COLUMNS
    )
    raw.execute(
        f"INSERT INTO warning_entry ({', '.join(ENTRY_COLUMNS)}) VALUES ({marks}) "
        "ON CONFLICT (psn_no, year, line) DO NOTHING",
        tuple(raw._v(values[c], c in _ENTRY_JSON) for c in ENTRY_COLUMNS),
    )
    raw.audit(
        actor,
        "warning_fired",
        "warning_entry",
        f"{f.psn_no}/{f.year}/{f.line}",
        None,
        {"line": f.line, "setl_id": f.setl_id, "amount": format_fen(f.amount), "ref": f.ref},
    )


def unobserve_settlement(
    raw: Raw, region: str, claim: Claim, extra: dict[str, Any] | None, source: str
) -> None:
    """A reversed settlement's share leaves the running sums (a line already fired stays
    on the list, its trace naming the settlement; the case worker decides)."""
    policy = RegionPolicy.load(region)
    if source == "backpay" or not policy.spec.early_warning:
        return
    d = _deltas(keys_of(policy), claim, medfee_of(extra))
    raw.execute(
        "UPDATE warning_sums SET s1 = s1 - ?, s2 = s2 - ?, s3 = s3 - ? WHERE psn_no = ? AND year = ?",
        (*d, claim.psn_no, claim.year),
    )
