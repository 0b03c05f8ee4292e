"""Settlements for the staff pages: filter by hospital, settlement date, identity, amount,
status and person; newest first on an index (``ix_settlement_setl_time``)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import AmountError, parse_fen
from jiuzhu.services.browse import capped_count


@dataclass
class SettlementFilter:
    institution: str = ""
    psn_no: str = ""
    since: dt.date | None = None
    until: dt.date | None = None
    identity: str = ""
    min_pay: int | None = None
    max_pay: int | None = None
    status: str = ""
    source: str = ""

    @classmethod
    def parse(cls, raw: dict[str, str]) -> tuple[SettlementFilter, list[str]]:
        """From the query string; each bad value named (and ignored)."""
        f, problems = cls(), []
        for k in ("institution", "psn_no", "identity", "status", "source"):
            setattr(f, k, (raw.get(k) or "").strip())
        for k, label in (("since", "起始日期"), ("until", "截止日期")):
            v = (raw.get(k) or "").strip()
            if v:
                try:
                    setattr(f, k, dt.date.fromisoformat(v))
                except ValueError:
                    problems.append(f"{label}应为 YYYY-MM-DD：{v}")
        for k, label in (("min_pay", "救助金额下限"), ("max_pay", "救助金额上限")):
            v = (raw.get(k) or "").strip()
            if v:
                try:
                    setattr(f, k, parse_fen(v))
                except (AmountError, InputError, ValueError):
                    problems.append(f"{label}应为金额（最多两位小数）：{v}")
        return f, problems

    def query(self) -> Select[Any]:
        q = select(Settlement)
        if self.institution:
            q = q.where(Settlement.institution == self.institution)
        if self.psn_no:
            q = q.where(Settlement.psn_no == self.psn_no)
        if self.since:
            q = q.where(Settlement.setl_time >= dt.datetime.combine(self.since, dt.time()))
        if self.until:
            end = dt.datetime.combine(self.until + dt.timedelta(days=1), dt.time())
            q = q.where(Settlement.setl_time < end)
        if self.identity:
            q = q.where(Settlement.identity == ("" if self.identity == "-" else self.identity))
        if self.min_pay is not None:
            q = q.where(Settlement.maf_pay + Settlement.tilt_pay >= self.min_pay)
        if self.max_pay is not None:
            q = q.where(Settlement.maf_pay + Settlement.tilt_pay <= self.max_pay)
        if self.status:
            q = q.where(Settlement.status == self.status)
        if self.source:
            q = q.where(Settlement.source == self.source)
        return q


def list_settlements(
    session: Session, f: SettlementFilter, limit: int, offset: int
) -> tuple[int, bool, list[Settlement]]:
    q = f.query()
    total, capped = capped_count(session, q)
    rows = list(
        session.scalars(
            q.order_by(Settlement.setl_time.desc(), Settlement.setl_id.desc())
            .limit(limit)
            .offset(offset)
        )
    )
    return total, capped, rows


def export_rows(session: Session, f: SettlementFilter, limit: int = 100000) -> list[Settlement]:
    return list(
        session.scalars(
            f.query().order_by(Settlement.setl_time.desc(), Settlement.setl_id.desc()).limit(limit)
        )
    )
