"""Issue 8 item 4: no full ID number in any log line, access logs included; masks hide.

Before: `GET /api/v1/persons?q=<ID number>` wrote the number into uvicorn's access log,
and ``6401**********0011`` next to the birth date left 9 candidates for the number.
"""

from __future__ import annotations

import logging
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from service_support import JIUZHU, Server, env_for

from jiuzhu.api.logscrub import ScrubCertnos
from jiuzhu.domain.pii import birth_date_of, certno_check_digit, mask_certno, scrub_certnos

sys.path.insert(0, str(Path(__file__).parents[1] / "integration"))
from registry_data import certno  # noqa: E402

pytestmark = pytest.mark.slow


def test_the_mask_and_the_birth_date_cannot_rebuild_the_number() -> None:
    c = "64010519491231001" + certno_check_digit("64010519491231001")
    shown, born = mask_certno(c), birth_date_of(c)
    assert shown == c[0] + "*" * 16 + c[-1]
    # every number with the shown characters, the shown birth date and a valid check
    # digit, counted over the 6-digit region codes of 宁夏 alone (640000–649999)
    fits = 0
    for region in range(640000, 650000, 7):  # a seventh of the region codes …
        for seq in range(0, 1000, 10):  # … and a tenth of the sequence numbers
            first17 = f"{region}{born:%Y%m%d}{seq:03d}"
            if certno_check_digit(first17) == shown[-1]:
                fits += 1
    assert fits > 1000  # already over a thousand candidates in 1/70 of the space


def test_scrub_masks_numbers_in_urls_and_messages() -> None:
    c = certno(1)
    assert scrub_certnos(f"GET /api/v1/persons?q={c} HTTP/1.1") == (
        f"GET /api/v1/persons?q={mask_certno(c)} HTTP/1.1"
    )
    rec = logging.LogRecord(
        "uvicorn.access", 20, "", 0, '%s "%s %s"', ("1.2.3.4", "GET", f"/x/{c}"), None
    )
    ScrubCertnos().filter(rec)
    assert c not in rec.getMessage() and mask_certno(c) in rec.getMessage()


def test_access_log_holds_no_id_number(db_url: str, tmp_path: Path) -> None:
    env = env_for(db_url)
    subprocess.run(
        [JIUZHU, "users", "create", "reg", "--password", "pw-registry-1", "--role", "registry"],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    log = tmp_path / "serve.log"
    srv = Server(db_url, log, "--access-log")
    try:
        srv.wait_ready()
        tok = httpx.post(
            srv.base + "/api/v1/auth/login", json={"username": "reg", "password": "pw-registry-1"}
        ).json()["token"]
        h = {"Authorization": f"Bearer {tok}"}
        c = certno(5)
        assert (
            httpx.get(srv.base + "/api/v1/persons", params={"q": c}, headers=h).status_code == 400
        )
        assert httpx.get(srv.base + f"/api/v1/persons/{c}", headers=h).status_code == 404
        r = httpx.post(srv.base + "/api/v1/persons:search", json={"q": c}, headers=h)
        assert r.status_code == 200
    finally:
        srv.stop()
    text = log.read_text()
    assert "/api/v1/persons" in text  # the access log was written …
    assert c not in text and mask_certno(c) in text  # … with the number masked
