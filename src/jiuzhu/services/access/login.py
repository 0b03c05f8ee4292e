"""Who is calling: the one password check for staff (API, web and CLI login), bearer
tokens for staff, and hospitals by their API key.

* After ``login_max_failures`` failures in a row a username is locked for
  ``login_lock_seconds`` (settings); a correct password does not open it early.
* Every failure and every refusal while locked is audited (who, when, how many), in a
  transaction of its own so the record survives the refusal.
* An unknown username costs the same scrypt as a wrong password, is counted and locked
  the same way, and gets the same message: the answer never tells whether it exists.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass, field
from functools import lru_cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from jiuzhu.adapters.crypto import api_key_hash, hash_secret, verify_secret
from jiuzhu.adapters.db.tables import LoginAttempt, StaffToken, StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.config import get_settings
from jiuzhu.domain.clock import utcnow
from jiuzhu.domain.errors import Unauthorized
from jiuzhu.services.access.api_keys import institution_of_key
from jiuzhu.services.access.roles import effective_roles

WRONG = "wrong username or password"
HOSPITAL = "hospital"
"""The role of a caller that authenticated with an institution's API key."""
TOKEN_HOURS = 12


@dataclass(frozen=True)
class Principal:
    """The authenticated caller."""

    kind: str  # "institution" | "staff"
    name: str  # institution code or username
    roles: frozenset[str] = field(default_factory=frozenset)
    institution: str | None = None

    @property
    def actor(self) -> str:
        return f"{self.kind}:{self.name}"

    def has(self, *roles: str) -> bool:
        return "admin" in self.roles or any(r in self.roles for r in roles)


@dataclass(frozen=True)
class LoggedIn:
    user_id: int
    username: str
    display_name: str
    roles: frozenset[str]


@lru_cache
def _dummy_hash() -> str:
    """A real scrypt hash to check unknown usernames against (same cost, always false)."""
    return hash_secret("jiuzhu: no such user")


def verify_login(uow: UnitOfWork, username: str, password: str, *, via: str) -> LoggedIn:
    """The staff account for ``username`` if ``password`` is right and it is not locked;
    otherwise :class:`Unauthorized` (the failure audited). ``via``: api | web | cli."""
    settings = get_settings()
    name = username.strip()[:60]
    with uow.read() as s:
        u = s.scalar(select(StaffUser).where(StaffUser.username == name))
        att = s.get(LoginAttempt, name)
        locked_until = att.locked_until if att else None
        good = verify_secret(password, u.password_hash if u else _dummy_hash())
        info = (u.id, u.username, u.display_name, frozenset(u.roles or [])) if u else None
        active = bool(u and u.active)
    now = utcnow()
    if locked_until is not None and locked_until > now:
        with uow.begin() as s:
            audit(s, f"{via}:{name}", "login_locked", "staff_user", name, None, {"via": via})
        raise Unauthorized(
            f"too many failed logins: locked until {locked_until:%Y-%m-%d %H:%M:%S} UTC",
            field="username",
        )
    if not (good and active and info):
        with uow.begin() as s:
            att = s.get(LoginAttempt, name, with_for_update=True)
            if att is None:
                att = LoginAttempt(username=name, failures=0)
                s.add(att)
            att.failures = (att.failures or 0) + 1
            att.last_failure = now
            locked = att.failures >= settings.login_max_failures
            if locked:
                att.locked_until = now + dt.timedelta(seconds=settings.login_lock_seconds)
                att.failures = 0
            audit(
                s,
                f"{via}:{name}",
                "login_failed",
                "staff_user",
                name,
                None,
                {"via": via, "locked": locked},
            )
        raise Unauthorized(WRONG, field="username")
    with uow.begin() as s:
        att = s.get(LoginAttempt, name)
        if att is not None:
            s.delete(att)
        audit(s, f"staff:{name}", "login", "staff_user", name, None, {"via": via})
    return LoggedIn(*info)


def issue_token(session: Session, user_id: int) -> tuple[str, dt.datetime]:
    """A bearer token for a staff account whose password was just checked."""
    token = "st_" + secrets.token_urlsafe(32)
    expires = utcnow() + dt.timedelta(hours=TOKEN_HOURS)
    session.add(StaffToken(user_id=user_id, token_hash=api_key_hash(token), expires_at=expires))
    return token, expires


def login(
    uow: UnitOfWork, username: str, password: str, via: str = "api"
) -> tuple[str, dt.datetime]:
    """Check the password (:func:`verify_login`: lockout, audit, the same time for unknown
    users) and issue a token."""
    who = verify_login(uow, username, password, via=via)
    with uow.begin() as s:
        return issue_token(s, who.user_id)


def authenticate(session: Session, api_key: str | None, bearer: str | None) -> Principal:
    """The caller of a request: a hospital by its key, or staff by bearer token."""
    if api_key:
        institution = institution_of_key(session, api_key)
        return Principal("institution", institution, frozenset({HOSPITAL}), institution)
    if bearer:
        tok = session.scalar(
            select(StaffToken).where(StaffToken.token_hash == api_key_hash(bearer))
        )
        if tok is None or tok.expires_at < utcnow():
            raise Unauthorized("invalid or expired token", field="Authorization")
        u = session.get(StaffUser, tok.user_id)
        if u is None or not u.active:
            raise Unauthorized("account disabled", field="Authorization")
        return Principal("staff", u.username, effective_roles(session, u.roles or []))
    raise Unauthorized(
        "missing credentials: send X-API-Key (institutions) or Authorization: Bearer (staff)"
    )


def logged_in_by_token(uow: UnitOfWork, token: str, username: str) -> LoggedIn:
    """The staff account of a bearer token, which must belong to ``username`` (the CLI's
    ``--as`` with ``$JIUZHU_TOKEN``)."""
    with uow.read() as s:
        p = authenticate(s, None, token)
        if p.name != username:
            raise Unauthorized(f"$JIUZHU_TOKEN belongs to {p.name}, not {username}")
        u = s.scalar(select(StaffUser).where(StaffUser.username == username))
        assert u is not None  # authenticate found the token's account
        return LoggedIn(u.id, u.username, u.display_name, frozenset(u.roles or []))
