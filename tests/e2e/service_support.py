"""Start and stop a real `jiuzhu serve` process for the end-to-end tests (and the bench)."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

JIUZHU = str(Path(sys.executable).with_name("jiuzhu"))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def env_for(db_url: str) -> dict[str, str]:
    env = dict(os.environ)
    env["JIUZHU_DATABASE_URL"] = db_url
    env.setdefault("JIUZHU_DATA_KEY", "00" * 31 + "01")
    return env


class Server:
    """`jiuzhu serve` in its own process group (so SIGKILL reaches every worker)."""

    def __init__(self, db_url: str, log: Path, *extra: str, workers: int = 1) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log = log
        args = [JIUZHU, "serve", "--region", "ningxia", "--port", str(self.port)]
        args += ["--workers", str(workers), *extra]
        self.proc = subprocess.Popen(
            args,
            env=env_for(db_url),
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited {self.proc.returncode}: {self.log.read_text()}")
            try:
                if httpx.get(self.base + "/api/v1/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"server not ready: {self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, no goodbye."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
                self.proc.wait(timeout=15)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                self.kill()
