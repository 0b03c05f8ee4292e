"""Hospital clearing (定点医疗机构 对账、清算、拨付): statuses, and the comparison of a
hospital's statement with our own settlements. Pure: no database, no framework.

宁医保发〔2023〕102号 第三十条 (垫付的救助资金 按规定拨付); 双鸭山实施办法 第二十七条; 梅州规程
第十二条. The statement has the shape of the national platform's 3201 对总账 (totals of a
period) and 3202 对明细账 (one line per ``setl_id``): the result is ``stmt_rslt``
(``0`` 平, ``1`` 不平) and ``stmt_rslt_dscr`` naming every difference.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from jiuzhu.domain.errors import WorkflowError
from jiuzhu.policy.money import Fen, format_fen


class StatementStatus(enum.StrEnum):
    """A statement's workflow (one transition table: :data:`STATEMENT_FLOW`)."""

    COMPARED = "compared"
    APPROVED = "approved"
    REJECTED = "rejected"
    BATCHED = "batched"
    PAID = "paid"


class BatchStatus(enum.StrEnum):
    """A hospital payment batch (拨付批次)."""

    CREATED = "created"
    EXPORTED = "exported"
    PAID = "paid"


STATEMENT_FLOW: dict[StatementStatus, frozenset[StatementStatus]] = {
    StatementStatus.COMPARED: frozenset({StatementStatus.APPROVED, StatementStatus.REJECTED}),
    StatementStatus.APPROVED: frozenset({StatementStatus.BATCHED}),
    StatementStatus.BATCHED: frozenset({StatementStatus.PAID}),
    StatementStatus.REJECTED: frozenset(),
    StatementStatus.PAID: frozenset(),
}
BATCH_FLOW: dict[BatchStatus, frozenset[BatchStatus]] = {
    BatchStatus.CREATED: frozenset({BatchStatus.EXPORTED}),
    BatchStatus.EXPORTED: frozenset({BatchStatus.EXPORTED, BatchStatus.PAID}),
    BatchStatus.PAID: frozenset(),
}
STATUS_ZH = {
    "compared": "已对账待审核",
    "approved": "已审核待拨付",
    "rejected": "已退回",
    "batched": "拨付中",
    "paid": "已拨付",
    "created": "待导出",
    "exported": "待银行确认",
}


def step(flow: Mapping[Any, frozenset[Any]], now: str, to: str, what: str) -> str:
    """``to`` if the flow allows ``now → to``; else a :class:`WorkflowError` naming both."""
    if to not in flow.get(now, frozenset()):
        raise WorkflowError(
            f"{what}：状态「{STATUS_ZH.get(now, now)}」不能变为「{STATUS_ZH.get(to, to)}」",
            field="status",
        )
    return to


class DiffKind(enum.StrEnum):
    MISSING_OURS = "missing_ours"
    MISSING_THEIRS = "missing_theirs"
    AMOUNT = "amount_differs"
    REVERSED = "reversed"
    TOTALS = "totals_differ"


DIFF_ZH = {
    "missing_ours": "我方无此结算",
    "missing_theirs": "医院未报此结算",
    "amount_differs": "金额不符",
    "reversed": "撤销状态不符",
    "totals_differ": "总账不符",
}


@dataclass(frozen=True, slots=True)
class TheirLine:
    """One line of the hospital's 3202 detail list."""

    line: int
    setl_id: str
    medfee_sumamt: Fen
    fund_pay_sumamt: Fen
    refd: bool = False
    """退费结算标志: the hospital counts it as reversed (冲销)"""


@dataclass(frozen=True, slots=True)
class OurLine:
    """One of our settlements of the hospital in the period."""

    setl_id: str
    medfee_sumamt: Fen
    fund_pay_sumamt: Fen
    """maf_pay + tilt_pay"""
    reversed: bool
    county: str | None = None


@dataclass(frozen=True, slots=True)
class Totals:
    """3201 对总账: settlements counted, 医疗费总额, 基金支付总额 (fen)."""

    setl_cnt: int
    medfee_sumamt: Fen
    fund_pay_sumamt: Fen


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str
    setl_id: str | None
    theirs_fund_pay: Fen | None
    ours_fund_pay: Fen | None
    detail: str
    line: int | None = None


def our_totals(ours: Iterable[OurLine]) -> Totals:
    """Totals of the settlements that stand (reversed ones pay nothing)."""
    n = med = fund = 0
    for o in ours:
        if not o.reversed:
            n += 1
            med += o.medfee_sumamt
            fund += o.fund_pay_sumamt
    return Totals(n, med, fund)


def compare_totals(theirs: Totals, ours: Totals) -> list[Difference]:
    """3201: each of count, 医疗费总额, 基金支付总额 that differs is one difference."""
    out = []
    if theirs.setl_cnt != ours.setl_cnt:
        out.append(f"结算笔数 医院 {theirs.setl_cnt} 笔，我方 {ours.setl_cnt} 笔")
    if theirs.medfee_sumamt != ours.medfee_sumamt:
        out.append(
            f"医疗费总额 医院 {format_fen(theirs.medfee_sumamt)}，我方 {format_fen(ours.medfee_sumamt)}"
        )
    if theirs.fund_pay_sumamt != ours.fund_pay_sumamt:
        out.append(
            f"基金支付总额 医院 {format_fen(theirs.fund_pay_sumamt)}，"
            f"我方 {format_fen(ours.fund_pay_sumamt)}"
        )
    return [
        Difference(DiffKind.TOTALS, None, theirs.fund_pay_sumamt, ours.fund_pay_sumamt, d)
        for d in out
    ]


def compare_detail(theirs: Iterable[TheirLine], ours: Mapping[str, OurLine]) -> list[Difference]:
    """3202: every ``setl_id`` on one side only, reversed on one side only, or with other
    amounts. Our reversed settlements the hospital does not list agree (both count
    nothing). One pass over their lines, one over ours: O(n)."""
    out: list[Difference] = []
    seen: set[str] = set()
    for t in theirs:
        seen.add(t.setl_id)
        o = ours.get(t.setl_id)
        if o is None:
            if not t.refd:
                out.append(
                    Difference(DiffKind.MISSING_OURS, t.setl_id, t.fund_pay_sumamt, None,
                               f"医院报基金支付 {format_fen(t.fund_pay_sumamt)}，我方无此结算",
                               t.line)
                )  # fmt: skip
            continue
        if o.reversed != t.refd:
            who = "我方已撤销，医院未冲销" if o.reversed else "医院已冲销，我方未撤销"
            out.append(
                Difference(DiffKind.REVERSED, t.setl_id, t.fund_pay_sumamt, o.fund_pay_sumamt,
                           who, t.line)
            )  # fmt: skip
            continue
        if o.reversed:
            continue
        parts = []
        if t.fund_pay_sumamt != o.fund_pay_sumamt:
            parts.append(
                f"基金支付 医院 {format_fen(t.fund_pay_sumamt)}，我方 {format_fen(o.fund_pay_sumamt)}"
            )
        if t.medfee_sumamt != o.medfee_sumamt:
            parts.append(
                f"医疗费总额 医院 {format_fen(t.medfee_sumamt)}，我方 {format_fen(o.medfee_sumamt)}"
            )
        if parts:
            out.append(
                Difference(DiffKind.AMOUNT, t.setl_id, t.fund_pay_sumamt, o.fund_pay_sumamt,
                           "；".join(parts), t.line)
            )  # fmt: skip
    for setl_id, o in ours.items():
        if setl_id not in seen and not o.reversed:
            out.append(
                Difference(DiffKind.MISSING_THEIRS, setl_id, None, o.fund_pay_sumamt,
                           f"我方基金支付 {format_fen(o.fund_pay_sumamt)}，医院未报")
            )  # fmt: skip
    return out


def result_of(diffs: list[Difference]) -> tuple[str, str]:
    """(stmt_rslt, stmt_rslt_dscr): ``0`` 平 when nothing differs, else ``1`` 不平 and a
    count per kind."""
    if not diffs:
        return "0", "平：与我方结算一致"
    counts: dict[str, int] = {}
    for d in diffs:
        counts[d.kind] = counts.get(d.kind, 0) + 1
    return "1", "不平：" + "，".join(f"{DIFF_ZH[k]} {n} 处" for k, n in counts.items())


def check_period(begin: dt.date, end: dt.date, today: dt.date) -> None:
    """A statement covers a period that has ended: begin ≤ end < today, within one year."""
    from jiuzhu.domain.errors import InputError

    if begin > end:
        raise InputError(
            f"对账期间开始 {begin} 晚于结束 {end} (unknown period)", column="stmt_begndate"
        )
    if end >= today:
        raise InputError(
            f"对账期间 {begin}—{end} 尚未结束 (unknown period: it must end before {today})",
            column="stmt_enddate",
        )
    if (end - begin).days > 366:
        raise InputError(f"对账期间 {begin}—{end} 超过一年 (unknown period)", column="stmt_enddate")


__all__ = [
    "BATCH_FLOW",
    "BatchStatus",
    "DIFF_ZH",
    "DiffKind",
    "Difference",
    "OurLine",
    "STATEMENT_FLOW",
    "STATUS_ZH",
    "StatementStatus",
    "TheirLine",
    "Totals",
    "check_period",
    "compare_detail",
    "compare_totals",
    "our_totals",
    "result_of",
    "step",
]
