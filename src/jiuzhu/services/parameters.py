"""Operator parameters set from the staff pages: a dated value with its citation, checked
as the policy checks it, audited, and merged into the region's policy.

A number the regulations do not give is the operator's (calc-contract §8; e.g. 新疆
``class1_deductible``, 新政办发〔2022〕40号). Values set here are merged over the operator
file's series (an entry of the same date is replaced); ``--param`` of the run stays in
force before the first stored date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.adapters.db.web_tables import OperatorParam
from jiuzhu.config import get_settings
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import InputError, PolicyError
from jiuzhu.policy.loader import RegionPolicy, load_operator_file, parse_param_option
from jiuzhu.policy.schema import DatedSeries


def stored(session: Session, region: str) -> list[OperatorParam]:
    return list(
        session.scalars(
            select(OperatorParam)
            .where(OperatorParam.region == region)
            .order_by(OperatorParam.name, OperatorParam.valid_from)
        )
    )


def merged(policy: RegionPolicy, rows: list[OperatorParam]) -> RegionPolicy:
    """``policy`` with the stored dated values merged into its parameter series."""
    if not rows:
        return policy
    series: dict[str, dict[dt.date, dict[str, Any]]] = {}
    for name, s in policy._params.items():
        series[name] = {
            e.from_: {"from": e.from_, "value": e.value, "ref": e.ref} for e in s.entries
        }
    for r in rows:
        if r.name not in policy.spec.parameters:
            continue  # a parameter the policy file no longer declares
        series.setdefault(r.name, {})[r.valid_from] = {
            "from": r.valid_from,
            "value": r.value,
            "ref": r.ref,
        }
    params = {
        n: DatedSeries.model_validate([v for _, v in sorted(d.items())]) for n, d in series.items()
    }
    return RegionPolicy(policy.spec, params, None)


def with_stored(policy: RegionPolicy, session: Session) -> RegionPolicy:
    return merged(policy, stored(session, policy.region))


def load_policy(region: str, params: list[str] | None, operator_file: Path | None) -> RegionPolicy:
    """The region's policy with the operator file (default: the settings') and ``--param``
    values NAME=VALUE, as every command and each server worker loads it."""
    op = load_operator_file(operator_file or get_settings().operator_file)
    return RegionPolicy.load(region, op, dict(parse_param_option(p) for p in (params or [])))


def stored_parameters(uow: UnitOfWork, policy: RegionPolicy) -> RegionPolicy:
    """The policy with the operator parameters set from the staff pages (if migrated: an
    unmigrated database is refused by `jiuzhu serve` anyway)."""
    from sqlalchemy.exc import SQLAlchemyError

    try:
        with uow.read() as s:
            return with_stored(policy, s)
    except SQLAlchemyError:
        return policy


def set_value(
    session: Session,
    policy: RegionPolicy,
    name: str,
    valid_from: dt.date,
    value: str,
    ref: str,
    actor: str,
) -> RegionPolicy:
    """Store a dated value (checked by building the policy with it); returns the new policy."""
    value, ref = value.strip(), ref.strip()
    if name not in policy.spec.parameters:
        raise InputError(f"没有参数 {name}", column="name")
    if len(ref) < 4:
        raise InputError("请填写依据（文件文号及条款，至少 4 个字）", column="ref")
    if not value:
        raise InputError("请填写参数值", column="value")
    rows = stored(session, policy.region)
    old = next((r for r in rows if r.name == name and r.valid_from == valid_from), None)
    before = {"value": old.value, "ref": old.ref} if old else None
    if old is None:
        old = OperatorParam(
            region=policy.region,
            name=name,
            valid_from=valid_from,
            value=value,
            ref=ref,
            set_by=actor,
        )
        session.add(old)
        rows.append(old)
    else:
        old.value, old.ref, old.set_by = value, ref, actor
        old.set_at = utcnow()
    try:
        new = merged(policy, rows)
    except (PolicyError, ValueError) as exc:
        msg = exc.message if isinstance(exc, PolicyError) else str(exc).splitlines()[0]
        raise InputError(f"参数值不合规：{msg}", column="value") from None
    session.flush()
    audit(
        session,
        actor,
        "set_parameter",
        "operator_param",
        f"{policy.region}:{name}:{valid_from}",
        before,
        {"value": value, "ref": ref},
    )
    return new
