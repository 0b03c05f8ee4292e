"""资助参保: the subsidy register (资助参保台账, 免缴台账) of a year, and the enrolment facts it needs.

- Who: every beneficiary with an identity the region subsidises (policy ``premium_subsidy``)
  valid on at least one day of the year. Several identities: the one with the highest
  share (就高不就低; 双鸭山实施办法 第四条, 新疆规程 第五条).
- How much: the personal premium (operator parameter ``personal_premium``, dated, from the
  year's resident-insurance financing document) × the share, rounded half-up to the fen
  (双鸭山实施办法 第五条: 100% / 60% / 60%; other regions' shares are operator parameters).
- Which case (梅州规程 第六条): 未参保 → enrol and subsidise this year （一）; enrolled in
  another city's resident scheme → subsidise next year （二）; self-paid this year's premium
  before recognition → subsidise next year （三）; employee insurance → no subsidy （四）.
  Self-paid after recognition → a refund line (梅州规程 第七条（三））.
- Leaving within the year: no claw-back (新疆规程 第十二条).
- Mid-year additions by month, reported by the 25th (梅州规程 第七条（二））.
"""

from __future__ import annotations

from jiuzhu.services.enrolment.cases import (
    CASES,
    REPORT_DAY,
    STATUS_NAMES,
    parse_status,
    status_label,
)
from jiuzhu.services.enrolment.facts import import_enrolment, set_enrolment
from jiuzhu.services.enrolment.queries import EnrolmentFact, enrolment_fact, enrolment_of
from jiuzhu.services.enrolment.register import (
    MidYearEntry,
    RegisterRules,
    SubsidyRegister,
    SubsidyRegisterLine,
    build_register,
    premium_of,
    register_line,
    register_rules,
)
from jiuzhu.services.enrolment.xlsx import KIND_ZH, REGISTER_HEADERS, register_row, register_sheets

__all__ = [
    "CASES",
    "KIND_ZH",
    "REGISTER_HEADERS",
    "REPORT_DAY",
    "STATUS_NAMES",
    "EnrolmentFact",
    "MidYearEntry",
    "RegisterRules",
    "SubsidyRegister",
    "SubsidyRegisterLine",
    "build_register",
    "enrolment_fact",
    "enrolment_of",
    "import_enrolment",
    "parse_status",
    "premium_of",
    "register_line",
    "register_rules",
    "register_row",
    "register_sheets",
    "set_enrolment",
    "status_label",
]
