"""A real PostgreSQL restart under a running worker and scheduler: they reconnect, re-LISTEN, lose nothing.

Uses its own embedded server (restarting the shared test server would disturb other tests).
"""

from __future__ import annotations

import asyncio
import tempfile
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
