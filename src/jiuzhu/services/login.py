"""The one password check for staff, used by the API login, the web login and the CLI
(issue 8 items 5 and 7).

* After ``login_max_failures`` failures in a row a username is locked for
  ``login_lock_seconds`` (settings); a correct password does not open it early.
* Every failure and every refusal while locked is audited (who, when, how many), in a
  transaction of its own so the record survives the refusal.
* An unknown username costs the same scrypt as a wrong password, is counted and locked
  the same way, and gets the same message: the answer never tells whether it exists.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import select

from jiuzhu.adapters.crypto import hash_secret, verify_secret
from jiuzhu.adapters.db.tables import LoginAttempt, StaffUser
from jiuzhu.adapters.db.uow import UnitOfWork, audit
from jiuzhu.config import get_settings
from jiuzhu.domain.errors import Unauthorized

WRONG = "wrong username or password"


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


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


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
    now = _now()
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
