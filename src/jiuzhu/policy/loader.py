"""Load a region's policy file, apply operator parameters, and resolve the terms in force on a day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from jiuzhu.domain.errors import MissingParameter, PolicyError, UnknownRegion
from jiuzhu.policy.money import Fen, Ratio, parse_fen, to_decimal, yuan_to_fen_half_up
from jiuzhu.policy.schema import (
    IDENTITY_CODES,
    IDENTITY_RULE_ZH,
    DatedSeries,
    ParamRef,
    RegionPolicyFile,
    Scalar,
    referenced_params,
)

REGIONS = ("ningxia", "shuangyashan", "xinjiang", "meizhou", "liuzhou")


@dataclass(frozen=True, slots=True)
class Cited:
    """A resolved value with the article that gives it (and the parameter, if any)."""

    ref: str
    param: str | None = None

    def text(self) -> str:
        return f"{self.ref}（参数 {self.param}）" if self.param else self.ref


@dataclass(frozen=True, slots=True)
class ClassTerms:
    """One class's benefit terms in force on a day."""

    id: str
    name: str
    rank: int
    deductible: Fen
    deductible_ref: Cited
    ratio: dict[str, Ratio]
    ratio_ref: Cited
    annual_cap: Fen
    annual_cap_ref: Cited
    tilt: bool
    ref: str


@dataclass(frozen=True, slots=True)
class TiltTerms:
    cap_kind: str
    eligible: str
    class_ids: frozenset[str]
    requires_in_province: bool
    every_covered_counts_as_referred: bool
    requires_referral_out_of_area: bool
    threshold: Fen
    threshold_ref: Cited
    ratio: Ratio
    ratio_ref: Cited
    annual_cap: Fen | None
    annual_cap_ref: Cited | None
    ref: str


@dataclass(frozen=True)
class GroupTerms:
    """A special group (schema ``SpecialGroup``) on a day; its parameters are resolved on
    first use (``standards``), so claims outside the group never need them."""

    id: str
    name: str
    max_age: int
    visit_types: frozenset[str]
    local_only: bool
    ref: str
    standards: Callable[[], tuple[ClassTerms, tuple[str, ...]]]
    """the group's class terms and its diagnosis-code prefixes"""

    def may_apply(self, age: int | None, visit_type: str, out_of_area: bool, code: str) -> bool:
        """Whether a claim can be of the group before the parameters are read."""
        return (
            bool(code)
            and age is not None
            and 0 <= age <= self.max_age
            and visit_type in self.visit_types
            and not (self.local_only and out_of_area)
        )


@dataclass(frozen=True, slots=True)
class Terms:
    """The whole policy of one region as in force on one day, with every value cited."""

    region: str
    day: dt.date
    identity_rule: str
    identity_rule_ref: str
    covered_visit_types: frozenset[str] | None
    covered_ref: str
    referral_required_out_of_area: bool
    emergency_exempt: bool
    referral_ref: str
    classes: tuple[ClassTerms, ...]
    class_of_identity: dict[str, ClassTerms]
    unclassed: dict[str, tuple[str, str]]
    tilt: TiltTerms | None
    retro_identities: frozenset[str] = frozenset()
    retro_months: int = 0
    retro_ref: str = ""
    special_groups: tuple[GroupTerms, ...] = ()


@dataclass
class OperatorConfig:
    """What the operator sets: parameter values per region, and outside identity codes."""

    params: dict[str, dict[str, DatedSeries]] = field(default_factory=dict)
    identity_code_map: dict[str, str] = field(default_factory=dict)
    source: str | None = None
    working_calendar: dict[int, tuple[frozenset[dt.date], frozenset[dt.date]]] = field(
        default_factory=dict
    )
    """year → (holidays, make-up working days) as the State Council published them, for
    years the bundled calendar does not know yet."""


def regions_dir() -> Path:
    return Path(str(resources.files("jiuzhu.policy") / "regions"))


@cache
def load_policy_file(region: str) -> RegionPolicyFile:
    """Parse and schema-check ``regions/<region>.yaml``."""
    if region not in REGIONS:
        raise UnknownRegion(
            f"unknown region '{region}'; known regions: {', '.join(REGIONS)}", field="region"
        )
    path = regions_dir() / f"{region}.yaml"
    return parse_policy_text(path.read_text(encoding="utf-8"), str(path))


def parse_policy_text(text: str, name: str) -> RegionPolicyFile:
    try:
        raw = yaml.load(text, Loader=_DecimalSafeLoader)
        return RegionPolicyFile.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"]) or "(whole file)"
        raise PolicyError(f"{name}: {loc}: {first['msg']}") from exc
    except yaml.YAMLError as exc:
        raise PolicyError(f"{name}: not valid YAML: {exc}") from exc


class _DecimalSafeLoader(yaml.SafeLoader):
    """YAML loader that reads 0.70 as Decimal text, never as a binary float."""


def _float_as_text(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


_DecimalSafeLoader.add_constructor("tag:yaml.org,2002:float", _float_as_text)


def load_operator_file(path: str | Path | None) -> OperatorConfig:
    """Read the operator file (YAML): ``parameters: {region: {name: value | [dated…]}}``
    and ``identity_codes: {outside_code: contract_code}``."""
    if path is None:
        return OperatorConfig()
    p = Path(path)
    try:
        raw = yaml.load(p.read_text(encoding="utf-8"), Loader=_DecimalSafeLoader) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise PolicyError(f"{p}: cannot read operator file: {exc}") from exc
    cfg = OperatorConfig(source=str(p))
    for region, values in (raw.get("parameters") or {}).items():
        if region not in REGIONS:
            raise PolicyError(
                f"{p}: parameters.{region}: unknown region; known regions: {', '.join(REGIONS)}"
            )
        for name, v in (values or {}).items():
            cfg.params.setdefault(region, {})[name] = _series_from_operator(
                v, f"{p}: parameters.{region}.{name}"
            )
    for outside, code in (raw.get("identity_codes") or {}).items():
        if code not in IDENTITY_CODES:
            raise PolicyError(f"{p}: identity_codes.{outside}: unknown identity code '{code}'")
        cfg.identity_code_map[str(outside)] = code
    for year, spec in (raw.get("working_calendar") or {}).items():
        cfg.working_calendar[int(year)] = _calendar_year(
            int(year), spec or {}, f"{p}: working_calendar.{year}"
        )
    return cfg


def _calendar_year(
    year: int, spec: dict[str, Any], where: str
) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """``{holidays: [dates], workdays: [dates]}`` of one year (国务院办公厅 放假安排)."""
    out: list[frozenset[dt.date]] = []
    for key in ("holidays", "workdays"):
        days: set[dt.date] = set()
        for v in spec.get(key) or []:
            try:
                d = v if isinstance(v, dt.date) else dt.date.fromisoformat(str(v))
            except ValueError:
                raise PolicyError(f"{where}.{key}: not a date: {v!r}") from None
            if d.year != year:
                raise PolicyError(f"{where}.{key}: {d} is not in {year}")
            days.add(d)
        out.append(frozenset(days))
    if not out[0]:
        raise PolicyError(f"{where}: list the year's public holidays under 'holidays'")
    return out[0], out[1]


def _series_from_operator(v: Any, where: str) -> DatedSeries:
    try:
        if isinstance(v, list):
            return DatedSeries.model_validate(v)
        return DatedSeries.model_validate(
            [{"from": dt.date.min, "value": str(v), "ref": f"operator file ({where})"}]
        )
    except ValidationError as exc:
        raise PolicyError(f"{where}: {exc.errors()[0]['msg']}") from exc


def parse_param_option(option: str) -> tuple[str, str]:
    """``NAME=VALUE`` from ``--param``."""
    if "=" not in option:
        raise PolicyError(f"--param '{option}': expected NAME=VALUE", field="param")
    name, value = option.split("=", 1)
    name, value = name.strip(), value.strip()
    if not name or not value:
        raise PolicyError(f"--param '{option}': expected NAME=VALUE", field="param")
    return name, value


class RegionPolicy:
    """A region's policy with the operator's parameters; ``terms_on(day)`` resolves it."""

    def __init__(
        self,
        spec: RegionPolicyFile,
        params: dict[str, DatedSeries] | None = None,
        cli_params: dict[str, str] | None = None,
    ) -> None:
        self.spec = spec
        self.region = spec.region
        self._params: dict[str, DatedSeries] = {}
        for name, decl in spec.parameters.items():
            if decl.values is not None:
                self._params[name] = decl.values
        for name, series in (params or {}).items():
            self._check_param_name(name)
            self._params[name] = series
        for name, value in (cli_params or {}).items():
            self._check_param_name(name)
            self._params[name] = DatedSeries.model_validate(
                [{"from": dt.date.min, "value": value, "ref": "--param (operator, this run)"}]
            )
        for name, series in self._params.items():
            decl = spec.parameters[name]
            for e in series.entries:
                self._check_param_value(name, decl.unit, e.value, decl.choices)
        self._cache: dict[dt.date, Terms] = {}

    @classmethod
    def load(
        cls,
        region: str,
        operator: OperatorConfig | None = None,
        cli_params: dict[str, str] | None = None,
    ) -> RegionPolicy:
        spec = load_policy_file(region)
        op = (operator.params.get(region) if operator else None) or {}
        return cls(spec, op, cli_params)

    def _check_param_name(self, name: str) -> None:
        if name not in self.spec.parameters:
            known = ", ".join(sorted(self.spec.parameters)) or "none"
            raise PolicyError(
                f"region {self.region} has no parameter '{name}' (its parameters: {known})",
                field=name,
            )

    def _check_param_value(
        self, name: str, unit: str, value: object, choices: list[str] | None
    ) -> None:
        if unit == "text":
            if not str(value).strip():
                raise PolicyError(f"parameter '{name}': empty text", field=name)
            return
        if unit == "days":
            if not str(value).strip().isdigit():
                raise PolicyError(
                    f"parameter '{name}': expected a whole number of days, got {value!r}",
                    field=name,
                )
            return
        if unit == "choice":
            if choices and str(value) not in choices:
                raise PolicyError(
                    f"parameter '{name}': '{value}' is not one of {', '.join(choices)}", field=name
                )
            return
        try:
            d = to_decimal(value)
        except (ValueError, TypeError) as exc:
            raise PolicyError(f"parameter '{name}': not a number: {value!r}", field=name) from exc
        if d < 0 or (unit == "ratio" and d > 1):
            raise PolicyError(f"parameter '{name}': out of range: {value}", field=name)

    # -- parameters ---------------------------------------------------------------------
    def missing_parameters(self, benefits_only: bool = False) -> list[str]:
        """Parameters the policy uses (``benefits_only``: the engine uses) and nobody has set."""
        names = list(dict.fromkeys(referenced_params(self.spec, benefits_only)))
        rule = self.spec.identity_rule.value
        if rule.startswith("param:"):
            names.insert(0, rule[6:])
        return [n for n in names if n not in self._params]

    def require_parameters(self, benefits_only: bool = True) -> None:
        """Fail with a message naming the first parameter the calculation needs and nobody has set."""
        missing = self.missing_parameters(benefits_only)
        if missing:
            raise self._missing(missing[0])

    def _missing(self, name: str) -> MissingParameter:
        decl = self.spec.parameters[name]
        return MissingParameter(self.region, name, decl.description, decl.source)

    def param_value(self, name: str, day: dt.date) -> tuple[str, str]:
        series = self._params.get(name)
        entry = series.at(day) if series else None
        if entry is None:
            raise self._missing(name)
        return str(entry.value), entry.ref

    # -- resolution ---------------------------------------------------------------------
    def _money(self, v: Scalar, day: dt.date) -> tuple[Fen, str | None]:
        if isinstance(v, ParamRef):
            raw, _ = self.param_value(v.param, day)
            d = to_decimal(raw) * (v.times if v.times is not None else Decimal(1))
            return yuan_to_fen_half_up(d), v.param
        return parse_fen(str(v)), None

    def money(self, v: Scalar, day: dt.date) -> tuple[Fen, str | None]:
        """A literal or parameter amount in fen on ``day``, with the parameter's name."""
        return self._money(v, day)

    def _ratio(self, v: Scalar, day: dt.date) -> tuple[Ratio, str | None]:
        if isinstance(v, ParamRef):
            raw, _ = self.param_value(v.param, day)
            d = to_decimal(raw) * (v.times if v.times is not None else Decimal(1))
            return Ratio(d), v.param
        return Ratio(str(v)), None

    def _series_money(self, s: DatedSeries, day: dt.date, what: str) -> tuple[Fen, Cited]:
        e = s.at(day)
        if e is None:
            raise PolicyError(f"region {self.region}: no {what} in force on {day}")
        if isinstance(e.value, dict):
            raise PolicyError(f"region {self.region}: {what} must be a single amount")
        fen, param = self._money(e.value, day)
        return fen, Cited(e.ref, param)

    def _series_ratio_by_visit(
        self, s: DatedSeries, day: dt.date, what: str
    ) -> tuple[dict[str, Ratio], Cited]:
        e = s.at(day)
        if e is None:
            raise PolicyError(f"region {self.region}: no {what} in force on {day}")
        out: dict[str, Ratio] = {}
        param = None
        if isinstance(e.value, dict):
            for vt, v in e.value.items():
                out[vt], p = self._ratio(v, day)
                param = param or p
        else:
            r, param = self._ratio(e.value, day)
            out = {"inpatient": r, "chronic_outpatient": r, "outpatient": r}
        return out, Cited(e.ref, param)

    def terms_on(self, day: dt.date) -> Terms:
        """The terms in force on ``day`` (cached per day)."""
        t = self._cache.get(day)
        if t is None:
            t = self._resolve(day)
            self._cache[day] = t
        return t

    def _resolve(self, day: dt.date) -> Terms:
        spec = self.spec
        until = spec.document.in_force_until
        if until is not None and day > until:
            raise PolicyError(
                f"region {self.region}: {spec.document.number} is in force until {until} "
                f"(its period of validity); no rules on {day}"
            )
        classes: list[ClassTerms] = []
        by_identity: dict[str, ClassTerms] = {}
        for rank, c in enumerate(spec.classes):
            ded, ded_ref = self._series_money(c.deductible, day, f"class {c.id} deductible")
            ratio, ratio_ref = self._series_ratio_by_visit(c.ratio, day, f"class {c.id} ratio")
            cap, cap_ref = self._series_money(c.annual_cap, day, f"class {c.id} annual cap")
            ct = ClassTerms(
                c.id, c.name, rank, ded, ded_ref, ratio, ratio_ref, cap, cap_ref, c.tilt, c.ref
            )
            classes.append(ct)
            for code in c.identities:
                by_identity[code] = ct
        tilt = None
        if spec.tilt is not None:
            tt = spec.tilt
            thr, thr_ref = self._series_money(tt.threshold, day, "tilt threshold")
            tr, tr_ref = self._series_ratio_by_visit(tt.ratio, day, "tilt ratio")
            tcap, tcap_ref = (None, None)
            if tt.annual_cap is not None:
                tcap, tcap_ref = self._series_money(tt.annual_cap, day, "tilt annual cap")
            ids = (
                frozenset(tt.classes)
                if tt.eligible == "listed_classes"
                else frozenset(
                    c.id for c in spec.classes if c.tilt or tt.eligible != "listed_classes"
                )
            ) | frozenset(g.id for g in spec.special_groups if g.tilt)
            tilt = TiltTerms(
                tt.cap_kind,
                tt.eligible,
                ids,
                tt.requires_in_province,
                tt.every_covered_counts_as_referred,
                tt.requires_referral_out_of_area,
                thr,
                thr_ref,
                tr["inpatient"],
                tr_ref,
                tcap,
                tcap_ref,
                tt.ref,
            )
        rule = spec.identity_rule.value
        if rule.startswith("param:"):
            rule, _ = self.param_value(rule[6:], day)
            if rule not in IDENTITY_RULE_ZH:
                raise PolicyError(
                    f"identity rule '{rule}' is not one of {', '.join(IDENTITY_RULE_ZH)}"
                )
        groups = tuple(self._group(g, day, len(classes)) for g in spec.special_groups)
        cv = spec.covered_visit_types.value
        retro = spec.retro_start
        return Terms(
            region=spec.region,
            day=day,
            identity_rule=rule,
            identity_rule_ref=spec.identity_rule.ref,
            covered_visit_types=None if cv == "all" else frozenset(cv),
            covered_ref=spec.covered_visit_types.ref,
            referral_required_out_of_area=spec.referral.required_out_of_area,
            emergency_exempt=spec.referral.emergency_exempt,
            referral_ref=spec.referral.ref,
            classes=tuple(classes),
            class_of_identity=by_identity,
            unclassed={u.code: (u.reason, u.ref) for u in spec.unclassed_identities},
            tilt=tilt,
            retro_identities=frozenset(retro.identities) if retro else frozenset(),
            retro_months=retro.months if retro else 0,
            retro_ref=retro.ref if retro else "",
            special_groups=groups,
        )

    def _group(self, g: Any, day: dt.date, rank: int) -> GroupTerms:
        """A special group on ``day``; parameters read on first use (see GroupTerms)."""
        memo: list[tuple[ClassTerms, tuple[str, ...]]] = []

        def standards() -> tuple[ClassTerms, tuple[str, ...]]:
            if not memo:
                ded, ded_ref = self._series_money(g.deductible, day, f"{g.id} deductible")
                ratio, ratio_ref = self._series_ratio_by_visit(g.ratio, day, f"{g.id} ratio")
                cap, cap_ref = self._series_money(g.annual_cap, day, f"{g.id} annual cap")
                raw, _ = self.param_value(g.diagnoses.param, day)
                prefixes = tuple(
                    p.strip().upper()
                    for p in raw.replace("；", ",").replace(";", ",").split(",")
                    if p.strip()
                )
                cls = ClassTerms(
                    g.id, g.name, rank, ded, ded_ref, ratio, ratio_ref, cap, cap_ref, g.tilt, g.ref
                )
                memo.append((cls, prefixes))
            return memo[0]

        return GroupTerms(
            g.id, g.name, g.max_age, frozenset(g.visit_types), g.local_only, g.ref, standards
        )
