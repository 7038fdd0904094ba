"""Time-driven queue duties: expire the leases of dead workers, re-queue retries that fell due.

Each change is an event appended while the queue row is locked, so a worker finishing at the
same moment and the scheduler never both decide a crawl's fate.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import structlog

from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams

log = structlog.get_logger(__name__)

_EXPIRED = """
SELECT crawl_id, lease_owner FROM parsequeue
WHERE lease_owner IS NOT NULL AND lease_expires_at <= $1
ORDER BY lease_expires_at LIMIT $2
"""

# Re-checked under the row lock: a heartbeat may have pushed the expiry out since we looked.
_LOCK_EXPIRED = """
SELECT attempts FROM parsequeue
WHERE crawl_id = $1 AND lease_owner = $2 AND lease_expires_at <= $3
FOR UPDATE
"""

_NEXT_EXPIRY = "SELECT min(lease_expires_at) FROM parsequeue WHERE lease_owner IS NOT NULL AND lease_expires_at > $1"

# A retry is a queue row held back (available_at) whose stream's last event is the failed attempt.
# The stream version is the expected version of the re-queue, so two schedulers re-queue it once.
# attempts > 0 skips the plain backlog (never claimed) without a look at its streams.
_DUE_RETRIES = """
SELECT q.crawl_id, last.version, q.attempts
FROM parsequeue q
CROSS JOIN LATERAL (
    SELECT e.version, e.type FROM events e
    WHERE e.stream_id = 'crawl-' || q.crawl_id::text ORDER BY e.version DESC LIMIT 1
) AS last
WHERE q.lease_owner IS NULL AND q.available_at <= $1 AND q.attempts > 0 AND last.type = 'CrawlAttemptFailed'
ORDER BY q.available_at LIMIT $2
"""

# Only a retry is ever made available in the future (a new or re-queued crawl is available at once).
_NEXT_RETRY = "SELECT min(available_at) FROM parsequeue WHERE lease_owner IS NULL AND available_at > $1"

_META = ev.Metadata(actor="scheduler")
BATCH = 100


def _meta(crawl_id: uuid.UUID) -> ev.Metadata:
    return _META.model_copy(update={"correlation_id": str(crawl_id)})


async def expire_leases(pool: asyncpg.Pool, now: datetime, max_attempts: int = 3) -> list[uuid.UUID]:
    """Append ``LeaseExpired`` (re-queue + NOTIFY) for every lease that ran out by ``now``.

    A crawl whose worker died on each of ``max_attempts`` attempts (a page that crashes the
    worker, say) is failed with that reason instead of being handed to the next victim forever.
    """
    expired: list[uuid.UUID] = []
    async with pool.acquire() as conn:
        rows = await conn.fetch(_EXPIRED, now, BATCH)
        for row in rows:
            crawl_id, owner = row["crawl_id"], row["lease_owner"]
            try:
                async with conn.transaction():
                    attempts = await conn.fetchval(_LOCK_EXPIRED, crawl_id, owner, now)
                    if attempts is None:
                        continue  # heartbeated, finished or handed back meanwhile
                    events: list[ev.Event] = [ev.LeaseExpired(crawl_id=crawl_id, worker_id=owner)]
                    if attempts >= max_attempts:
                        reason = f"the worker running it stopped responding on each of {attempts} attempts"
                        events.append(ev.CrawlFailed(crawl_id=crawl_id, error=reason))
                    await streams.append(conn, ev.crawl_stream(crawl_id), events, metadata=_meta(crawl_id))
            except (eventstore.StreamConflict, asyncpg.DeadlockDetectedError) as exc:
                log.info("lease expiry raced another change; next pass decides", crawl_id=str(crawl_id), error=str(exc))
                continue
            log.warning("lease expired; crawl re-queued", crawl_id=str(crawl_id), worker_id=owner)
            expired.append(crawl_id)
    return expired


async def requeue_due_retries(pool: asyncpg.Pool, now: datetime) -> list[uuid.UUID]:
    """Append ``CrawlRequeued`` (NOTIFY wakes a worker) for every failed attempt whose retry is due."""
    requeued: list[uuid.UUID] = []
    async with pool.acquire() as conn:
        for row in await conn.fetch(_DUE_RETRIES, now, BATCH):
            crawl_id = row["crawl_id"]
            event = ev.CrawlRequeued(crawl_id=crawl_id, reason=f"retry after failed attempt {row['attempts']}")
            try:
                await streams.append(
                    conn, ev.crawl_stream(crawl_id), [event], expected_version=row["version"], metadata=_meta(crawl_id)
                )
            except (eventstore.StreamConflict, asyncpg.DeadlockDetectedError):
                continue  # someone else moved the crawl on (another scheduler, a cancel)
            log.info("retry due; crawl re-queued", crawl_id=str(crawl_id), attempts=row["attempts"])
            requeued.append(crawl_id)
    return requeued


async def next_due(pool: asyncpg.Pool, now: datetime) -> datetime | None:
    """The next lease expiry or retry after ``now`` (``None`` when neither exists)."""
    async with pool.acquire() as conn:
        expiry = await conn.fetchval(_NEXT_EXPIRY, now)
        retry = await conn.fetchval(_NEXT_RETRY, now)
    candidates = [t for t in (expiry, retry) if t is not None]
    return min(candidates) if candidates else None
