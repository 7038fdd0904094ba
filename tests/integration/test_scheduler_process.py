"""``python -m services.scheduler`` as a real process: killed, its hot standby takes over within seconds."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from services.scheduler import app as scheduler_app
from services.scheduler.election import LOCK_KEY
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.crawlsettings import CrawlSettings
from tests.integration.service_support import (
    free_port,
    serve,
    service_env,
    settings_for,
    start_service,
    wait_for_state,
    wait_for_types,
)

_LOCK_HOLDER = """
SELECT pid FROM pg_locks
WHERE locktype = 'advisory' AND granted AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  AND ((classid::bigint << 32) | objid::bigint) = $1
"""


async def _lock_holder(pool: asyncpg.Pool) -> int | None:
    async with pool.acquire() as conn:
        pid: int | None = await conn.fetchval(_LOCK_HOLDER, LOCK_KEY)
        return pid


async def test_the_standby_takes_over_when_the_active_scheduler_is_killed(dsn: str, pool: asyncpg.Pool) -> None:
    process = await start_service("scheduler", service_env(dsn, SCHEDULER_PORT=str(free_port())))
    try:
        async with asyncio.timeout(30):
            while await _lock_holder(pool) is None:  # the process starting up and taking the lock
                await asyncio.sleep(0.05)
        standby_app = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.5))
        async with serve(standby_app):
            standby = standby_app[scheduler_app.SCHEDULER]
            await asyncio.sleep(1.2)  # a few campaigns lost to the active process
            assert not standby.is_leader and standby.ticks == 0

            process.kill()
            await process.wait()
            loop = asyncio.get_running_loop()
            killed_at = loop.time()
            await wait_for_state(lambda: standby.is_leader, what="the standby to take over", timeout=10)
            assert loop.time() - killed_at < 3

            # And it works as the active one: an expired lease is reaped.
            crawl_id = uuid.uuid4()
            async with pool.acquire() as conn:
                await streams.append(
                    conn, ev.crawl_stream(crawl_id),
                    [ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url="https://example.com/")),
                     ev.CrawlStarted(crawl_id=crawl_id, worker_id="dead-worker", attempt=1,
                                     lease_expires_at=datetime.now(UTC) + timedelta(milliseconds=200))],
                )  # fmt: skip
            await wait_for_types(dsn, pool, crawl_id, ["CrawlRequested", "CrawlStarted", "LeaseExpired"], timeout=10)
    finally:
        if process.returncode is None:
            process.kill()
        await process.wait()
