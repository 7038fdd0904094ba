"""``make run``'s supervisor: the three services as real subprocesses, end to end, restarted when they die."""

from __future__ import annotations

import asyncio
import os
import signal
from datetime import datetime

import aiohttp
import asyncpg
from aiohttp import web

from scripts import supervisor
from tests.integration.service_support import free_port, serve, stream_types, wait_until

TOKEN = "supervisor-test-token"
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
    ports = {name: free_port() for name in supervisor.SERVICES}
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
            assert await supervisor.wait_healthy(f"http://127.0.0.1:{port}/health", timeout=60), name
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
        assert types[:2] == ["CrawlRequested", "CrawlStarted"] and types[-1] == "CrawlCompleted"
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
