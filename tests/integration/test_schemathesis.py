"""Issue 8 item 6: schemathesis against /openapi.json, with a hospital key and with a
staff token, on SQLite and PostgreSQL — no 5xx and no answer outside the schema.

Bounded: a few examples per operation (the coverage phase adds the schema's edge values:
out-of-range integers, patterns broken, wrong types), no deadline; the whole run takes
about a minute per backend on the development machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode, checks

from jiuzhu.adapters.db.uow import UnitOfWork
from jiuzhu.api.app import create_app
from jiuzhu.api.fastpath import with_fast_path
from jiuzhu.services.access.accounts import create_user
from jiuzhu.services.access.api_keys import create_api_key

CHECKS = [
    checks.not_a_server_error,
    checks.status_code_conformance,
    checks.content_type_conformance,
    checks.response_schema_conformance,
]


@pytest.fixture(params=["hospital", "staff"])
def served(request: pytest.FixtureRequest, uow: UnitOfWork) -> Iterator[tuple[Any, dict[str, str]]]:
    with uow.begin() as s:
        key = create_api_key(s, "H00000000001", "test")
        create_user(s, "root", "password-root", ["admin"], "test")
    app = create_app(region="ningxia", engine=uow.engine)
    if request.param == "hospital":
        headers = {"X-API-Key": key}
    else:
        from fastapi.testclient import TestClient

        with TestClient(app) as c:
            tok = c.post(
                "/api/v1/auth/login", json={"username": "root", "password": "password-root"}
            ).json()["token"]
        headers = {"Authorization": f"Bearer {tok}"}
    yield with_fast_path(app), headers


def test_api_never_fails_and_keeps_its_schema(served: tuple[Any, dict[str, str]]) -> None:
    app, headers = served
    api = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: list[str] = []
    operations = [r.ok() for r in api.get_all_operations()]
    assert len(operations) > 20
    for op in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=op.as_strategy(generation_mode=mode))
            @settings(
                max_examples=6,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
                database=None,
            )
            def run(case: Any) -> None:
                case.call_and_validate(headers=dict(headers), checks=CHECKS)

            try:
                run()
            except Unsatisfiable:  # nothing to vary (e.g. no parameters to break)
                pass
            except Exception as exc:  # collect every operation's finding, then fail once
                failures.append(f"{op.method.upper()} {op.path} [{mode.value}]: {exc}"[:2000])
    assert not failures, "\n\n".join(failures)
