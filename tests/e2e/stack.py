"""The real stack for the browser tests: embedded Postgres, migrations, api, worker, scheduler.

Run by ``tests/e2e/ui.test.mjs`` as ``python -m tests.e2e.stack``. It prints one JSON line
(the api's URL, the token, the log folder) once every service answers ``/health``, then runs
until its stdin closes (the test ended, or died), and stops the services and Postgres.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from shared.platform import database, embedded

REPO = Path(__file__).resolve().parents[2]
SERVICES = ("api", "worker", "scheduler")


def free_ports(count: int) -> list[int]:
    """Distinct free loopback ports: each socket is held until all are picked (a released port may come back)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [int(s.getsockname()[1]) for s in sockets]
    finally:
        for s in sockets:
            s.close()


def healthy(url: str, deadline: float, processes: list[subprocess.Popen[bytes]]) -> bool:
    while time.monotonic() < deadline:
        if any(p.poll() is not None for p in processes):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="seo-e2e-"))
    logs = Path(os.environ.get("E2E_LOG_DIR") or work / "logs")
    logs.mkdir(parents=True, exist_ok=True)
    server = embedded.start(work / "pg")
    processes: list[subprocess.Popen[bytes]] = []
    try:
        dsn = server.get_uri()
        database.migrate(dsn)
        token = secrets.token_urlsafe(24)
        ports = dict(zip(SERVICES, free_ports(len(SERVICES)), strict=True))
        env = {
            **os.environ,
            "DATABASE_URL": dsn,
            "API_TOKEN": token,
            "ALLOW_PRIVATE_NETWORKS": "true",
            "HOST": "127.0.0.1",
            "API_PORT": str(ports["api"]),
            "WORKER_PORT": str(ports["worker"]),
            "SCHEDULER_PORT": str(ports["scheduler"]),
            "FRONTEND_DIST": str(REPO / "frontend" / "dist"),
            "LOG_FORMAT": "json",
            "PYTHONUNBUFFERED": "1",
        }
        for name in SERVICES:
            log = (logs / f"{name}.log").open("wb")
            processes.append(
                subprocess.Popen(
                    [sys.executable, "-m", f"services.{name}"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
                )
            )
        deadline = time.monotonic() + 60
        for name in SERVICES:
            if not healthy(f"http://127.0.0.1:{ports[name]}/health", deadline, processes):
                print(json.dumps({"error": f"{name} did not become healthy; see {logs}"}), flush=True)
                return 1
        print(json.dumps({"api": f"http://127.0.0.1:{ports['api']}", "token": token, "logs": str(logs)}), flush=True)
        sys.stdin.read()  # until the test closes our stdin (or dies, which closes it too)
        return 0
    finally:
        for p in processes:
            if p.poll() is None:
                p.send_signal(signal.SIGTERM)
        for p in processes:
            try:
                p.wait(timeout=15)
            except subprocess.TimeoutExpired:
                p.kill()
        server.cleanup()
        shutil.rmtree(work / "pg", ignore_errors=True)
        with contextlib.suppress(OSError):
            work.rmdir()  # gone unless the logs were left in it


if __name__ == "__main__":
    sys.exit(main())
