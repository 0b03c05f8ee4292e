"""One error hierarchy for the whole system; the API and CLI map it in one place each."""

from __future__ import annotations


class JiuzhuError(Exception):
    """Base of every error the system raises on purpose."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class PolicyError(JiuzhuError):
    """A policy file that does not match its schema, or an unknown region."""

    code = "policy_invalid"


class UnknownRegion(PolicyError):
    code = "unknown_region"


class MissingParameter(PolicyError):
    """A number the regulations leave to another document; the operator must set it."""

    code = "missing_parameter"

    def __init__(self, region: str, name: str, description: str, source: str) -> None:
        self.region = region
        self.name = name
        self.description = description
        self.source = source
        super().__init__(
            f"region {region}: required parameter '{name}' ({description}) is not set; "
            f"its value is given by {source}. Set it with --param {name}=VALUE "
            f"or in the operator file.",
            field=name,
        )

    def __reduce__(self) -> tuple[type, tuple[str, str, str, str]]:
        # rebuilt from its own arguments (the default would call __init__(message))
        return (type(self), (self.region, self.name, self.description, self.source))


class InputError(JiuzhuError):
    """Bad input data, located by file, line and column (or API field)."""

    code = "invalid_input"

    def __init__(
        self,
        message: str,
        *,
        file: str | None = None,
        line: int | None = None,
        column: str | None = None,
    ) -> None:
        self.file = file
        self.line = line
        self.column = column
        where = ", ".join(
            p
            for p in (
                file,
                f"line {line}" if line is not None else None,
                f"column {column}" if column else None,
            )
            if p
        )
        super().__init__(f"{where}: {message}" if where else message, field=column)
        self.detail = message


class NotFound(JiuzhuError):
    code = "not_found"
    http_status = 404


class Conflict(JiuzhuError):
    code = "conflict"
    http_status = 409


class PermissionDenied(JiuzhuError):
    """Signed in, but this account, role or key may not do this (every front end: 403)."""

    code = "forbidden"
    http_status = 403


class Unauthorized(JiuzhuError):
    """Not signed in, or the credentials are wrong (every front end: 401)."""

    code = "unauthorized"
    http_status = 401


class SessionEnded(Unauthorized):
    """No open web session (no cookie, unknown, ended, idle, or the account disabled):
    the web sends the browser to the login page."""

    code = "login_required"


class WorkflowError(JiuzhuError):
    """A step taken out of order, twice, or by the wrong person."""

    code = "workflow"
    http_status = 409
