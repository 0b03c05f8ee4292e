"""A policy change for simulation (政策测算): dated values laid over a region's policy.

Before a bureau changes a ratio, a deductible or a cap (双鸭山 第二十九条; 宁夏 第二十六条
budget estimates) it tries the change on past settlements. A change is an overlay file
in the shape of the region file, holding only what changes; like an openfisca reform,
any dated value may change, not only the declared operator parameters:

```yaml
ref: 测算方案A（二类救助比例提高到85%）   # cites every entry that gives no ref of its own
classes:
  二:
    ratio: [{from: 2024-01-01, value: "0.85"}]
    annual_cap: [{from: 2024-01-01, value: 60000}]
    identities: [dibao, gaoling, jiance, bianyuan]   # bianyuan moves into class 二
tilt:
  threshold: [{from: 2024-01-01, value: 2000}]
parameters:
  resident_income_prev_year: [{from: 2024-01-01, value: 32000}]
```

A changed series keeps the region's entries before the overlay's first ``from`` day and
takes the overlay's entries from then on. ``--change NAME=VALUE`` sets a declared
parameter for the whole simulated period.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jiuzhu.domain.errors import PolicyError
from jiuzhu.policy.loader import RegionPolicy, _DecimalSafeLoader
from jiuzhu.policy.schema import DatedSeries, RegionPolicyFile

CLASS_SERIES = ("deductible", "ratio", "annual_cap")
TILT_SERIES = ("threshold", "ratio", "annual_cap")


def read_overlay(path: Path) -> dict[str, Any]:
    try:
        raw = yaml.load(path.read_text(encoding="utf-8"), Loader=_DecimalSafeLoader) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{path}: cannot read the change file: {exc}") from exc
    if not isinstance(raw, dict):
        raise PolicyError(f"{path}: a change file is a mapping (classes, tilt, parameters)")
    return raw


def _merged(base: Any, new: Any, ref: str, where: str) -> list[Any]:
    if isinstance(base, dict):  # a dumped DatedSeries
        base = base.get("entries")
    if not isinstance(new, list) or not new:
        raise PolicyError(f"{where}: expected a list of dated entries {{from, value, ref}}")
    entries = []
    for e in new:
        if not isinstance(e, dict) or "from" not in e or "value" not in e:
            raise PolicyError(f"{where}: each entry needs 'from' and 'value'")
        entries.append({"ref": ref, **e})
    first = min(_day(e["from"], where) for e in entries)
    kept = [e for e in (base or []) if _day(e["from"], where) < first]
    return kept + entries


def _day(v: Any, where: str) -> dt.date:
    if isinstance(v, dt.date):
        return v
    try:
        return dt.date.fromisoformat(str(v))
    except ValueError:
        raise PolicyError(f"{where}: 'from' is not a date: {v!r}") from None


def apply_overlay(
    policy: RegionPolicy, change: dict[str, Any], name: str, params: dict[str, str] | None = None
) -> RegionPolicy:
    """The region's policy with the change laid over it (the operator's parameters kept)."""
    ref = str(change.get("ref") or f"测算方案 {name}")
    spec = policy.spec.model_dump(by_alias=True, exclude_none=True)
    region = change.get("region")
    if region is not None and region != policy.region:
        raise PolicyError(f"{name}: the change is for region {region}, not {policy.region}")
    unknown = set(change) - {"ref", "region", "classes", "tilt", "parameters"}
    if unknown:
        raise PolicyError(f"{name}: unknown key(s) {', '.join(sorted(unknown))}")
    classes = {c["id"]: c for c in spec["classes"]}
    for cid, edits in (change.get("classes") or {}).items():
        cls = classes.get(str(cid))
        if cls is None:
            raise PolicyError(f"{name}: classes.{cid}: no such class in {policy.region}")
        for key, new in (edits or {}).items():
            where = f"{name}: classes.{cid}.{key}"
            if key in CLASS_SERIES:
                cls[key] = _merged(cls[key], new, ref, where)
            elif key == "identities":
                moved = [str(x) for x in new]
                for other in spec["classes"]:
                    other["identities"] = [x for x in other["identities"] if x not in moved]
                cls["identities"] = moved
            else:
                raise PolicyError(
                    f"{where}: cannot change (only {', '.join(CLASS_SERIES)}, identities)"
                )
    tilt_edits = change.get("tilt") or {}
    if tilt_edits and "tilt" not in spec:
        raise PolicyError(f"{name}: tilt: {policy.region} has no tilted assistance to change")
    for key, new in tilt_edits.items():
        if key not in TILT_SERIES:
            raise PolicyError(f"{name}: tilt.{key}: cannot change (only {', '.join(TILT_SERIES)})")
        spec["tilt"][key] = _merged(spec["tilt"].get(key), new, ref, f"{name}: tilt.{key}")
    spec["classes"] = [c for c in spec["classes"] if c["identities"]]
    try:
        new_spec = RegionPolicyFile.model_validate(spec)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(whole file)"
        raise PolicyError(
            f"{name}: the changed policy is not valid: {loc}: {first['msg']}"
        ) from exc
    series = dict(policy._params)  # noqa: SLF001 - the operator's values, carried over
    for pname, new in (change.get("parameters") or {}).items():
        where = f"{name}: parameters.{pname}"
        if isinstance(new, list):
            old = series.get(pname)
            merged = _merged(old.model_dump(by_alias=True) if old else None, new, ref, where)
        else:
            merged = [{"from": dt.date.min, "value": str(new), "ref": ref}]
        try:
            series[pname] = DatedSeries.model_validate(merged)
        except ValidationError as exc:
            raise PolicyError(f"{where}: {exc.errors()[0]['msg']}") from exc
    return RegionPolicy(new_spec, series, params or {})
