"""Simulation over a year of stored settlements (政策测算 on what was really paid).

The year's settlements of a region are read in one query (with the county code the
settlement carries, migration 0901) (the claim's amounts and flags
are columns since migration 0800), on PostgreSQL as one ``COPY … TO STDOUT`` in the
CLAIMS.csv layout that the columnar reader reads; the registry's identities likewise.
"Paid now" is what was stored: ``maf_pay + tilt_pay`` of each settlement not reversed,
plus its back-pay (宁夏 第十九条). The change is run over the same claims, in settlement
order, with the identities the registry holds now. Back-pay rows and reversed
settlements are not claims of their own.

A :class:`StoredYear` is loaded once and answers any number of changes (the API keeps
the last ones loaded, so a second change in the same session costs only the engine).
"""

from __future__ import annotations

import datetime as dt
import io
import time
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.tables import Settlement
from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.services.batch import columns as cc
from jiuzhu.services.batch.run import Figures, IdentitySource, compute
from jiuzhu.services.batch.tables import CODES, PolicyTables
from jiuzhu.services.simulate import Run, Simulation, compare, run_policy

HEADER = (
    "setl_id,psn_no,setl_time,med_type,begndate,enddate,inscp_scp_amt,hifp_pay,hifmi_pay,"
    "hifob_pay,out_of_area,referral,emergency,in_province,_stored_paid_fen,_county"
)
_WHERE = "s.region = :region AND s.year = :year AND s.status = 'settled' AND s.source <> 'backpay'"
_BACKPAY = (
    "LEFT JOIN (SELECT backpay_of, SUM(maf_pay + tilt_pay) AS bp FROM settlement "
    "WHERE source = 'backpay' AND status = 'settled' GROUP BY backpay_of) b "
    "ON b.backpay_of = s.setl_id"
)


def _yuan_sql(col: str) -> str:
    return f"(({col}) / 100)::text || '.' || lpad((({col}) % 100)::text, 2, '0')"


def _pg_claims_sql() -> str:
    amounts = ", ".join(
        f"{_yuan_sql('s.' + c)} AS {c}"
        for c in ("inscp_scp_amt", "hifp_pay", "hifmi_pay", "hifob_pay")
    )
    return (
        "COPY (SELECT s.setl_id, s.psn_no, to_char(s.setl_time, 'YYYY-MM-DD HH24:MI:SS'), "
        f"s.med_type, s.begndate::text, s.enddate::text, {amounts}, s.out_of_area, "
        "s.referral, s.emergency, s.in_province, "
        "s.maf_pay + s.tilt_pay + COALESCE(b.bp, 0), s.county "
        f"FROM settlement s {_BACKPAY} WHERE {_WHERE}) TO STDOUT WITH (FORMAT csv)"
    )


_PG_IDS = (
    "COPY (SELECT i.psn_no, i.code, i.begndate::text, i.enddate::text "
    "FROM person_identity i WHERE i.psn_no IN "
    "(SELECT DISTINCT s.psn_no FROM settlement s WHERE {where})) TO STDOUT WITH (FORMAT csv)"
)


def _copy(session: Session, sql: str, params: dict[str, object]) -> bytes:
    """The CSV bytes of ``COPY … TO STDOUT WITH (FORMAT csv)``."""
    raw = session.connection().connection.dbapi_connection
    assert raw is not None
    out = io.BytesIO()
    with raw.cursor() as cur:  # type: ignore[attr-defined]
        q = sql
        for k, v in params.items():
            q = q.replace(f":{k}", _literal(v))
        with cur.copy(q) as copy:
            for block in copy:
                out.write(bytes(block))
    return out.getvalue()


def _literal(v: object) -> str:
    if isinstance(v, int):
        return str(v)
    s = str(v)
    if not s.isidentifier():
        raise InputError(f"not a region: {s!r}", column="region")
    return f"'{s}'"


def _rows_as_csv(rows: list[tuple[object, ...]]) -> bytes:
    def cell(v: object) -> str:
        if isinstance(v, dt.datetime):
            return v.strftime("%Y-%m-%d %H:%M:%S")
        if isinstance(v, dt.date):
            return v.isoformat()
        return "" if v is None else str(v)

    return "".join(",".join(cell(v) for v in r) + "\n" for r in rows).encode("utf-8")


def _second(v: object) -> object:
    return v[:19] if isinstance(v, str) else v


def _fen_text(v: int) -> str:
    return f"{v // 100}.{v % 100:02d}"


@dataclass
class StoredYear:
    """One region-year of stored settlements in columns, with the registry's identities."""

    region: str
    year: int
    claims: cc.ClaimColumns
    identities: IdentitySource
    load_seconds: float  # float ok: wall-clock seconds
    _runs: dict[int, tuple[PolicyTables, Figures]] = field(default_factory=dict)

    @property
    def stored_paid(self) -> np.ndarray:
        return self.claims.cols[cc.STORED_PAID]

    def stored_run(self, now: RegionPolicy) -> Run:
        """The stored payments as a run (classes and periods from the policy now)."""
        key = id(now)
        if key not in self._runs:
            r = run_policy(self.claims, self.identities, now, groups_possible=True)
            self._runs[key] = (r.tables, r.figures)
        tables, f = self._runs[key]
        paid = self.stored_paid
        stored = Figures(
            f.period, f.code, f.klass, f.reason, f.ded, paid, np.zeros_like(paid),
            f.py_first, f.py_year, f.py_totals,
        )  # fmt: skip
        return Run(tables, stored)

    def simulate(
        self, now: RegionPolicy, changed: RegionPolicy, name: str, *, top: int = 10
    ) -> Simulation:
        a = self.stored_run(now)
        b = run_policy(self.claims, self.identities, changed, groups_possible=True)
        return compare(self.claims, a, b, self.region, name, top=top, county=self.counties())

    def counties(self) -> np.ndarray:
        """Each settlement's county code (6 digits), '' when none was recorded."""
        codes = self.claims.cols[cc.COUNTY]
        uniq, inv = np.unique(codes, return_inverse=True)
        labels = np.array([f"{c:06d}" if c >= 0 else "" for c in uniq.tolist()], dtype=object)
        return labels[inv]

    def recompute(self, policy: RegionPolicy) -> np.ndarray:
        """Each settlement's payment re-run under ``policy`` (input order)."""
        computed = compute(self.claims, self.identities, policy, groups_possible=True)
        assert computed is not None
        return computed[1].maf + computed[1].tilt


def load_year(session: Session, region: str, year: int) -> StoredYear:
    """The region-year's settlements and identities, each in one statement."""
    t0 = time.perf_counter()
    params: dict[str, object] = {"region": region, "year": year}
    if session.get_bind().dialect.name == "postgresql":
        claims_csv = _copy(session, _pg_claims_sql(), params)
        ids_csv = _copy(session, _PG_IDS.format(where=_WHERE), params)
    else:
        fetched = session.execute(
            text(
                "SELECT s.setl_id, s.psn_no, s.setl_time, s.med_type, s.begndate, s.enddate, "
                "s.inscp_scp_amt, s.hifp_pay, s.hifmi_pay, s.hifob_pay, s.out_of_area, "
                "s.referral, s.emergency, s.in_province, "
                "s.maf_pay + s.tilt_pay + COALESCE(b.bp, 0), s.county "
                f"FROM settlement s {_BACKPAY} WHERE {_WHERE}"
            ),
            params,
        ).all()
        # SQLite hands back the stored text forms: the time to the second, dates as written
        rows: list[tuple[object, ...]] = [
            (*r[:2], _second(r[2]), *r[3:6], *(_fen_text(int(v)) for v in r[6:10]), *r[10:])
            for r in fetched
        ]
        claims_csv = _rows_as_csv(rows)
        id_rows = session.execute(
            text(
                "SELECT i.psn_no, i.code, i.begndate, i.enddate FROM person_identity i "
                f"WHERE i.psn_no IN (SELECT DISTINCT s.psn_no FROM settlement s WHERE {_WHERE})"
            ),
            params,
        ).all()
        ids_csv = _rows_as_csv([tuple(r) for r in id_rows])
    claims = cc.columns_of(HEADER.encode() + b"\n" + claims_csv, f"settlements {region} {year}")
    if claims is None:
        raise InputError(
            f"the stored settlements of {region} {year} could not be read in columns "
            "(a setl_id or psn_no with a comma, quote or space?)"
        )
    persons = cc.identity_columns_of(b"psn_no,identity,begndate,enddate\n" + ids_csv, CODES, {})
    if persons is None:
        raise InputError(f"the registry's identities of {region} {year} could not be read")
    source = IdentitySource(None)
    source.persons = persons
    return StoredYear(region, year, claims, source, time.perf_counter() - t0)


_LOADED: dict[tuple[str, str, int], tuple[tuple[object, ...], StoredYear]] = {}


def cached_year(uow: UnitOfWork, region: str, year: int) -> StoredYear:
    """The region-year as last loaded by this process, unless a settlement was stored or
    reversed since (then it is loaded again): a second change costs only the engine."""
    with uow.read() as s:
        stamp = tuple(
            s.execute(
                select(
                    func.count(), func.max(Settlement.created_at), func.max(Settlement.reversed_at)
                ).where(Settlement.region == region, Settlement.year == year)
            ).one()
        )
        key = (str(s.get_bind().engine.url), region, year)
        hit = _LOADED.get(key)
        if hit is not None and hit[0] == stamp:
            return hit[1]
        loaded = load_year(s, region, year)
    _LOADED.clear()  # one year kept: a million settlements are a few hundred MB
    _LOADED[key] = (stamp, loaded)
    return loaded
