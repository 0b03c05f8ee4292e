"""A settlement as the national platform reports it, after basic and critical-illness insurance."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jiuzhu.policy.money import Fen, parse_fen


@dataclass(frozen=True, slots=True)
class Claim:
    """One settlement (结算). Amounts in fen. calc-contract §8 field names."""

    setl_id: str
    psn_no: str
    setl_time: dt.datetime
    med_type: str
    begndate: dt.date
    enddate: dt.date
    inscp_scp_amt: Fen
    hifp_pay: Fen
    hifmi_pay: Fen
    hifob_pay: Fen = 0
    out_of_area: bool = False
    referral: bool = False
    emergency: bool = False
    in_province: bool = True
    dise_codg: str = ""
    """main diagnosis code (ICD-10, 医保版), optional: only special groups use it"""
    age: int | None = None
    """age in whole years on admission, optional (梅州规程 第十二条（四） 0–14 周岁)"""

    @property
    def year(self) -> int:
        """The year the settlement counts in: that of its ``enddate`` (calc-contract §3)."""
        return self.enddate.year

    @property
    def base(self) -> Fen:
        """政策范围内个人自付 after the three insurances (calc-contract §2)."""
        return max(0, self.inscp_scp_amt - self.hifp_pay - self.hifmi_pay - self.hifob_pay)

    @property
    def visit_type(self) -> str:
        return visit_type_of(self.med_type)

    def order_key(self) -> tuple[dt.datetime, str]:
        """Settlements apply in order of ``setl_time``, ties by ``setl_id`` as text (§3)."""
        return (self.setl_time, self.setl_id)


def visit_type_of(med_type: str) -> str:
    """``2x`` inpatient (住院); ``14`` chronic/special outpatient (门诊慢特病); else outpatient."""
    if med_type.startswith("2"):
        return "inpatient"
    if med_type == "14":
        return "chronic_outpatient"
    return "outpatient"


def medfee_of(extra: Mapping[str, Any] | None) -> Fen | None:
    """The optional ``medfee_sumamt`` of a claim's further fields (calc-contract §10), in
    fen; None when absent (early warning then takes ``inscp_scp_amt``, §11)."""
    v = (extra or {}).get("medfee_sumamt")
    return None if v in (None, "") else parse_fen(str(v))
