"""Running the crawl body directly, as the claim loop would: request, start, ``run_crawl``."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg

from services.worker.crawl.crawler import run_crawl
from services.worker.job import CrawlJob
from services.worker.render.browser import Browser
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from shared.platform import cpupool
from shared.platform.service import Metrics
from shared.platform.settings import Settings

WORKER = "test-worker"
# One CPU pool for every crawl the tests run directly (a pool serves whichever loop is running);
# its processes end with the test run.
CPU = cpupool.CpuPool(2, timeout_seconds=30)


async def request_crawl(
    pool: asyncpg.Pool, *, attempt: int = 1, worker: str = WORKER, site_id: uuid.UUID | None = None,
    browser: Browser | None = None, config: Settings | None = None, **settings: Any,
) -> CrawlJob:  # fmt: skip
    """Append CrawlRequested (of `site_id`, if given) and CrawlStarted (the claim); return the claim loop's job.

    ``browser``: the worker's Chromium for a rendering crawl; ``config``: the worker's settings.
    """
    crawl_id = uuid.uuid4()
    crawl_settings = CrawlSettings.model_validate({"max_rps": 1000, "concurrency": 8, **settings})
    async with pool.acquire() as conn:
        await streams.append(
            conn,
            ev.crawl_stream(crawl_id),
            [ev.CrawlRequested(crawl_id=crawl_id, settings=crawl_settings, site_id=site_id)],
            expected_version=eventstore.NO_STREAM,
        )
    return await start_attempt(pool, crawl_id, crawl_settings, attempt=attempt, worker=worker, browser=browser,
                               config=config)  # fmt: skip


async def start_attempt(
    pool: asyncpg.Pool, crawl_id: uuid.UUID, settings: CrawlSettings, *, attempt: int, worker: str = WORKER,
    allow_private: bool = True, browser: Browser | None = None, config: Settings | None = None,
) -> CrawlJob:  # fmt: skip
    async with pool.acquire() as conn:
        await streams.append(
            conn,
            ev.crawl_stream(crawl_id),
            [
                ev.CrawlStarted(
                    crawl_id=crawl_id,
                    worker_id=worker,
                    attempt=attempt,
                    lease_expires_at=datetime.now(UTC) + timedelta(minutes=5),
                )
            ],
        )
    return CrawlJob(
        crawl_id=crawl_id,
        settings=settings,
        attempt=attempt,
        worker_id=worker,
        pool=pool,
        config=config or Settings(allow_private_networks=allow_private),
        metrics=Metrics(),
        cpu=CPU,
        browser=browser,
    )


async def crawl(pool: asyncpg.Pool, **settings: Any) -> CrawlJob:
    job = await request_crawl(pool, **settings)
    await run_crawl(job)
    return job


async def pages(pool: asyncpg.Pool, job: CrawlJob) -> dict[str, asyncpg.Record]:
    """The stored pages of a crawl by URL."""
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM pages WHERE crawl_id = $1 ORDER BY id", job.crawl_id)
    return {r["url"]: r for r in rows}


async def events_of(pool: asyncpg.Pool, job: CrawlJob) -> list[eventstore.Recorded]:
    async with pool.acquire() as conn:
        return await eventstore.read_stream(conn, ev.crawl_stream(job.crawl_id))
