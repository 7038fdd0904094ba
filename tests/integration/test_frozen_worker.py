"""A worker frozen (SIGSTOP) while it holds its crawl's row lock stops nobody: cron and lease expiry run on time.

Issue 12: a worker stuck with a transaction open on its queue row made the reaper's ``FOR UPDATE``
wait for minutes, and with it every lease expiry, retry and cron fire. Now the scheduler's
connections give up on a lock after ``lock_timeout`` (the row is looked at again a second later),
each duty runs on its own, and Postgres ends a session idle in a transaction for
``IDLE_TRANSACTION_SECONDS``, so the frozen worker's own lease expires too.
"""

from __future__ import annotations

import asyncio
import signal
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from services.scheduler import app as scheduler_app
from services.scheduler import cron
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from tests.integration.service_support import (
    free_port,
    request_crawl,
    serve,
    service_env,
    settings_for,
    start_service,
    wait_for_types,
    wait_until,
)

STARTED = ["CrawlRequested", "CrawlStarted"]


async def _idle_in_transaction(pool: asyncpg.Pool) -> bool:
    async with pool.acquire() as conn:
        count: int = await conn.fetchval(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state = 'idle in transaction'"
        )
    return count > 0


async def _dead_workers_crawl(pool: asyncpg.Pool) -> uuid.UUID:
    """A crawl claimed by a worker that is gone: its lease ran out a second ago."""
    crawl_id = uuid.uuid4()
    stream = ev.crawl_stream(crawl_id)
    requested = ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url="https://example.com/"))
    expired = datetime.now(UTC) - timedelta(seconds=1)
    claimed = ev.CrawlStarted(crawl_id=crawl_id, worker_id="gone", attempt=1, lease_expires_at=expired)
    async with pool.acquire() as conn:
        await streams.append(conn, stream, [requested], expected_version=eventstore.NO_STREAM)
        await streams.append(conn, stream, [claimed])
    return crawl_id


async def test_a_frozen_worker_holding_its_row_lock_does_not_stop_cron_or_lease_expiry(
    dsn: str, pool: asyncpg.Pool
) -> None:
    worker = await start_service(
        "worker",
        service_env(dsn, WORKER_PORT=str(free_port()), WORKER_ID="frozen-worker", LEASE_SECONDS="4",
                    HEARTBEAT_SECONDS="1", IDLE_TRANSACTION_SECONDS="12",
                    WORKER_JOB_BODY="tests.integration.worker_bodies:holds_its_row"),
    )  # fmt: skip
    frozen = False
    try:
        held = await request_crawl(pool)
        await wait_for_types(dsn, pool, held, STARTED, timeout=30)
        async with asyncio.timeout(30):
            while not await _idle_in_transaction(pool):
                await asyncio.sleep(0.05)
        worker.send_signal(signal.SIGSTOP)  # frozen mid-transaction, its queue row locked
        frozen = True

        dead = await _dead_workers_crawl(pool)
        schedule_id = uuid.uuid4()
        created = ev.ScheduleCreated(
            schedule_id=schedule_id, url="https://example.com/", cron="* * * * *", timezone="UTC",
            settings=CrawlSettings(url="https://example.com/"),
        )  # fmt: skip
        schedule = ev.schedule_stream(schedule_id)
        async with pool.acquire() as conn:
            await streams.append(conn, schedule, [created], expected_version=eventstore.NO_STREAM)
        # The scheduler's clock is at the schedule's first fire time: it is due at once.
        fire_at = cron.next_fire("* * * * *", "UTC", datetime.now(UTC)) + timedelta(seconds=1)
        shift = fire_at - datetime.now(UTC)
        scheduler = scheduler_app.create_app(
            settings_for(dsn, standby_retry_seconds=0.2, idle_transaction_seconds=3),
            clock=lambda: datetime.now(UTC) + shift,
        )
        async with serve(scheduler):
            started = asyncio.get_running_loop().time()

            async def fired() -> bool:
                async with pool.acquire() as conn:
                    return bool(await conn.fetchval(
                        "SELECT count(*) FROM events WHERE stream_id = $1 AND type = 'ScheduleFired'",
                        ev.schedule_stream(schedule_id)))  # fmt: skip

            # While the frozen worker still holds its row: the other crawl's lease expires, cron fires.
            await wait_for_types(dsn, pool, dead, [*STARTED, "LeaseExpired"], timeout=10)
            await wait_until(dsn, fired, timeout=10, what="the cron fire")
            assert await _idle_in_transaction(pool), "the frozen transaction ended before the scheduler went on"
            assert asyncio.get_running_loop().time() - started < 10
            # Then Postgres ends the frozen session's transaction, and its own lease expires too.
            await wait_for_types(dsn, pool, held, [*STARTED, "LeaseExpired"], timeout=30)
    finally:
        if frozen:
            worker.send_signal(signal.SIGCONT)
        worker.kill()
        await worker.wait()
