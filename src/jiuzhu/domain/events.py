"""Money events (domain events, cosmicpython ch. 8–9): what happened, in fen, with its
source document. A use case appends each to its open unit of work
(:func:`jiuzhu.services.messagebus.publish`); the handlers of one table run inside the
same transaction — the fund's postings are one of them (宁医保发〔2023〕102号 第二十四条
专账管理: no money moves without its entry).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from jiuzhu.domain.claim import Claim
from jiuzhu.policy.money import Fen

if TYPE_CHECKING:
    from jiuzhu.policy.loader import RegionPolicy


@dataclass(frozen=True, slots=True)
class Event:
    """Base of every money event."""


@dataclass(frozen=True, slots=True)
class Settled(Event):
    """A settlement recorded (一站式结算, import, manual reimbursement, back-pay)."""

    setl_id: str
    psn_no: str
    region: str
    source: str
    """one_stop | import | manual | backpay"""
    institution: str | None
    county: str | None
    day: dt.date
    """the settlement's own day (setl_time)"""
    med_type: str
    out_of_area: bool
    maf_pay: Fen
    tilt_pay: Fen
    backpay_of: str | None = None
    app_no: str | None = None
    # What the early-warning handler reads beyond the money (calc-contract §11): the claim
    # as settled, its medfee_sumamt, the identity the engine chose, who settled it and the
    # policy (with the operator's parameters) it was settled under. None where the event
    # restates stored figures (migration 0901's opening entries): nothing is observed.
    claim: Claim | None = None
    medfee_sumamt: Fen | None = None
    identity: str = ""
    actor: str = ""
    policy: RegionPolicy | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class Reversed(Event):
    """A settlement reversed (撤销): its entry is reversed, naming it."""

    setl_id: str
    region: str
    day: dt.date


@dataclass(frozen=True, slots=True)
class Reimbursed(Event):
    """A manual reimbursement approved (零星报销 核准, 宁医保发〔2023〕102号 第二十条);
    its claims are :class:`Settled` events of their own (source ``manual``)."""

    app_no: str
    psn_no: str
    region: str
    setl_ids: tuple[str, ...]
    total: Fen
    day: dt.date


@dataclass(frozen=True, slots=True)
class PaidLine:
    """One transfer of a payment batch: to a hospital (``party_kind`` hospital) or a person."""

    party_kind: str
    """hospital | person"""
    party: str
    amount: Fen
    county: str | None = None
    document: str | None = None
    """the application or clearing behind the line"""


@dataclass(frozen=True, slots=True)
class Paid(Event):
    """A payment batch confirmed by the bank (拨付, 宁医保发〔2023〕102号 第三十条): the payables
    it covers are cleared from the 支出户."""

    batch_no: str
    region: str
    day: dt.date
    lines: tuple[PaidLine, ...]


@dataclass(frozen=True, slots=True)
class Subsidised(Event):
    """Premium subsidy of beneficiaries' enrolment (资助参保, 梅州规程 第六条; 双鸭山实施办法
    第六条), owed to the resident insurance fund (or the insurer)."""

    document: str
    region: str
    year: int
    county: str | None
    persons: int
    amount: Fen
    day: dt.date


@dataclass(frozen=True, slots=True)
class ClawedBack(Event):
    """An amount recovered from a hospital (追回, 新疆规程 第二十四条): it reduces what the
    fund owes the hospital (a receivable once it exceeds it)."""

    document: str
    region: str
    institution: str
    setl_id: str | None
    amount: Fen
    county: str | None
    day: dt.date
    reason: str
    visit_role: str = "expense_inpatient"
    """the expense account the recovered amount had been charged to"""


@dataclass(frozen=True, slots=True)
class WarningFired(Event):
    """An early-warning line met (预警监测, calc-contract §11): the person is on the
    monitoring list (``warning_entry``). No personal data: the entry is found by its
    settlement and line."""

    region: str
    line: str
    setl_id: str
    year: int


__all__ = [
    "Event",
    "Settled",
    "Reversed",
    "Reimbursed",
    "Paid",
    "PaidLine",
    "Subsidised",
    "ClawedBack",
    "WarningFired",
]
