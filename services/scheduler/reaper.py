"""Time-driven queue duties: expire the leases of dead workers, re-queue retries that fell due.

Each change goes through the one crawl-stream writer (``crawlstream.write``): the queue row is
locked and re-read before the event is appended, so a worker finishing at the same moment, a
cancel, and a second scheduler never both decide a crawl's fate. The candidates come from
``parsequeue``'s scans; under the lock each is checked again (a heartbeat may have pushed the
expiry out, a cancel may have taken the crawl out of the queue).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import structlog

from shared.eventlog import crawlstream
from shared.eventlog import events as ev
from shared.eventlog.projections import parsequeue

log = structlog.get_logger(__name__)

ACTOR = "scheduler"
BATCH = 100


async def expire_leases(
    pool: asyncpg.Pool, now: datetime, max_attempts: int = 3, *, skipped: list[uuid.UUID] | None = None
) -> list[uuid.UUID]:
    """Append ``LeaseExpired`` (re-queue + NOTIFY) for every lease that ran out by ``now``.

    A crawl whose worker died on each of ``max_attempts`` attempts (a page that crashes the
    worker, say) is failed with that reason instead of being handed to the next victim forever.
    A crawl whose queue row another process keeps locked (the scheduler's pool gives up on a lock
    after ``lock_timeout``) is left for the next pass and added to ``skipped``: one frozen worker
    must not stop the reaper for every other crawl.
    """
    expired: list[uuid.UUID] = []
    async with pool.acquire() as conn:
        for crawl_id, owner in await parsequeue.expired(conn, now, BATCH):

            async def if_still_expired(held: crawlstream.Held, owner: str = owner) -> list[ev.Event]:
                row = held.row
                if row is None or not row.lease_expired(owner, now):
                    return []  # heartbeated, finished or handed back meanwhile
                events: list[ev.Event] = [ev.LeaseExpired(crawl_id=held.crawl_id, worker_id=owner)]
                if row.attempts >= max_attempts:
                    reason = f"the worker running it stopped responding on each of {row.attempts} attempts"
                    events.append(ev.CrawlFailed(crawl_id=held.crawl_id, error=reason))
                return events

            try:
                recorded = await crawlstream.write(conn, crawl_id, if_still_expired, actor=ACTOR)
            except crawlstream.CrawlStreamBusy as exc:
                log.info("lease expiry raced other changes; next pass decides", crawl_id=str(crawl_id), error=str(exc))
                continue
            except asyncpg.LockNotAvailableError:
                log.warning("lease expiry waits: another process holds the crawl's row", crawl_id=str(crawl_id))
                if skipped is not None:
                    skipped.append(crawl_id)
                continue
            if recorded:
                log.warning("lease expired; crawl re-queued", crawl_id=str(crawl_id), worker_id=owner)
                expired.append(crawl_id)
    return expired


async def requeue_due_retries(
    pool: asyncpg.Pool, now: datetime, *, skipped: list[uuid.UUID] | None = None
) -> list[uuid.UUID]:
    """Append ``CrawlRequeued`` (NOTIFY wakes a worker) for every failed attempt whose retry is due.

    A crawl whose row another process keeps locked is added to ``skipped`` for the next pass."""
    requeued: list[uuid.UUID] = []
    async with pool.acquire() as conn:
        for crawl_id, version, attempts in await parsequeue.due_retries(conn, now, BATCH):

            async def if_still_due(
                held: crawlstream.Held, version: int = version, attempts: int = attempts
            ) -> list[ev.Event]:
                # Still the failed attempt (nothing appended since), still unleased and due.
                row = held.row
                if row is None or row.lease_owner is not None or row.available_at > now or held.version != version:
                    return []
                return [ev.CrawlRequeued(crawl_id=held.crawl_id, reason=f"retry after failed attempt {attempts}")]

            try:
                recorded = await crawlstream.write(conn, crawl_id, if_still_due, actor=ACTOR, check_version=True)
            except crawlstream.CrawlStreamBusy:
                continue  # someone else keeps moving the crawl on (another scheduler, a cancel)
            except asyncpg.LockNotAvailableError:
                if skipped is not None:
                    skipped.append(crawl_id)
                continue
            if recorded:
                log.info("retry due; crawl re-queued", crawl_id=str(crawl_id), attempts=attempts)
                requeued.append(crawl_id)
    return requeued


async def next_due(pool: asyncpg.Pool, now: datetime) -> datetime | None:
    """The next lease expiry or retry after ``now`` (``None`` when neither exists)."""
    async with pool.acquire() as conn:
        return await parsequeue.next_due(conn, now)
