"""Tables shared by every noun. Amounts are integer fen (BIGINT), never floats.

Each noun that needs more tables adds its own module next to this one, on the same
``Base``, and an Alembic migration after the current head (``migrations/versions``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from jiuzhu.domain.clock import utcnow

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}


BIG_ID = BigInteger().with_variant(Integer, "sqlite")
"""A 64-bit surrogate key (SQLite: its INTEGER rowid, which is already 64-bit)."""


def _now() -> dt.datetime:
    return utcnow()


class Person(Base):
    """救助对象 (or anyone the agency has a record of). ID number and name encrypted."""

    __tablename__ = "person"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(40), unique=True)
    certno_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    certno_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    name_enc: Mapped[bytes | None] = mapped_column(LargeBinary)
    sex: Mapped[str | None] = mapped_column(String(1))
    birth_date: Mapped[dt.date | None] = mapped_column(Date)
    household_no: Mapped[str | None] = mapped_column(String(40), index=True)
    insured_region: Mapped[str | None] = mapped_column(String(40))
    county: Mapped[str | None] = mapped_column(String(6))
    """6-digit administrative division code of the insured place (宁医保发〔2023〕102号 第十七条)"""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class PersonIdentity(Base):
    """An identity (救助身份) valid from begndate to enddate (both included; NULL = open)."""

    __tablename__ = "person_identity"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    psn_no: Mapped[str] = mapped_column(String(40), index=True)
    code: Mapped[str] = mapped_column(String(20))
    begndate: Mapped[dt.date] = mapped_column(Date)
    enddate: Mapped[dt.date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(20))
    """minzheng | xiangcun | canlian | yibao"""
    source_doc: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    ended_by_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class ImportBatch(Base):
    """One department list imported (xinjiang 第六条 每月全面比对; ningxia 第十一条)."""

    __tablename__ = "import_batch"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30))
    source: Mapped[str | None] = mapped_column(String(20))
    mode: Mapped[str | None] = mapped_column(String(20))
    as_of: Mapped[dt.date | None] = mapped_column(Date)
    file_name: Mapped[str | None] = mapped_column(String(300))
    file_sha256: Mapped[str | None] = mapped_column(String(64), index=True)
    actor: Mapped[str] = mapped_column(String(80))
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    report: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class ImportBatchFile(Base):
    """The department's file of a batch as received, every row of it (rejected ones too):
    zlib-compressed, base64 text, encrypted under the data key (it holds ID numbers and
    names). With the batch report's line numbers it traces every identity to its rows."""

    __tablename__ = "import_batch_file"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("import_batch.id"), unique=True)
    file_name: Mapped[str | None] = mapped_column(String(300))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(BigInteger)
    content_enc: Mapped[bytes] = mapped_column(LargeBinary)


class AuditLog(Base):
    """Every change: who, when, what, before and after (ningxia 第九条 全程痕迹管理)."""

    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(BIG_ID, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, index=True)
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(60))
    entity: Mapped[str] = mapped_column(String(40))
    entity_id: Mapped[str] = mapped_column(String(80))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    mac: Mapped[str | None] = mapped_column(String(64))
    """HMAC of the record under the audit key (which the database never holds)"""
    seq: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    """position in the chain, given when sealed"""
    chain: Mapped[str | None] = mapped_column(String(64))
    """HMAC(previous chain, seq, id, mac): editing, deleting or reordering breaks it"""
    __table_args__ = (Index("ix_audit_entity", "entity", "entity_id"),)


class AuditSeal(Base):
    """The head of the audit chain (one row): the last sealed position and its chain value."""

    __tablename__ = "audit_seal"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(BigInteger)
    chain: Mapped[str] = mapped_column(String(64))
    legacy_max_id: Mapped[int] = mapped_column(BigInteger)
    sealed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class LoginAttempt(Base):
    """Failed logins of a username (known or not, so both behave alike), and its lock."""

    __tablename__ = "login_attempt"
    username: Mapped[str] = mapped_column(String(60), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    last_failure: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Settlement(Base):
    """A settlement assessed by the engine, as stored with its answer and trace."""

    __tablename__ = "settlement"
    setl_id: Mapped[str] = mapped_column(String(60), primary_key=True)
    psn_no: Mapped[str] = mapped_column(String(40))
    year: Mapped[int] = mapped_column(Integer)
    region: Mapped[str] = mapped_column(String(20))
    source: Mapped[str] = mapped_column(String(20))
    """one_stop | import | manual | backpay"""
    institution: Mapped[str | None] = mapped_column(String(40))
    body_hash: Mapped[str] = mapped_column(String(64))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    setl_time: Mapped[dt.datetime] = mapped_column(DateTime)
    begndate: Mapped[dt.date] = mapped_column(Date)
    enddate: Mapped[dt.date] = mapped_column(Date)
    med_type: Mapped[str] = mapped_column(String(10))
    identity: Mapped[str] = mapped_column(String(20), default="")
    class_id: Mapped[str | None] = mapped_column(String(20))
    reason: Mapped[str] = mapped_column(String(40))
    base: Mapped[int] = mapped_column(BigInteger)
    deductible: Mapped[int] = mapped_column(BigInteger)
    maf_pay: Mapped[int] = mapped_column(BigInteger)
    tilt_pay: Mapped[int] = mapped_column(BigInteger)
    d_s: Mapped[int] = mapped_column(BigInteger)
    d_p: Mapped[int] = mapped_column(BigInteger)
    d_r: Mapped[int] = mapped_column(BigInteger)
    d_tp: Mapped[int] = mapped_column(BigInteger)
    trace: Mapped[list[Any]] = mapped_column(JSON)
    answer: Mapped[dict[str, Any]] = mapped_column(JSON)
    """the answer as first given (replayed unchanged for the same body)"""
    status: Mapped[str] = mapped_column(String(20), default="settled")
    """settled | reversed"""
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    reversed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    backpay_of: Mapped[str | None] = mapped_column(String(60))
    county: Mapped[str | None] = mapped_column(String(6))
    """the body's ``county``, else the person's (6-digit division code), for the books"""
    # the claim's amounts (fen) and flags, also in ``body``: simulation reads them (0800)
    inscp_scp_amt: Mapped[int] = mapped_column(BigInteger, server_default="0")
    hifp_pay: Mapped[int] = mapped_column(BigInteger, server_default="0")
    hifmi_pay: Mapped[int] = mapped_column(BigInteger, server_default="0")
    hifob_pay: Mapped[int] = mapped_column(BigInteger, server_default="0")
    out_of_area: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    referral: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    emergency: Mapped[int] = mapped_column(SmallInteger, server_default="0")
    in_province: Mapped[int] = mapped_column(SmallInteger, server_default="1")
    __table_args__ = (Index("ix_settlement_person_year", "psn_no", "year"),)


class PersonYearTotals(Base):
    """The four running totals of a person in a year (calc-contract §5), in fen."""

    __tablename__ = "person_year_totals"
    psn_no: Mapped[str] = mapped_column(String(40), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    s: Mapped[int] = mapped_column(BigInteger, default=0)
    p: Mapped[int] = mapped_column(BigInteger, default=0)
    r: Mapped[int] = mapped_column(BigInteger, default=0)
    tp: Mapped[int] = mapped_column(BigInteger, default=0)
    settlements: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now, onupdate=_now)


class ApiKey(Base):
    """A hospital's (定点医药机构) API key, bound to its institution code; stored hashed."""

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    institution: Mapped[str] = mapped_column(String(40), index=True)
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class StaffUser(Base):
    """A staff account; roles decide what it may do. Password stored as scrypt hash."""

    __tablename__ = "staff_user"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str] = mapped_column(String(200))
    roles: Mapped[list[Any]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


class StaffToken(Base):
    """A bearer token issued at login (hashed), with expiry."""

    __tablename__ = "staff_token"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("staff_user.id"))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=_now)


__all__ = [
    "Base",
    "Person",
    "PersonIdentity",
    "ImportBatch",
    "ImportBatchFile",
    "AuditLog",
    "AuditSeal",
    "LoginAttempt",
    "Settlement",
    "PersonYearTotals",
    "ApiKey",
    "StaffUser",
    "StaffToken",
    "UniqueConstraint",
    "Text",
    "func",
]
