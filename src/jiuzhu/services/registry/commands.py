"""The beneficiary registry: persons and their identities (救助身份), shared by CLI and API.

ID numbers and names are stored encrypted (AES-GCM), found by keyed hash, and leave this
module only masked (``1****************4``, ``张*``). Every change is audited with masked
before/after (宁医保发〔2023〕102号 第九条 全程痕迹管理).

Identity spans of the same code for the same person must not overlap: an overlapping
span is refused (not merged), because two departments' dates for the same identity
disagreeing is a fact the case worker has to resolve, not the program.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import DataCipher, get_cipher
from jiuzhu.adapters.db.tables import Person, PersonIdentity
from jiuzhu.adapters.db.uow import audit
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import Conflict, InputError, NotFound
from jiuzhu.domain.identity import IDENTITY_ORDER
from jiuzhu.domain.pii import (
    birth_date_of,
    certno_problem,
    looks_like_certno,
    mask_certno,
    mask_name,
    normalise_certno,
    sex_of,
)
from jiuzhu.policy.loader import RegionPolicy
from jiuzhu.policy.schema import IDENTITY_CODES

SOURCES: dict[str, frozenset[str]] = {
    # 新疆规程 第六条; 宁医保发〔2023〕102号 第十一条 first paragraph; 柳州任务清单 一
    "minzheng": frozenset(
        {"tekun", "guer", "wurenfuyang", "dibao", "gaoling", "bianyuan", "yinbing"}
    ),
    "xiangcun": frozenset({"jiance", "fanpin", "tuopin"}),
    "canlian": frozenset({"zhongcan"}),
    # 宁医保发〔2023〕102号 第十一条 second paragraph: the agency maintains any identity
    # from the recognising department's document
    "yibao": frozenset(IDENTITY_CODES),
}
SOURCE_ZH: dict[str, str] = {
    "minzheng": "民政部门",
    "xiangcun": "乡村振兴（农业农村）部门",
    "canlian": "残疾人联合会",
    "yibao": "医保经办机构",
}

_EXTRA_ALIASES: dict[str, str] = {
    "特困": "tekun",
    "特困供养": "tekun",
    "特困供养人员": "tekun",
    "城乡特困救助供养对象": "tekun",
    "事实无人抚养": "wurenfuyang",
    "低保": "dibao",
    "低保户": "dibao",
    "城乡最低生活保障家庭成员": "dibao",
    "高龄老人": "gaoling",
    "低保边缘": "bianyuan",
    "低保边缘对象": "bianyuan",
    "低保边缘户": "bianyuan",
    "最低生活保障边缘家庭成员": "bianyuan",
    "优抚对象": "youfu",
    "重点优抚对象": "youfu",
    "监测对象": "jiance",
    "监测人口": "jiance",
    "易返贫致贫人口": "jiance",
    "农村易返贫致贫人口": "jiance",
    "返贫致贫": "fanpin",
    "因病返贫致贫": "fanpin",
    "因病致贫": "yinbing",
    "因病致贫重病患者": "yinbing",
    "支出型困难家庭": "yinbing",
    "支出型医疗救助对象": "yinbing",
    "因病支出型困难家庭成员": "yinbing",
    "脱贫户": "tuopin",
    "已脱贫人口": "tuopin",
    "重度残疾": "zhongcan",
    "重度残疾人员": "zhongcan",
}


def _build_identity_names() -> dict[str, str]:
    """Chinese names → contract codes (calc-contract §1), from the names in the schema."""
    out: dict[str, str] = {}
    for code, zh in IDENTITY_CODES.items():
        out[zh] = code
        for part in re.split(r"[（）()/、]", zh):
            part = part.strip()
            if part:
                out.setdefault(part, code)
    for alias, code in _EXTRA_ALIASES.items():
        out.setdefault(alias, code)
    return out


IDENTITY_NAMES: dict[str, str] = _build_identity_names()


def resolve_identity_code(text: str, operator_map: Mapping[str, str] | None = None) -> str | None:
    """A contract code from a contract code, an outside (department) code in the operator's
    ``identity_codes`` mapping, or a Chinese identity name; None if unknown."""
    t = text.strip()
    if not t:
        return None
    if t in IDENTITY_CODES:
        return t
    if t.lower() in IDENTITY_CODES:
        return t.lower()
    if operator_map and t in operator_map:
        return operator_map[t]
    return IDENTITY_NAMES.get(t)


def source_problem(source: str, code: str) -> str | None:
    """Why ``source`` may not give identity ``code`` (None if it may)."""
    if source not in SOURCES:
        return f"unknown source '{source}' (known: {', '.join(SOURCES)})"
    if code not in SOURCES[source]:
        return (
            f"identity '{code}' is not recognised by {source} ({SOURCE_ZH[source]}); "
            f"its types: {', '.join(sorted(SOURCES[source]))}"
        )
    return None


# -- persons ----------------------------------------------------------------------------


def person_values(
    cipher: DataCipher,
    psn_no: str,
    certno: str,
    name: str,
    household_no: str | None = None,
    insured_region: str | None = None,
) -> dict[str, Any]:
    """Column values of a new person: ID number and name encrypted, sex and birth date
    derived from the ID number (GB 11643-1999). The ID number must be valid."""
    c = normalise_certno(certno)
    now = utcnow()
    return {
        "psn_no": psn_no,
        "certno_enc": cipher.encrypt(c),
        "certno_hash": cipher.lookup_hash(c),
        "name_enc": cipher.encrypt(name.strip()) if name.strip() else None,
        "sex": sex_of(c),
        "birth_date": birth_date_of(c),
        "household_no": household_no or None,
        "insured_region": insured_region or None,
        "created_at": now,
        "updated_at": now,
    }


def _decrypt(cipher: DataCipher, blob: bytes | None) -> str:
    return cipher.decrypt(blob) if blob else ""


def person_summary(p: Person, cipher: DataCipher | None = None) -> dict[str, Any]:
    """A person as shown anywhere: ID number and name masked."""
    cipher = cipher or get_cipher()
    return {
        "psn_no": p.psn_no,
        "certno": mask_certno(_decrypt(cipher, p.certno_enc)),
        "name": mask_name(_decrypt(cipher, p.name_enc)),
        "sex": p.sex,
        "birth_date": p.birth_date.isoformat() if p.birth_date else None,
        "household_no": p.household_no,
        "insured_region": p.insured_region,
    }


def find_person(
    session: Session, *, psn_no: str | None = None, certno: str | None = None
) -> Person | None:
    """By 人员编号, or by ID number through its keyed hash (never compared in clear)."""
    if psn_no:
        return session.scalar(select(Person).where(Person.psn_no == psn_no.strip()))
    if certno:
        h = get_cipher().lookup_hash(normalise_certno(certno))
        return session.scalar(select(Person).where(Person.certno_hash == h))
    return None


def get_person(session: Session, psn_no: str) -> Person:
    p = find_person(session, psn_no=psn_no)
    if p is None:
        raise NotFound(f"no person with psn_no {psn_no}", field="psn_no")
    return p


def create_person(
    session: Session,
    actor: str,
    psn_no: str,
    certno: str,
    name: str,
    household_no: str | None = None,
    insured_region: str | None = None,
) -> Person:
    """Register a person; the ID number's check digit is verified (GB 11643-1999)."""
    psn_no = psn_no.strip()
    if not psn_no:
        raise InputError("psn_no is empty", column="psn_no")
    problem = certno_problem(certno)
    if problem:
        raise InputError(problem, column="certno")
    if not name.strip():
        raise InputError("name is empty", column="psn_name")
    if find_person(session, psn_no=psn_no) is not None:
        raise Conflict(f"person {psn_no} exists", field="psn_no")
    other = find_person(session, certno=certno)
    if other is not None:
        raise Conflict(
            f"ID number {mask_certno(certno)} belongs to person {other.psn_no}", field="certno"
        )
    cipher = get_cipher()
    p = Person(**person_values(cipher, psn_no, certno, name, household_no, insured_region))
    session.add(p)
    session.flush()
    audit(session, actor, "create", "person", psn_no, None, person_summary(p, cipher))
    return p


def search_persons(
    session: Session,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
    *,
    actor: str | None = None,
) -> tuple[int, list[dict[str, Any]]]:
    """Persons by 人员编号 prefix, household number, or exact ID number (keyed hash).
    Given an ``actor``, a search by ID number is audited as a look at personal data."""
    stmt = select(Person)
    if q and q.strip():
        q = q.strip()
        conds = [Person.psn_no.startswith(q, autoescape=True), Person.household_no == q]
        if certno_problem(q) is None:
            conds.append(Person.certno_hash == get_cipher().lookup_hash(normalise_certno(q)))
        stmt = stmt.where(or_(*conds))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    rows = session.scalars(stmt.order_by(Person.psn_no).limit(limit).offset(offset))
    cipher = get_cipher()
    found = [person_summary(p, cipher) for p in rows]
    if actor is not None and q and looks_like_certno(q):
        audit(session, actor, "search", "person", "certno", None, {"found": int(total)})
    return int(total), found


# -- identities -------------------------------------------------------------------------


def identity_dict(i: PersonIdentity) -> dict[str, Any]:
    return {
        "id": i.id,
        "psn_no": i.psn_no,
        "code": i.code,
        "name": IDENTITY_CODES.get(i.code, i.code),
        "begndate": i.begndate.isoformat(),
        "enddate": i.enddate.isoformat() if i.enddate else None,
        "source": i.source,
        "source_doc": i.source_doc,
        "batch_id": i.batch_id,
        "ended_by_batch_id": i.ended_by_batch_id,
    }


def class_rank(policy: RegionPolicy | None) -> dict[str, tuple[int, str, str]]:
    """code → (rank, class id, class name): the order of the region's benefit classes,
    first = highest (就高不就低, calc-contract §4)."""
    out: dict[str, tuple[int, str, str]] = {}
    if policy is None:
        return out
    for rank, c in enumerate(policy.spec.classes):
        for code in c.identities:
            out[code] = (rank, c.id, c.name)
    return out


def highest_code(codes: Iterable[str], policy: RegionPolicy | None) -> str | None:
    """The identity whose class comes first in the region's policy; identities without a
    class only when nothing else applies (calc-contract §4)."""
    ranks = class_rank(policy)
    best: tuple[int, int] | None = None
    found = None
    for code in codes:
        key = (ranks[code][0] if code in ranks else 1000, IDENTITY_ORDER.get(code, 999))
        if best is None or key < best:
            best, found = key, code
    return found


def resolve_identities(
    identities: Sequence[PersonIdentity], policy: RegionPolicy | None, day: dt.date
) -> list[dict[str, Any]]:
    """Every identity, each marked ``valid`` on ``day``; the highest valid one marked
    ``highest`` (新疆规程 第五条、双鸭山实施办法 第四条: 多重身份就高不就低)."""
    ranks = class_rank(policy)
    valid = [i for i in identities if i.begndate <= day and (i.enddate is None or day <= i.enddate)]
    top = highest_code([i.code for i in valid], policy)
    out = []
    for i in identities:
        d = identity_dict(i)
        d["valid"] = i in valid
        d["highest"] = d["valid"] and i.code == top
        if i.code in ranks:
            d["class_id"], d["class_name"] = ranks[i.code][1], ranks[i.code][2]
        else:
            d["class_id"], d["class_name"] = None, None
        out.append(d)
    return out


def identities_of(session: Session, psn_no: str) -> list[PersonIdentity]:
    return list(
        session.scalars(
            select(PersonIdentity)
            .where(PersonIdentity.psn_no == psn_no)
            .order_by(PersonIdentity.begndate, PersonIdentity.id)
        )
    )


def person_detail(
    session: Session, psn_no: str, policy: RegionPolicy | None = None, day: dt.date | None = None
) -> dict[str, Any]:
    """A person (masked) with every identity, the highest valid one on ``day`` marked."""
    p = get_person(session, psn_no)
    day = day or dt.date.today()
    d = person_summary(p)
    d["as_of"] = day.isoformat()
    d["identities"] = resolve_identities(identities_of(session, psn_no), policy, day)
    top = [i for i in d["identities"] if i["highest"]]
    d["highest_identity"] = top[0]["code"] if top else None
    return d


def _overlapping(
    spans: Iterable[PersonIdentity], code: str, beg: dt.date, end: dt.date | None, skip: int | None
) -> PersonIdentity | None:
    for s in spans:
        if s.code != code or s.id == skip:
            continue
        if s.begndate <= (end or dt.date.max) and (s.enddate or dt.date.max) >= beg:
            return s
    return None


def _span_text(s: PersonIdentity) -> str:
    return f"{s.begndate}–{s.enddate or '至今'}"


def add_identity(
    session: Session,
    actor: str,
    psn_no: str,
    code: str,
    begndate: dt.date,
    enddate: dt.date | None = None,
    source: str = "yibao",
    source_doc: str | None = None,
) -> PersonIdentity:
    """Record an identity (宁医保发〔2023〕102号 第十一条 资格维护). Overlapping spans of the
    same identity are refused."""
    p = get_person(session, psn_no)
    if code not in IDENTITY_CODES:
        raise InputError(f"unknown identity code '{code}'", column="identity")
    problem = source_problem(source, code)
    if problem:
        raise InputError(problem, column="source")
    if enddate is not None and enddate < begndate:
        raise InputError(f"enddate {enddate} is before begndate {begndate}", column="enddate")
    clash = _overlapping(identities_of(session, psn_no), code, begndate, enddate, None)
    if clash is not None:
        raise Conflict(
            f"{psn_no} already has {code} for {_span_text(clash)}, overlapping "
            f"{begndate}–{enddate or '至今'}; end or change that span instead",
            field="begndate",
        )
    i = PersonIdentity(
        person_id=p.id,
        psn_no=psn_no,
        code=code,
        begndate=begndate,
        enddate=enddate,
        source=source,
        source_doc=source_doc,
    )
    session.add(i)
    session.flush()
    audit(
        session,
        actor,
        "add",
        "person_identity",
        identity_key(psn_no, code, begndate),
        None,
        identity_dict(i),
    )
    return i


def identity_key(psn_no: str, code: str, begndate: dt.date) -> str:
    """The audit trail's id of an identity span: person, code and start (stable across
    bulk imports, which insert without reading ids back)."""
    return f"{psn_no}:{code}:{begndate.isoformat()}"


def _get_identity(session: Session, identity_id: int) -> PersonIdentity:
    i = session.get(PersonIdentity, identity_id, with_for_update=True)
    if i is None:
        raise NotFound(f"no identity with id {identity_id}", field="id")
    return i


def change_identity(
    session: Session,
    actor: str,
    identity_id: int,
    *,
    begndate: dt.date | None = None,
    enddate: dt.date | None = None,
    clear_enddate: bool = False,
    source_doc: str | None = None,
    action: str = "change",
) -> PersonIdentity:
    """Change an identity's dates (动态调整); the result must not overlap another span."""
    i = _get_identity(session, identity_id)
    before = identity_dict(i)
    beg = begndate or i.begndate
    end = None if clear_enddate else (enddate if enddate is not None else i.enddate)
    if end is not None and end < beg:
        raise InputError(f"enddate {end} is before begndate {beg}", column="enddate")
    clash = _overlapping(identities_of(session, i.psn_no), i.code, beg, end, i.id)
    if clash is not None:
        raise Conflict(
            f"{i.psn_no} has {i.code} also for {_span_text(clash)}; the spans would overlap",
            field="enddate",
        )
    i.begndate, i.enddate = beg, end
    if source_doc:
        i.source_doc = source_doc
    session.flush()
    after = identity_dict(i)
    if after != before:
        key = identity_key(i.psn_no, i.code, dt.date.fromisoformat(before["begndate"]))
        audit(session, actor, action, "person_identity", key, before, after)
    return i


def end_identity(
    session: Session,
    actor: str,
    identity_id: int,
    enddate: dt.date,
    source_doc: str | None = None,
) -> PersonIdentity:
    """End an identity on ``enddate`` (included) — 新疆规程 第六条 动态调整."""
    return change_identity(
        session, actor, identity_id, enddate=enddate, source_doc=source_doc, action="end"
    )


__all__ = [
    "IDENTITY_NAMES",
    "SOURCES",
    "SOURCE_ZH",
    "add_identity",
    "change_identity",
    "class_rank",
    "create_person",
    "end_identity",
    "find_person",
    "get_person",
    "highest_code",
    "identities_of",
    "identity_dict",
    "identity_key",
    "person_detail",
    "person_summary",
    "person_values",
    "resolve_identities",
    "resolve_identity_code",
    "search_persons",
    "source_problem",
]
