"""Request and response shapes of the settlement service (calc-contract §10).

Amounts arrive as JSON strings or numbers. The body is parsed with ``parse_float=Decimal``
(see :func:`parse_json_body`), so a number such as ``1234.56`` reaches the validators as
the exact decimal the hospital wrote — no binary float ever touches money — and is
converted to integer fen by :func:`jiuzhu.policy.money.parse_fen`. Flags are 0 or 1.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from typing import Annotated, Any

from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, WithJsonSchema

from jiuzhu.domain.claim import Claim
from jiuzhu.domain.dates import strict_date, strict_datetime
from jiuzhu.domain.errors import InputError
from jiuzhu.policy.money import AmountError, format_fen, parse_fen

# -- field types ----------------------------------------------------------------------------


MAX_YUAN = 10**10
"""The largest amount the service takes (ten billion yuan): far above any settlement, and
sums of millions of them still fit the BIGINT fen columns (issue 8 item 6)."""
_AMOUNT_TEXT = re.compile(r"[0-9]{1,10}(\.[0-9]{1,2})?")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
ID_PATTERN = r"^[0-9A-Za-z_.:-]+$"
"""setl_id, mdtrt_id: what the national platform's IDs are made of; a ``/`` would
make the stored settlement unreachable by its URL"""
PSN_PATTERN = r"^[^\s/?#%\\]+$"


def _fen(v: Any) -> int:
    if isinstance(v, float):
        # only reachable when a caller bypasses parse_json_body; refuse rather than guess
        raise ValueError("amount must be a decimal string or number, not a binary float")
    if isinstance(v, bool) or not isinstance(v, str | int | Decimal):
        raise ValueError('amount must be a string or a number, e.g. "1234.50"')
    if isinstance(v, str) and not _AMOUNT_TEXT.fullmatch(v):
        # ASCII digits only, no padding, no sign, no exponent: "１２３" or " 12.00" is refused
        raise ValueError(f"malformed amount: {v[:40]!r} (ASCII digits, at most two decimals)")
    if isinstance(v, Decimal) and not v.is_finite():
        raise ValueError("amount must be a finite number")
    if isinstance(v, int | Decimal) and not (0 <= v < MAX_YUAN):
        raise ValueError(f"amount out of range: must be at least 0 and below {MAX_YUAN} yuan")
    try:
        return parse_fen(v)
    except AmountError as exc:
        raise ValueError(str(exc)) from None


def _text(v: Any) -> Any:
    if isinstance(v, str):
        if _CONTROL.search(v):
            raise ValueError("control characters (NUL, newline, …) are not allowed")
        return v.strip()
    return v


def _flag(v: Any) -> bool:
    if v in (0, 1, "0", "1") and not isinstance(v, float):
        return bool(int(v))
    if isinstance(v, bool):
        return v
    raise ValueError("flag must be 0 or 1")


def _date(v: Any) -> dt.date:
    if isinstance(v, dt.date) and not isinstance(v, dt.datetime):
        return v
    if not isinstance(v, str) or len(v) != 10:
        raise ValueError("date must be YYYY-MM-DD")
    return strict_date(v)


def _datetime(v: Any) -> dt.datetime:
    if isinstance(v, dt.datetime):
        return v
    if not isinstance(v, str) or len(v) != 19:
        raise ValueError("time must be YYYY-MM-DD HH:MM:SS")
    return strict_datetime(v, allow_t=True)


_AMOUNT_SCHEMA = {
    "anyOf": [
        {"type": "string", "pattern": r"^[0-9]{1,10}(\.[0-9]{1,2})?$"},
        {"type": "number", "minimum": 0, "exclusiveMaximum": MAX_YUAN},
    ],
    "description": "yuan, at most two decimals (string or number; parsed exactly)",
    "examples": ["12345.67"],
}
Amount = Annotated[int, BeforeValidator(_fen), WithJsonSchema(_AMOUNT_SCHEMA)]
Flag = Annotated[
    bool,
    BeforeValidator(_flag),
    WithJsonSchema({"type": "integer", "enum": [0, 1]}),
]
Date = Annotated[
    dt.date,
    BeforeValidator(_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$",
            "examples": ["2024-03-01"],
        }
    ),
]
DateTime = Annotated[
    dt.datetime,
    BeforeValidator(_datetime),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[ T][0-9]{2}:[0-9]{2}:[0-9]{2}$",
            "examples": ["2024-03-05 10:20:00"],
        }
    ),
]
Text = Annotated[str, BeforeValidator(_text)]


class SettlementIn(BaseModel):
    """A settlement after basic and critical-illness insurance, in the national platform's
    field names (calc-contract §8, §10)."""

    model_config = ConfigDict(extra="ignore", strict=False)

    setl_id: Text = Field(min_length=1, max_length=60, pattern=ID_PATTERN, description="结算ID")
    psn_no: Text = Field(min_length=1, max_length=40, pattern=PSN_PATTERN, description="人员编号")
    setl_time: DateTime = Field(description="结算时间 YYYY-MM-DD HH:MM:SS")
    med_type: Text = Field(
        min_length=1, max_length=10, description="医疗类别: 2x 住院, 14 门诊慢特病"
    )
    begndate: Date = Field(description="开始日期")
    enddate: Date = Field(description="结束日期")
    inscp_scp_amt: Amount = Field(description="符合政策范围金额")
    hifp_pay: Amount = Field(description="基本医疗保险统筹基金支出")
    hifmi_pay: Amount = Field(description="大病保险支出")
    hifob_pay: Amount = Field(0, description="职工大额医疗费用补助支出")
    out_of_area: Flag = Field(False, description="异地就医 0/1")
    referral: Flag = Field(False, description="已办理转诊（备案） 0/1")
    emergency: Flag = Field(False, description="急诊抢救 0/1")
    in_province: Flag = Field(True, description="区（省）内 0/1")
    mdtrt_id: Text | None = Field(
        None, max_length=60, pattern=ID_PATTERN, description="就诊ID (stored)"
    )
    dise_codg: Text | None = Field(
        None,
        max_length=20,
        pattern=r"^[A-Za-z0-9.+-]*$",
        description="主诊断编码 (医保版 ICD-10); special groups only (梅州 第十二条（四）)",
    )
    age: int | None = Field(None, ge=0, le=150, description="年龄（周岁，入院时）")
    medfee_sumamt: Amount | None = Field(None, description="医疗费总额 (stored)")
    deposit: Amount | None = Field(
        None, description="住院押金 (stored; 先诊疗后付费 check: 双鸭山 第二十二条, 柳州 七（五）)"
    )
    fixmedins_code: Text | None = Field(
        None,
        max_length=40,
        pattern=ID_PATTERN,
        description="定点医药机构编号; for hospitals it must be the key's own institution",
    )
    county: Text | None = Field(
        None,
        pattern=r"^[0-9]{6}$",
        description="参保地县区 6-digit division code (else the person's, from the lists); "
        "the fund's books split by it",
    )

    def to_claim(self) -> Claim:
        if self.enddate < self.begndate:
            raise InputError(
                f"enddate {self.enddate} is before begndate {self.begndate}", column="enddate"
            )
        if self.setl_time.date() < self.begndate:
            raise InputError(
                f"setl_time {self.setl_time} is before the stay began ({self.begndate})",
                column="setl_time",
            )
        latest = dt.datetime.now() + dt.timedelta(days=1)
        if self.setl_time.replace(tzinfo=None) > latest:
            raise InputError(
                f"setl_time {self.setl_time} is in the future (latest {latest:%Y-%m-%d %H:%M})",
                column="setl_time",
            )
        return Claim(
            self.setl_id,
            self.psn_no,
            self.setl_time.replace(tzinfo=None, microsecond=0),
            self.med_type,
            self.begndate,
            self.enddate,
            self.inscp_scp_amt,
            self.hifp_pay,
            self.hifmi_pay,
            self.hifob_pay,
            self.out_of_area,
            self.referral,
            self.emergency,
            self.in_province,
            self.dise_codg or "",
            self.age,
        )

    def extra(self) -> dict[str, Any]:
        """The national platform's further fields, stored with the settlement (and part of
        its identity: another ``mdtrt_id`` under the same ``setl_id`` is another body)."""
        out: dict[str, Any] = {}
        if self.mdtrt_id:
            out["mdtrt_id"] = self.mdtrt_id
        if self.medfee_sumamt is not None:
            out["medfee_sumamt"] = format_fen(self.medfee_sumamt)
        if self.dise_codg:
            out["dise_codg"] = self.dise_codg
        if self.age is not None:
            out["age"] = self.age
        if self.deposit is not None:
            out["deposit"] = format_fen(self.deposit)
        if self.county:
            out["county"] = self.county
        return out


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a number")


def parse_json_body(raw: bytes) -> Any:
    """JSON with exact decimals (``parse_float=Decimal``); malformed JSON is a 422."""
    try:
        return json.loads(raw, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "malformed JSON: nested too deep", "type": "json_invalid"}]
        ) from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError(
            [{"loc": ("body",), "msg": f"malformed JSON: {exc}", "type": "json_invalid"}]
        ) from None


def parse_settlement(raw: bytes) -> SettlementIn:
    """Validate a settlement body; every problem names its field (422)."""
    data = parse_json_body(raw)
    if not isinstance(data, dict):
        raise RequestValidationError(
            [{"loc": ("body",), "msg": "body must be a JSON object", "type": "model_type"}]
        )
    try:
        return SettlementIn.model_validate(data)
    except ValidationError as exc:
        errs: list[dict[str, Any]] = []
        for err in exc.errors(include_url=False):
            e: dict[str, Any] = dict(err)
            e["msg"] = str(e.get("msg", "")).removeprefix("Value error, ")
            e.pop("ctx", None)
            errs.append(e)
        raise RequestValidationError(errs) from None


# -- responses (documentation; the service returns the stored answer as is) ---------------------


class TotalsOut(BaseModel):
    """Running totals of the person-year after the settlement (calc-contract §5), yuan."""

    S: str = Field(description="政策范围内个人自付累计（起付线）")
    P: str = Field(description="救助支付累计（年度限额）")
    R: str = Field(description="倾斜救助剩余负担累计")
    TP: str = Field(description="倾斜救助支付累计")


class TraceStep(BaseModel):
    step: str
    text: str = Field(description="中文说明")
    ref: str = Field(description="依据（文件与条款）")
    data: dict[str, Any]


class SettlementAnswer(BaseModel):
    """What medical assistance pays for one settlement, with its cited trace."""

    model_config = ConfigDict(populate_by_name=True)

    setl_id: str
    psn_no: str
    identity: str | None = Field(description="适用身份代码 (calc-contract §4); null when none")
    class_: str | None = Field(alias="class", description="救助类别")
    year: int
    reason: str = Field(
        description="paid | no_identity | unclassed_identity | visit_type_not_covered | "
        "out_of_area_without_referral"
    )
    base: str
    deductible: str
    maf_pay: str = Field(description="医疗救助支付, two decimals")
    tilt_pay: str = Field(description="倾斜救助支付, two decimals")
    totals_after: TotalsOut
    trace: list[TraceStep]
    status: str = Field(description="settled | reversed | trial")
    source: str = Field(description="one_stop | import | manual | backpay | trial")
    reversed_at: str | None = None


class StoredSettlement(SettlementAnswer):
    body: dict[str, Any] = Field(description="the settlement as received (amounts in yuan)")
    institution: str | None
    created_at: str


class PersonYear(BaseModel):
    psn_no: str
    year: int
    totals: TotalsOut
    settlements: list[dict[str, Any]]


class ErrorDetail(BaseModel):
    code: str
    message: str
    field: str | None


class ErrorBody(BaseModel):
    error: ErrorDetail


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"model": ErrorBody, "description": "bad input (field named)"},
    401: {"model": ErrorBody, "description": "missing or invalid X-API-Key / token"},
    403: {"model": ErrorBody, "description": "not allowed for this caller"},
    404: {"model": ErrorBody, "description": "unknown (or another institution's) settlement"},
    409: {"model": ErrorBody, "description": "setl_id already used with a different body"},
    413: {"model": ErrorBody, "description": "body larger than the service accepts"},
    422: {"model": ErrorBody, "description": "malformed body (field named); nothing written"},
}


def settlement_request_openapi() -> dict[str, Any]:
    """The request body's schema for the OpenAPI document (the route reads the raw body)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": SettlementIn.model_json_schema()}},
        }
    }


# -- admin -------------------------------------------------------------------------------------


class UserIn(BaseModel):
    username: str = Field(min_length=2, max_length=60)
    password: str = Field(min_length=8, max_length=200)
    roles: list[str] = Field(min_length=1)
    display_name: str | None = Field(None, max_length=100)


class UserOut(BaseModel):
    username: str
    display_name: str
    roles: list[str]
    active: bool
    created_at: str


class KeyIn(BaseModel):
    institution: str = Field(min_length=1, max_length=40, description="定点医药机构编号")
    label: str | None = Field(None, max_length=200)


class KeyOut(BaseModel):
    id: int
    institution: str
    prefix: str
    label: str | None
    created_at: str
    revoked_at: str | None


class NewKeyOut(KeyOut):
    key: str = Field(description="shown once; only its hash is stored")


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    action: str
    entity: str
    entity_id: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
