"""A real PostgreSQL restart under a running worker and scheduler: they reconnect, re-LISTEN, lose nothing.

Uses its own embedded server (restarting the shared test server would disturb other tests).
"""

from __future__ import annotations

import asyncio
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from typing import Any

import asyncpg
import pytest

from services.scheduler import app as scheduler_app
from services.worker import app as worker_app
from shared.platform import database, embedded
from tests.integration import worker_bodies
from tests.integration.service_support import (
    request_crawl,
    serve,
    settings_for,
    stream_types,
    wait_for_state,
    wait_for_types,
)
from tests.integration.service_support import stream as service_stream
from tests.sites import Site

pgserver = pytest.importorskip("pgserver")


@pytest.fixture(scope="module")
def own_server() -> Iterator[Any]:
    data = tempfile.mkdtemp(prefix="seo-restart-pg-")
    server = pgserver.get_server(data, cleanup_mode="delete")
    try:
        yield server
    finally:
        server.cleanup()


def _restart(server: Any) -> None:
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "-l", str(server.log), "restart"], pgdata=server.pgdata, user=server.system_user)


def _stop(server: Any) -> None:
    from pgserver._commands import pg_ctl

    pg_ctl(["-w", "-m", "fast", "stop"], pgdata=server.pgdata, user=server.system_user)


def _start(server: Any) -> None:
    """Start it again the way pgserver did (no TCP, its socket folder)."""
    from urllib.parse import parse_qs, urlsplit

    from pgserver._commands import pg_ctl

    socket_dir = parse_qs(urlsplit(server.get_uri()).query)["host"][0]
    args = ["-w", "-o", '-h ""', "-o", f"-k {socket_dir}", "-l", str(server.log), "start"]
    pg_ctl(args, pgdata=server.pgdata, user=server.system_user, timeout=30)


@pytest.fixture
async def restart_dsn(own_server: Any) -> AsyncIterator[str]:
    dsn = own_server.get_uri()
    conn = await asyncpg.connect(dsn)
    await conn.execute("DROP DATABASE IF EXISTS restart_test WITH (FORCE)")
    await conn.execute("CREATE DATABASE restart_test")
    await conn.close()
    test_dsn = embedded.with_database(dsn, "restart_test")
    await asyncio.to_thread(database.migrate, test_dsn)
    yield test_dsn


async def test_worker_and_scheduler_survive_a_postgres_restart(restart_dsn: str, own_server: Any) -> None:
    dsn = restart_dsn
    worker = worker_app.create_app(
        settings_for(dsn, heartbeat_seconds=0.3, lease_seconds=30), job_body=worker_bodies.until_stopped
    )
    scheduler = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.2))
    pool = await database.create_pool(dsn, min_size=1, max_size=4)
    try:
        async with serve(worker), serve(scheduler):
            running = await request_crawl(pool)
            await wait_for_types(dsn, pool, running, ["CrawlRequested", "CrawlStarted"])
            the_worker = worker[worker_app.WORKER]
            the_scheduler = scheduler[scheduler_app.SCHEDULER]
            await wait_for_state(lambda: the_scheduler.is_leader, what="the scheduler to lead")

            await asyncio.to_thread(_restart, own_server)

            await wait_for_state(lambda: the_worker.listener.reconnects >= 1, what="worker re-LISTEN", timeout=30)
            await wait_for_state(
                lambda: the_scheduler.listener.reconnects >= 1 and the_scheduler.is_leader,
                what="scheduler re-LISTEN and re-election", timeout=30,
            )  # fmt: skip
            await pool.expire_connections()
            # New work after the restart is claimed on its NOTIFY, as before.
            fresh = await database.retrying(lambda: request_crawl(pool), what="append after restart")
            await wait_for_types(dsn, pool, fresh, ["CrawlRequested", "CrawlStarted"], timeout=20)

            # The crawl that was running kept its lease through the restart, and heartbeats resumed.
            async def lease() -> asyncpg.Record:
                async with pool.acquire() as conn:
                    return await conn.fetchrow(
                        "SELECT lease_owner, lease_expires_at FROM parsequeue WHERE crawl_id = $1", running
                    )

            before = await lease()
            assert before["lease_owner"] == the_worker.worker_id
            async with asyncio.timeout(10):
                while (await lease())["lease_expires_at"] <= before["lease_expires_at"]:
                    await asyncio.sleep(0.1)
            assert await stream_types(pool, running) == ["CrawlRequested", "CrawlStarted"]
        # Stopping hands both back: nothing lost.
        for crawl_id in (running, fresh):
            assert (await stream_types(pool, crawl_id))[-1] == "CrawlReleased"
    finally:
        await pool.close()


async def _polled(dsn: str, query: str, *args: Any) -> Any:
    conn = await asyncpg.connect(dsn)
    try:
        return await conn.fetchval(query, *args)
    finally:
        await conn.close()


async def _until(check: Any, *, timeout: float, what: str) -> None:
    """Poll ``check`` (the database goes away here: no LISTEN connection would survive it)."""
    try:
        async with asyncio.timeout(timeout):
            while not await check():
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None


PAGES = 30
HELD_FROM = 8  # pages /p8 and later answer only once the database is down


async def test_a_postgres_outage_mid_crawl_hands_the_crawl_back_without_using_up_an_attempt(
    restart_dsn: str, own_server: Any, site_factory: Any
) -> None:
    """Postgres stops while a real crawl runs: the crawl is handed back when the database answers again,
    resumes from its frontier and completes; no attempt is counted, no page is lost or stored twice."""
    dsn = restart_dsn
    site: Site = await site_factory()
    links = "".join(f'<a href="/p{i}">page {i}</a>' for i in range(PAGES))
    site.page("/", f"<html><head><title>Home</title></head><body>{links}</body></html>")
    database_down = asyncio.Event()

    async def page(request: Any) -> Any:
        from aiohttp import web

        if not request.path.removeprefix("/p").isdigit():
            return web.Response(status=404)
        number = int(request.path.removeprefix("/p"))
        if number >= HELD_FROM:
            await database_down.wait()
        return web.Response(text=f"<html><head><title>Page {number}</title></head><body>text</body></html>",
                            content_type="text/html")  # fmt: skip

    site.fallback(page)
    worker = worker_app.create_app(settings_for(dsn, heartbeat_seconds=0.3, lease_seconds=30, retry_base_seconds=60))
    scheduler = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.2, lease_seconds=30))
    pool = await database.create_pool(dsn, min_size=1, max_size=4)
    try:
        async with serve(worker), serve(scheduler):
            crawl_id = await request_crawl(pool, site.url("/"))
            the_worker = worker[worker_app.WORKER]
            crawled = "SELECT count(*) FROM pages WHERE crawl_id = $1"
            await _until(lambda: _at_least(dsn, crawled, crawl_id, 3), timeout=30, what="the first pages stored")

            await asyncio.to_thread(_stop, own_server)
            database_down.set()  # the held pages answer now; storing them finds the database gone
            interrupted = the_worker.metrics.crawls_interrupted
            await wait_for_state(lambda: interrupted._value.get() >= 1, what="the crawl to be handed back", timeout=60)
            await asyncio.to_thread(_start, own_server)

            done = "SELECT status FROM crawls WHERE id = $1"
            await _until(lambda: _status_is(dsn, done, crawl_id, "completed"), timeout=60, what="the crawl to complete")
        await pool.expire_connections()
        events = await database.retrying(lambda: service_stream(pool, crawl_id), what="read the stream")
        types = [e.type for e in events]
        assert "CrawlAttemptFailed" not in types and "LeaseExpired" not in types, types
        released = [e.data for e in events if e.type == "CrawlReleased"]
        assert len(released) == 1 and "database connection was lost" in (released[0].reason or ""), released
        # The attempt was given back: the crawl resumed as attempt 1 again.
        assert [e.data.attempt for e in events if e.type == "CrawlStarted"] == [1, 1]
        assert types[-1] in ("CrawlCompleted", "CrawlSummarized")
        async with pool.acquire() as conn:
            urls = [r["url"] for r in await conn.fetch("SELECT url FROM pages WHERE crawl_id = $1", crawl_id)]
            attempts = await conn.fetchval("SELECT attempts FROM crawls WHERE id = $1", crawl_id)
        assert sorted(urls) == sorted([site.url("/")] + [site.url(f"/p{i}") for i in range(PAGES)])
        assert attempts == 1
    finally:
        await pool.close()


async def _at_least(dsn: str, query: str, crawl_id: uuid.UUID, count: int) -> bool:
    return int(await _polled(dsn, query, crawl_id)) >= count


async def _status_is(dsn: str, query: str, crawl_id: uuid.UUID, status: str) -> bool:
    try:
        return bool(await _polled(dsn, query, crawl_id) == status)
    except (OSError, asyncpg.PostgresError):
        return False  # still starting
