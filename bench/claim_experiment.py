"""An experiment, not the product: the worker's claim as one SQL statement instead of about 14.

Same effect as ``services.worker.queue.claim`` for a claimable crawl: lock the oldest available
queue row with SKIP LOCKED, append ``CrawlStarted`` at the stream's next version (taken from the
``crawls`` projection, which carries it), update the ``parsequeue`` and ``crawls`` projections as
their handlers do, and notify the scheduler and event channels, all in one round trip. It skips
what the product's claim also handles (settings that no longer validate) and duplicates projection
logic in SQL, which is the price to weigh. ``python -m bench.ours_queue --claim one-statement``
runs the queue measurements with it, to show what the wake-up latency and the drain would gain.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from services.worker import queue
from shared import events as ev
from shared.crawlsettings import CrawlSettings

CLAIM_ONE_STATEMENT = """
WITH picked AS (
    SELECT q.crawl_id, q.attempts, q.available_at, c.settings, c.version,
           now() + make_interval(secs => $2::float8) AS lease_expires_at
    FROM parsequeue q JOIN crawls c ON c.id = q.crawl_id
    WHERE q.lease_owner IS NULL AND q.available_at <= now() AND NOT (q.crawl_id = ANY($3::uuid[]))
    ORDER BY q.available_at, q.enqueued_at
    LIMIT 1
    FOR UPDATE OF q SKIP LOCKED
), appended AS (
    INSERT INTO events (stream_id, version, type, data, metadata)
    SELECT 'crawl-' || p.crawl_id, p.version + 1, 'CrawlStarted',
           jsonb_build_object('crawl_id', p.crawl_id, 'worker_id', $1::text, 'attempt', p.attempts + 1,
                              'lease_expires_at', p.lease_expires_at),
           jsonb_build_object('correlation_id', p.crawl_id::text, 'actor', 'worker:' || $1::text)
    FROM picked p
    RETURNING position, version, recorded_at
), leased AS (
    UPDATE parsequeue q
    SET lease_owner = $1, leased_at = a.recorded_at, lease_expires_at = p.lease_expires_at,
        attempts = p.attempts + 1
    FROM picked p, appended a WHERE q.crawl_id = p.crawl_id
), running AS (
    UPDATE crawls c
    SET status = 'running', worker_id = $1, attempts = p.attempts + 1,
        started_at = coalesce(c.started_at, a.recorded_at), error = NULL,
        version = a.version, updated_at = a.recorded_at
    FROM picked p, appended a WHERE c.id = p.crawl_id
)
SELECT p.crawl_id, p.attempts + 1 AS attempt, p.available_at, p.settings, p.lease_expires_at,
       a.recorded_at, pg_notify($4, p.crawl_id::text), pg_notify($5, 'crawl-' || p.crawl_id || ':' || a.position)
FROM picked p, appended a
"""


async def claim(
    conn: asyncpg.Connection, worker_id: str, lease_seconds: float, *, running: Sequence[uuid.UUID] = ()
) -> queue.Claim | None:
    """``services.worker.queue.claim`` in one statement (see the module docstring)."""
    row = await conn.fetchrow(
        CLAIM_ONE_STATEMENT, worker_id, lease_seconds, list(running), ev.SCHEDULER_CHANNEL, ev.EVENTS_CHANNEL
    )
    if row is None:
        return None
    return queue.Claim(
        crawl_id=row["crawl_id"],
        attempt=row["attempt"],
        settings=CrawlSettings.model_validate(row["settings"]),
        available_at=row["available_at"],
        started_at=row["recorded_at"],
        lease_expires_at=row["lease_expires_at"],
    )
