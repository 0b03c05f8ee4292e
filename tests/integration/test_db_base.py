"""The base schema migrates on both databases; personal data is encrypted and masked."""

from __future__ import annotations

from sqlalchemy import select

from jiuzhu.adapters.crypto import DataCipher
from jiuzhu.adapters.db.tables import AuditLog, Person
from jiuzhu.adapters.db.uow import UnitOfWork, audit, audit_trail
from jiuzhu.domain.pii import certno_problem, mask_certno, mask_name


def test_migrated_schema_accepts_person_and_audit(uow: UnitOfWork) -> None:
    c = DataCipher(bytes(range(32)))
    with uow.begin() as s:
        s.add(
            Person(
                psn_no="P1",
                certno_enc=c.encrypt("11010519491231002X"),
                certno_hash=c.lookup_hash("11010519491231002X"),
            )
        )
        audit(
            s,
            "tester",
            "create",
            "person",
            "P1",
            None,
            {"certno": mask_certno("11010519491231002X")},
        )
    with uow.read() as s:
        p = s.scalars(select(Person)).one()
        assert c.decrypt(p.certno_enc or b"") == "11010519491231002X"
        assert p.certno_hash == c.lookup_hash("11010519491231002x")
        trail = audit_trail(s, "person", "P1")
        assert [a.action for a in trail] == ["create"]
        assert isinstance(trail[0], AuditLog)


def test_gb11643_check_digit_and_masks() -> None:
    # GB 11643-1999 example: 11010519491231002X is valid; changing the last character breaks it
    assert certno_problem("11010519491231002X") is None
    assert certno_problem("110105194912310021") is not None
    assert mask_certno("110101199001011234") == "1****************4"
    assert mask_name("张三") == "张*"
    assert mask_name("欧阳小明") == "欧**明"
