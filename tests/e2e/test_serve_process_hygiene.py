"""Issue 8 item 8: `jiuzhu serve --workers 3` killed with SIGKILL leaves no worker behind.

Only the master is killed (not its process group): the kernel does not pass a SIGKILL
on, so before the fix the three workers stayed alive, re-parented, holding the port.
"""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path

import pytest
from service_support import Server

pytestmark = pytest.mark.slow


def _children(pid: int) -> set[int]:
    """Every descendant of ``pid`` (from /proc)."""
    out: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for k in kids:
                if int(k) not in out:
                    out.add(int(k))
                    todo.append(int(k))
    return out


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _port_free(port: int) -> bool:
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="needs /proc")
def test_sigkill_of_the_master_leaves_no_worker(db_url: str, tmp_path: Path) -> None:
    srv = Server(db_url, tmp_path / "serve.log", workers=3)
    try:
        srv.wait_ready()
        workers = _children(srv.proc.pid)
        assert len(workers) >= 3, workers
        os.kill(srv.proc.pid, signal.SIGKILL)  # the master only
        srv.proc.wait(timeout=10)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and any(_alive(w) for w in workers):
            time.sleep(0.1)
        assert [w for w in workers if _alive(w)] == []
        assert _port_free(srv.port)
    finally:
        for w in _children(srv.proc.pid) if srv.proc.poll() is None else ():
            os.kill(w, signal.SIGKILL)
        srv.kill()
