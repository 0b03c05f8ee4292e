"""Early-warning lines 预警监测 over one person's settlements (calc-contract §11).

A pure function of (the settlement, its ``medfee_sumamt``, the identity §4 selects,
the person-year warning state, the lines in force). Two running sums per person and
year: ``B`` (policy-scope self-pay after basic and critical-illness insurance, §2's
``base``) and ``H`` (the personal burden ``medfee_sumamt − hifp − hifmi − hifob``,
``inscp_scp_amt`` standing in for a missing ``medfee_sumamt``, never below 0); a line
with visit types counts (and fires at) only those settlements. Each line fires at most
once per person, year and line, at the first settlement whose identity it watches and
whose measure is strictly over the line.

新疆规程 第二十一条; 双鸭山实施办法 第二十四–二十五条; 宁医保发〔2023〕102号 第三十六条（二）;
柳州任务清单 六（一）. Real-time settlement and ``jiuzhu warning scan`` both use
:func:`observe` (the scan's columnar fast path is tested against it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from jiuzhu.domain.claim import Claim, visit_type_of
from jiuzhu.domain.identity import IDENTITY_ORDER, IdentitySpan, candidates
from jiuzhu.policy.money import Fen, format_fen
from jiuzhu.policy.warning import LineTerms, SumKey, WarningTerms, sum_key_text


def burden(claim: Claim, medfee_sumamt: Fen | None) -> Fen:
    """``H``'s share of one settlement: the personal burden after insurance (§11)."""
    total = claim.inscp_scp_amt if medfee_sumamt is None else medfee_sumamt
    return max(0, total - claim.hifp_pay - claim.hifmi_pay - claim.hifob_pay)


def select_identity(spans: Sequence[IdentitySpan], claim: Claim, terms: WarningTerms) -> str:
    """The identity §4 selects for the settlement ('' when none is valid).

    The same choice as :func:`jiuzhu.domain.engine.choose_identity` (tested against it),
    from the class order alone, so that it needs no benefit numbers.
    """
    cands = candidates(
        spans,
        terms.identity_rule,
        claim.begndate,
        claim.enddate,
        terms.retro_identities,
        terms.retro_months,
    )
    best = ""
    best_key = (1 << 30, 1 << 30)
    for s in cands:
        rank = terms.rank_of.get(s.code, 1 << 20)  # an unclassed code only when no class
        key = (rank, IDENTITY_ORDER.get(s.code, 999))
        if key < best_key:
            best, best_key = s.code, key
    return best


@dataclass(frozen=True, slots=True)
class WarningState:
    """A person-year's running sums (by :func:`sum_key_text`) and the lines already fired."""

    sums: dict[str, Fen] = field(default_factory=dict)
    fired: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Firing:
    """A line met: at which settlement, under which identity, by how much."""

    line: str
    setl_id: str
    psn_no: str
    year: int
    identity: str
    amount: Fen
    """The running sum that met the line (B or H), or the settlement's own figure."""
    threshold: Fen
    measure: str
    sums: dict[str, Fen]
    trace: tuple[str, ...]
    ref: str
    departments: tuple[str, ...]
    setl_time: dt.datetime


def _measure(line: LineTerms, claim: Claim, sums: dict[str, Fen]) -> Fen:
    if line.measure == "base":
        return claim.base
    if line.measure == "hifmi_pay":
        return claim.hifmi_pay
    key = line.sum_key
    assert key is not None
    return sums[sum_key_text(key)]


def add_to_sums(
    keys: Sequence[SumKey], claim: Claim, medfee_sumamt: Fen | None, sums: dict[str, Fen]
) -> dict[str, Fen]:
    """The running sums after this settlement (a sum counts only its visit types)."""
    vt = visit_type_of(claim.med_type)
    out = dict(sums)
    b, h = claim.base, burden(claim, medfee_sumamt)
    for measure, visits in keys:
        if visits is not None and vt not in visits:
            continue
        k = sum_key_text((measure, visits))
        out[k] = out.get(k, 0) + (b if measure == "B" else h)
    return out


def observe(
    claim: Claim,
    medfee_sumamt: Fen | None,
    identity: str,
    state: WarningState,
    keys: Sequence[SumKey],
    terms: WarningTerms,
) -> tuple[WarningState, list[Firing]]:
    """One settlement: the state after it and the lines it fires (calc-contract §11)."""
    sums = add_to_sums(keys, claim, medfee_sumamt, state.sums)
    vt = visit_type_of(claim.med_type)
    fired: list[Firing] = []
    for line in terms.lines:
        if line.id in state.fired:
            continue
        if line.visit_types is not None and vt not in line.visit_types:
            continue
        if line.who is not None and identity not in line.who:
            continue
        amount = _measure(line, claim, sums)
        if amount <= line.line:  # "over" is strictly greater
            continue
        fired.append(_firing(line, claim, identity, amount, sums))
    if not fired:
        return WarningState(sums, state.fired), []
    return WarningState(sums, state.fired | {f.line for f in fired}), fired


MEASURE_TEXT = {
    "B": "年度累计政策范围内个人自付",
    "H": "年度累计个人负担医疗费用",
    "base": "本次政策范围内个人自付",
    "hifmi_pay": "本次大病保险支付",
}


def _firing(
    line: LineTerms, claim: Claim, identity: str, amount: Fen, sums: dict[str, Fen]
) -> Firing:
    who = "所有参保人员" if line.who is None else f"身份 {identity}"
    visits = "（只计住院和门诊慢特病）" if line.visit_types is not None else ""
    trace = (
        f"预警线 {line.id}：{who}；{MEASURE_TEXT[line.measure]}{visits} {format_fen(amount)}"
        f" 超过 {format_fen(line.line)}〔{line.line_ref.text()}〕",
        f"结算 {claim.setl_id}（{claim.setl_time:%Y-%m-%d %H:%M:%S}）首次达到；"
        + "，".join(f"{k} {format_fen(v)}" for k, v in sums.items()),
    )
    return Firing(
        line.id,
        claim.setl_id,
        claim.psn_no,
        claim.year,
        identity,
        amount,
        line.line,
        line.measure,
        dict(sums),
        trace,
        line.ref,
        line.departments,
        claim.setl_time,
    )
