"""The hostile suite's stack: api, worker and scheduler as real processes on one database, and the hostile site.

Started once for the module (a few seconds), torn down after it. The worker's CPU pool gets tight
bounds (``CPU_TASK_TIMEOUT_SECONDS=8``) so that a parser bomb is stopped quickly; what the suite
shows is that it is stopped, and that nothing else notices.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import pytest

from shared.platform import embedded
from tests.conftest import TEMPLATE
from tests.integration.service_support import REPO, free_port

SERVICES = ("api", "worker", "scheduler")
TOKEN = "hostile-suite-token-" + "x" * 20
TASK_SECONDS = 8  # bombs take minutes; a clean 5,000-link page must fit even on a loaded CI machine


@dataclass
class Stack:
    """The running services, their URLs and process ids, and the hostile site's origin."""

    dsn: str
    site: str
    urls: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]]
    logs: Path
    env: dict[str, str] = field(default_factory=dict)

    @property
    def api(self) -> str:
        return self.urls["api"]

    def pid(self, name: str) -> int:
        return self.processes[name].pid


def _healthy(url: str, deadline: float, process: subprocess.Popen[bytes]) -> bool:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(0.1)
    return False


def _create_crawl(stack: Stack, body: bytes) -> str:
    request = urllib.request.Request(
        f"{stack.api}/api/crawls", data=body, method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"},
    )  # fmt: skip
    with urllib.request.urlopen(request, timeout=30) as response:
        return str(json.loads(response.read())["id"])


async def _warm_up(stack: Stack) -> None:
    """One small crawl first: what a process does once in its life (imports, the CPU pool's fork
    server, the first query plans) is not what the suite measures."""
    body = json.dumps({"url": f"{stack.site}/clean/", "max_pages": 5, "max_rps": 1000}).encode()
    crawl_id = await asyncio.to_thread(_create_crawl, stack, body)
    conn = await asyncpg.connect(stack.dsn)
    try:
        async with asyncio.timeout(120):
            while await conn.fetchval("SELECT status FROM crawls WHERE id = $1", uuid.UUID(crawl_id)) not in (
                "completed", "failed",
            ):  # fmt: skip
                await asyncio.sleep(0.1)
    finally:
        await conn.close()


async def _admin(dsn: str, statement: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture(scope="module")
def stack(pg_server_dsn: str, template_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    name = f"h_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin(pg_server_dsn, f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}"))
    dsn = embedded.with_database(pg_server_dsn, name)
    logs = tmp_path_factory.mktemp("hostile-logs")
    site = subprocess.Popen(
        [sys.executable, "-m", "tests.hostile.site"], cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(REPO), "HOSTILE_DSN": dsn},
    )  # fmt: skip
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        assert site.stdout is not None
        site_port = int(site.stdout.readline())
        ports = {service: free_port() for service in SERVICES}
        env = {
            **os.environ, "PYTHONPATH": str(REPO), "DATABASE_URL": dsn, "HOST": "127.0.0.1", "API_TOKEN": TOKEN,
            "ALLOW_PRIVATE_NETWORKS": "true", "LOG_FORMAT": "json", "LOG_LEVEL": "warning",
            "API_PORT": str(ports["api"]), "WORKER_PORT": str(ports["worker"]),
            "SCHEDULER_PORT": str(ports["scheduler"]), "WORKER_CONCURRENCY": "4", "WORKER_PROCESSES": "2",
            "CPU_TASK_TIMEOUT_SECONDS": str(TASK_SECONDS), "CPU_TASK_MEMORY_MB": "256",
            "LEASE_SECONDS": "10", "HEARTBEAT_SECONDS": "1", "WATCHDOG_SECONDS": "30",
            # HOSTILE_DEBUG=1 logs every loop step over 100 ms (asyncio debug mode) to <logs>/<service>.log
            "PYTHONASYNCIODEBUG": os.environ.get("HOSTILE_DEBUG", ""),
        }  # fmt: skip
        for service in SERVICES:
            with (logs / f"{service}.log").open("wb") as log:
                processes[service] = subprocess.Popen(
                    [sys.executable, "-m", f"services.{service}"], cwd=REPO, env=env,
                    stdout=subprocess.DEVNULL, stderr=log,
                )  # fmt: skip
        urls = {service: f"http://127.0.0.1:{port}" for service, port in ports.items()}
        deadline = time.monotonic() + 90
        for service in SERVICES:
            assert _healthy(f"{urls[service]}/health", deadline, processes[service]), (
                f"{service} did not start: {(logs / f'{service}.log').read_text()[-2000:]}"
            )
        stack = Stack(dsn, f"http://127.0.0.1:{site_port}", urls, processes, logs, env)
        asyncio.run(_warm_up(stack))
        yield stack
    finally:
        for process in processes.values():
            process.terminate()
        for process in processes.values():
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if site.stdin is not None:
            site.stdin.close()
        try:
            site.wait(10)
        except subprocess.TimeoutExpired:
            site.kill()
        asyncio.run(_admin(pg_server_dsn, f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
