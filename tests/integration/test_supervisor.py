"""``make run``'s supervisor: the three services as real subprocesses, end to end, restarted when they die."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
from datetime import datetime

import aiohttp
import asyncpg
from aiohttp import web

from scripts import supervisor
from tests.integration.service_support import free_port, free_ports, serve, stream_types, wait_until

TOKEN = "supervisor-test-token-0123456789abcdef0123"
PAGE = (
    "<!doctype html><html lang=en><head><title>Home of the supervisor test</title></head>"
    "<body><h1>Hi</h1></body></html>"
)


def _site() -> web.Application:
    app = web.Application()

    async def home(_: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def robots(_: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")

    app.router.add_get("/", home)
    app.router.add_get("/robots.txt", robots)
    return app


async def test_make_run_stack_serves_a_crawl_from_queued_to_completed(dsn: str, pool: asyncpg.Pool) -> None:
    ports = dict(zip(supervisor.SERVICES, free_ports(len(supervisor.SERVICES)), strict=True))
    base = dict(os.environ)
    base.update(
        HOST="127.0.0.1", API_TOKEN=TOKEN, API_PORT=str(ports["api"]), WORKER_PORT=str(ports["worker"]),
        SCHEDULER_PORT=str(ports["scheduler"]), STOP_GRACE_SECONDS="5",
    )  # fmt: skip
    # The supervisor's own path with DATABASE_URL set: no embedded server, migrations applied (a no-op here).
    await asyncio.to_thread(supervisor.migrate, dsn)
    programs = supervisor.programs_for(supervisor.service_env(base, dsn))
    assert [p.name for p in programs] == ["api", "worker", "scheduler"]
    sup = supervisor.Supervisor(programs, max_backoff=0.5, stop_timeout=20)
    await sup.start()
    try:
        for name, port in ports.items():
            assert await supervisor.wait_healthy(f"http://127.0.0.1:{port}/health", timeout=60, service=name), name
        headers = {"Authorization": f"Bearer {TOKEN}"}
        async with serve(_site()) as site, aiohttp.ClientSession(headers=headers) as http:
            api = f"http://127.0.0.1:{ports['api']}"
            async with http.post(f"{api}/api/crawls", json={"url": f"{site}/", "max_pages": 5}) as response:
                assert response.status == 201, await response.text()
                created = await response.json()
            assert created["status"] == "queued"

            async def finished() -> bool:
                async with pool.acquire() as conn:
                    status = await conn.fetchval("SELECT status FROM crawls WHERE id = $1", created["id"])
                return status in ("completed", "failed")

            await wait_until(dsn, finished, timeout=60, what="the crawl to finish")
            async with http.get(f"{api}/api/crawls/{created['id']}") as response:
                crawl = await response.json()
        assert crawl["status"] == "completed", crawl
        types = await stream_types(pool, created["id"])
        assert types[:2] == ["CrawlRequested", "CrawlStarted"] and types[-2:] == ["CrawlCompleted", "CrawlSummarized"]
        started = datetime.fromisoformat(crawl["started_at"])
        assert 0 < (started - datetime.fromisoformat(crawl["created_at"])).total_seconds() < 1.0, crawl

        # A service that dies is restarted.
        worker = next(p for p in programs if p.name == "worker")
        assert worker.process is not None
        os.kill(worker.process.pid, signal.SIGKILL)
        async with asyncio.timeout(30):
            while worker.restarts == 0:
                await asyncio.sleep(0.05)
        assert await supervisor.wait_healthy(f"http://127.0.0.1:{ports['worker']}/health", timeout=60)
    finally:
        await sup.stop()
    # Stopped cleanly: every service exited on SIGTERM with status 0, none restarted after.
    assert [p.process.returncode for p in programs if p.process] == [0, 0, 0]


def test_a_busy_port_stops_make_run_before_anything_starts(dsn: str) -> None:
    """Nothing is started (not even Postgres) and nothing says "running" when a port is taken."""
    import subprocess
    import sys

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        taken = holder.getsockname()[1]
        for variable in ("API_PORT", "WORKER_PORT", "SCHEDULER_PORT"):
            names = ("API_PORT", "WORKER_PORT", "SCHEDULER_PORT")
            ports = {name: str(port) for name, port in zip(names, free_ports(3), strict=True)}
            env = {**os.environ, "DATABASE_URL": dsn, "API_TOKEN": TOKEN, "HOST": "127.0.0.1", **ports,
                   variable: str(taken)}  # fmt: skip
            done = subprocess.run([sys.executable, "-m", "scripts.supervisor"], capture_output=True, text=True,
                                  env=env, timeout=60, cwd=supervisor.REPO)  # fmt: skip
            output = done.stdout + done.stderr
            assert done.returncode == 1, output
            assert f"port {taken} in use — set {variable}" in output
            assert "running" not in output and "started" not in output


def test_operator_ports_bind_to_loopback_whatever_host_says() -> None:
    programs = supervisor.programs_for({"HOST": "0.0.0.0", "API_PORT": "8123"}, dev=True)
    hosts = {p.name: p.env.get("HOST") for p in programs if p.name in supervisor.SERVICES}
    assert hosts == {"api": "0.0.0.0", "worker": "127.0.0.1", "scheduler": "127.0.0.1"}
    vite = next(p for p in programs if p.name == "vite")
    assert vite.env["API_URL"] == "http://127.0.0.1:8123" and vite.env["DEV_PORT"] == "3000"


async def test_a_service_that_exits_while_starting_is_reported_not_announced() -> None:
    """The supervisor waits for every service's own /health and gives up as soon as one exits."""
    import sys

    crashing = supervisor.Program("api", [sys.executable, "-c", "import sys; sys.exit(98)"], dict(os.environ))
    sup = supervisor.Supervisor([crashing], max_backoff=0.2, stop_timeout=5)
    await sup.start()
    try:
        give_up = lambda: supervisor.crashed([crashing]) is not None  # noqa: E731
        addresses = {"api": ("0.0.0.0", free_port())}
        async with asyncio.timeout(30):  # it returns on the exit, not after its own 120 s
            assert not await supervisor.all_healthy([crashing], addresses, give_up=give_up)
        assert supervisor.crashed([crashing]) is crashing
    finally:
        await sup.stop()

    # Something else answering 200 on the port is not taken for the service.
    async def someone_elses(_: web.Request) -> web.Response:
        return web.json_response({"status": "ok", "service": "someone else"})

    other = web.Application()
    other.router.add_get("/health", someone_elses)
    async with serve(other) as url:
        assert not await supervisor.wait_healthy(f"{url}/health", timeout=1, service="api")
        assert await supervisor.wait_healthy(f"{url}/health", timeout=1)
