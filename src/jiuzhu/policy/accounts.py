"""The fund's chart of accounts (会计科目表) as data: ``policy/accounts/chart.yaml``.

Names and top-level codes after 社会保险基金会计制度（财会〔2017〕28号）; postings refer to an
account by its ``role`` so that a region's chart may re-code or rename it. A region may add
or override accounts under ``regions: {REGION: [accounts…]}`` in the same file.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import yaml

from jiuzhu.domain.errors import InputError, PolicyError

KINDS = ("asset", "liability", "net_assets", "income", "expense")
DEBIT_NORMAL = ("asset", "expense")
"""Kinds whose balance is debit minus credit; the others are credit minus debit."""
ROLES = (
    "fiscal_account",
    "expenditure_account",
    "receivable_hospital",
    "receivable_insurer",
    "revolving_fund",
    "payable_hospital",
    "payable_person",
    "payable_insurance_fund",
    "carried_balance",
    "income_own_finance",
    "income_interest",
    "income_upper",
    "income_other",
    "income_lottery",
    "income_donation",
    "expense_inpatient",
    "expense_chronic",
    "expense_outpatient",
    "expense_tilt",
    "expense_manual",
    "expense_out_of_area",
    "expense_subsidy",
    "expense_to_lower",
    "expense_to_upper",
)
"""Every role the postings use; each must name exactly one account of the chart."""


class UnknownCounty(InputError):
    """A county code no agency of the region serves."""

    def __init__(self, message: str, *, field: str = "county") -> None:
        super().__init__(message, column=field)


@dataclass(frozen=True, slots=True)
class Account:
    code: str
    name: str
    kind: str
    role: str | None
    ref: str
    counties: tuple[str, ...] = ()
    """a 支出户 of one agency: the division codes it serves (双鸭山实施办法 第十四条 市、县分账)"""


@dataclass(frozen=True)
class Chart:
    source: str
    accounts: tuple[Account, ...]

    def __post_init__(self) -> None:
        by_code: dict[str, Account] = {}
        by_role: dict[str, Account] = {}
        for a in self.accounts:
            if a.code in by_code:
                raise PolicyError(f"chart of accounts: code {a.code} given twice")
            if a.kind not in KINDS:
                raise PolicyError(f"chart of accounts: account {a.code} has unknown kind {a.kind}")
            by_code[a.code] = a
            if a.role is not None:
                if a.role in by_role:
                    raise PolicyError(f"chart of accounts: role {a.role} given twice")
                by_role[a.role] = a
        missing = [r for r in ROLES if r not in by_role]
        if missing:
            raise PolicyError(f"chart of accounts: no account for role(s) {', '.join(missing)}")
        object.__setattr__(self, "_by_code", by_code)
        object.__setattr__(self, "_by_role", by_role)

    def code(self, role: str) -> str:
        """The account code of a posting role."""
        return self._by_role[role].code  # type: ignore[attr-defined,no-any-return]

    def account(self, code: str) -> Account | None:
        return self._by_code.get(code)  # type: ignore[attr-defined,no-any-return]

    def agencies(self) -> tuple[Account, ...]:
        """The 支出户 of each agency (city, counties), in code order; empty when not split."""
        return tuple(a for a in self.accounts if a.counties)

    def expenditure(self, county: str | None) -> str:
        """The 支出户存款 account of ``county``'s agency (1004 itself when the region keeps
        one 支出户, or the county is not given); a county no agency serves is refused."""
        agencies = self.agencies()
        if county is None or not agencies:
            return self.code("expenditure_account")
        for a in agencies:
            if county in a.counties:
                return a.code
        raise UnknownCounty(
            f"县区 {county} 不属于本地区任何经办机构的支出户 (unknown county; known: "
            + ", ".join(c for a in agencies for c in a.counties)
            + ")",
            field="county",
        )

    def name(self, code: str) -> str:
        a = self.account(code)
        return a.name if a else code


def _account(d: dict[str, Any]) -> Account:
    try:
        counties = tuple(str(c) for c in d.get("counties") or ())
        return Account(
            str(d["code"]), str(d["name"]), str(d["kind"]), d.get("role"), str(d["ref"]), counties
        )
    except KeyError as exc:
        raise PolicyError(f"chart of accounts: account {d!r} lacks {exc.args[0]}") from None


@cache
def chart(region: str | None = None) -> Chart:
    """The chart of accounts of ``region`` (the shared chart with the region's overrides)."""
    text = resources.files("jiuzhu.policy").joinpath("accounts/chart.yaml").read_text("utf-8")
    data = yaml.safe_load(text)
    accounts = {a.code: a for a in map(_account, data["accounts"])}
    for d in (data.get("regions") or {}).get(region or "", []) or []:
        a = _account(d)
        accounts[a.code] = a
    return Chart(str(data["source"]), tuple(sorted(accounts.values(), key=lambda a: a.code)))
