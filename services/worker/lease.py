"""The lease heartbeat: while a crawl runs, keep pushing its lease expiry forward.

A heartbeat is not an event: it only moves ``lease_expires_at`` of a row this worker owns. If the
row is no longer ours (the scheduler expired the lease, or the crawl was cancelled) the crawl is
told to stop at once, so two workers never crawl the same site for long.
"""

from __future__ import annotations

import asyncio

import asyncpg
import structlog

from services.worker.job import CrawlJob
from shared.eventlog.projections import parsequeue

log = structlog.get_logger(__name__)

_CRAWL_STATUS = "SELECT status FROM crawls WHERE id = $1"


async def beat(pool: asyncpg.Pool, job: CrawlJob, lease_seconds: float) -> bool:
    """Extend the lease once. ``False`` means the lease is gone (the job has been told to stop)."""
    async with pool.acquire(timeout=5) as conn:
        if await parsequeue.heartbeat(conn, job.crawl_id, job.worker_id, lease_seconds, timeout=5):
            return True
        # The row is gone or someone else's: a pause or cancel dequeues it (its NOTIFY may be on its way).
        crawl_status = await conn.fetchval(_CRAWL_STATUS, job.crawl_id, timeout=5)
    if crawl_status in ("paused", "cancelled"):
        log.info("stopping the crawl", reason=crawl_status)
        job.request_stop(crawl_status)
    else:
        log.warning("lease lost, stopping the crawl", worker_id=job.worker_id)
        job.metrics.leases_lost.inc()
        job.request_stop("lease_lost")
    return False


async def keep(pool: asyncpg.Pool, job: CrawlJob, *, lease_seconds: float, every: float) -> None:
    """Heartbeat every ``every`` seconds until the job stops or its lease is gone."""
    while not job.stop.is_set():
        try:
            await asyncio.wait_for(job.stop.wait(), every)
            return
        except TimeoutError:
            pass
        try:
            if not await beat(pool, job, lease_seconds):
                return
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            # The database may be restarting; the next beat tries again, well inside the lease.
            log.warning("heartbeat failed", error=str(exc) or type(exc).__name__)
