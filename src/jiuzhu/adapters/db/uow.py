"""Unit of work: one transaction per use case; commit on success, roll back on any error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from jiuzhu.adapters.audit_chain import record_mac, seal_quietly
from jiuzhu.adapters.db.engine import default_engine, session_factory
from jiuzhu.adapters.db.tables import AuditLog, _now


class UnitOfWork:
    """``with uow.begin() as s:`` — everything inside is one transaction.

    On SQLite every transaction starts with ``BEGIN IMMEDIATE`` (writers serialise);
    on PostgreSQL use :meth:`lock` (``SELECT … FOR UPDATE``) on the rows a use case updates.
    """

    def __init__(self, engine: Engine | None = None) -> None:
        self.engine = engine or default_engine()
        self._sessions: sessionmaker[Session] = session_factory(self.engine)

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def begin(self) -> Iterator[Session]:
        """One transaction; once it has committed, the audit records it wrote are chained
        (:func:`jiuzhu.adapters.audit_chain.seal`) in a short transaction of their own."""
        session = self._sessions()
        try:
            with session.begin():
                yield session
            audited = session.info.pop("audited", False)
        finally:
            session.close()
        if audited:
            self.seal()

    def seal(self) -> None:
        seal_quietly(self._sessions)

    @contextmanager
    def read(self) -> Iterator[Session]:
        session = self._sessions()
        try:
            yield session
        finally:
            session.rollback()
            session.close()


def audit(
    session: Session,
    actor: str,
    action: str,
    entity: str,
    entity_id: str,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> None:
    """Record one change in the audit trail, in the same transaction as the change.

    Never put clear ID numbers or names in ``before``/``after``: mask them first. The
    record is signed here (``mac``) and chained after the commit.
    """
    at = _now()
    session.add(
        AuditLog(
            at=at,
            actor=actor,
            action=action,
            entity=entity,
            entity_id=str(entity_id),
            before=before,
            after=after,
            mac=record_mac(at, actor, action, entity, str(entity_id), before, after),
        )
    )
    session.info["audited"] = True


def audit_trail(session: Session, entity: str, entity_id: str) -> list[AuditLog]:
    return list(
        session.scalars(
            select(AuditLog)
            .where(AuditLog.entity == entity, AuditLog.entity_id == str(entity_id))
            .order_by(AuditLog.id)
        )
    )
