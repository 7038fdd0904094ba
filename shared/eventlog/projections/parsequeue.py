"""The work queue, ``parsequeue``: one row per crawl that is waiting, held back for a retry, or leased.

Every statement that writes, locks or scans this table is here; everyone else calls these. The
rows are a projection of the crawl streams (``handlers`` enqueue, hold, requeue and dequeue them)
with one operational column the log does not carry: a running crawl's lease expiry, pushed
forward by its worker's heartbeat. The claim (``claim``) and the CrawlStarted projection are SQL
functions (migrations 0040 and 0050), so a live claim and a rebuild run the very same statements.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import asyncpg

from shared.eventlog import events as ev

# --- the projection ------------------------------------------------------------------------------

_ENQUEUE = "INSERT INTO parsequeue (crawl_id, enqueued_at, available_at) VALUES ($1, $2, $2)"
_DEQUEUE = "DELETE FROM parsequeue WHERE crawl_id = $1"
_REQUEUE = """
INSERT INTO parsequeue (crawl_id, enqueued_at, available_at) VALUES ($1, $2, $2)
ON CONFLICT (crawl_id) DO UPDATE
SET available_at = $2, lease_owner = NULL, leased_at = NULL, lease_expires_at = NULL
"""
# Held back until retry_at (a claim needs available_at <= now()); the scheduler sleeps until then
# and appends CrawlRequeued, whose NOTIFY wakes a worker. Nobody polls for it.
_HOLD = """
UPDATE parsequeue SET available_at = $2, lease_owner = NULL, leased_at = NULL, lease_expires_at = NULL,
       attempts = $3
WHERE crawl_id = $1
"""


async def enqueue(conn: asyncpg.Connection, crawl_id: uuid.UUID, at: datetime) -> None:
    """A new crawl, available at once."""
    await conn.execute(_ENQUEUE, crawl_id, at)


async def dequeue(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    """The crawl left the queue (finished, failed, paused or cancelled)."""
    await conn.execute(_DEQUEUE, crawl_id)


async def requeue(conn: asyncpg.Connection, crawl_id: uuid.UUID, at: datetime) -> None:
    """Back in the queue, unleased and available at ``at`` (a retry fell due, a lease was given back)."""
    await conn.execute(_REQUEUE, crawl_id, at)


_GIVE_BACK = "UPDATE parsequeue SET attempts = $2 WHERE crawl_id = $1"


async def give_back(conn: asyncpg.Connection, crawl_id: uuid.UUID, attempts: int) -> None:
    """A released attempt does not count: the next claim is that attempt again."""
    await conn.execute(_GIVE_BACK, crawl_id, attempts)


async def hold(conn: asyncpg.Connection, crawl_id: uuid.UUID, until: datetime, attempts: int) -> None:
    """A failed attempt: unleased, and not claimable before ``until``."""
    await conn.execute(_HOLD, crawl_id, until, attempts)


# --- the lock every writer of a crawl's stream takes first ------------------------------------------

# The one spelling of "lock the crawl's queue row" (shared.eventlog.crawlstream takes it before
# every append to a crawl's stream). It returns the row as it is now, so each writer decides from
# the truth: whose lease, expired or not, held back until when. The crawl's page count and the
# database clock come along for the worker's terminal event.
_LOCK = """
SELECT q.lease_owner, q.lease_expires_at, q.available_at, q.attempts, c.pages_crawled, now() AS db_now
FROM parsequeue q JOIN crawls c ON c.id = q.crawl_id
WHERE q.crawl_id = $1
FOR UPDATE OF q
"""


@dataclass(frozen=True)
class QueueRow:
    """A crawl's queue row, locked by the current transaction."""

    lease_owner: str | None
    lease_expires_at: datetime | None
    available_at: datetime
    attempts: int
    pages_crawled: int
    db_now: datetime

    def leased_by(self, worker_id: str) -> bool:
        return self.lease_owner == worker_id

    def lease_expired(self, owner: str, now: datetime) -> bool:
        """Still ``owner``'s lease, and run out by ``now`` (a heartbeat may have pushed it out since)."""
        return self.lease_owner == owner and self.lease_expires_at is not None and self.lease_expires_at <= now


async def lock(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> QueueRow | None:
    """Lock the crawl's queue row (inside a transaction); ``None`` when the crawl has none."""
    row = await conn.fetchrow(_LOCK, crawl_id)
    return QueueRow(**dict(row)) if row is not None else None


# --- the worker: claim and heartbeat ----------------------------------------------------------------

# The oldest available, unleased crawls, up to $4 of them, each claimed in the same statement:
# claim_crawls (migration 0050) locks the queue rows with SKIP LOCKED (many workers claim at once
# without waiting on each other), appends CrawlStarted at the log's next version of each stream,
# applies the same projection function the CrawlStarted handler calls, and notifies. One round
# trip, committed on its own, instead of about fourteen statements. $3 are crawls this worker is
# still stopping (its lease was lost): never run one crawl twice at once.
_CLAIM = "SELECT * FROM claim_crawls($1, $2, $3::uuid[], $4, $5::text[], $6, $7, $8)"

_HEARTBEAT = """
UPDATE parsequeue SET lease_expires_at = now() + make_interval(secs => $3::float8)
WHERE crawl_id = $1 AND lease_owner = $2
"""


async def claim(
    conn: asyncpg.Connection,
    worker_id: str,
    lease_seconds: float,
    running: Sequence[uuid.UUID],
    limit: int,
    *,
    actor: str,
) -> list[asyncpg.Record]:
    """Claim up to ``limit`` crawls for ``worker_id`` (``CrawlStarted`` appended, projected, notified).

    ``actor`` goes into the events' metadata (``crawlstream.worker_actor``: one definition).

    Rows: ``crawl_id, attempt, available_at, settings, lease_expires_at, recorded_at, event_position,
    event_version``. A lost race on a stream's version raises ``asyncpg.UniqueViolationError``.
    """
    rows: list[asyncpg.Record] = await conn.fetch(
        _CLAIM,
        worker_id,
        lease_seconds,
        list(running),
        limit,
        list(ev.CrawlStarted.notify),
        ev.EVENTS_CHANNEL,
        ev.CRAWL_STREAM_PREFIX,
        actor,
    )
    return rows


async def heartbeat(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, worker_id: str, lease_seconds: float, *, timeout: float
) -> bool:
    """Push the lease out by ``lease_seconds`` if it is still ``worker_id``'s. ``False``: it is not."""
    status = await conn.execute(_HEARTBEAT, crawl_id, worker_id, lease_seconds, timeout=timeout)
    return not status.endswith(" 0")


# --- the scheduler: what is due, and when the next thing is ------------------------------------------

_EXPIRED = """
SELECT crawl_id, lease_owner FROM parsequeue
WHERE lease_owner IS NOT NULL AND lease_expires_at <= $1
ORDER BY lease_expires_at LIMIT $2
"""
_NEXT_EXPIRY = "SELECT min(lease_expires_at) FROM parsequeue WHERE lease_owner IS NOT NULL AND lease_expires_at > $1"

# A retry is a queue row held back (available_at) whose stream's last event is the failed attempt.
# attempts > 0 skips the plain backlog (never claimed) without a look at its streams. $3 is the
# crawl stream prefix (events.CRAWL_STREAM_PREFIX): the stream name has one definition.
_DUE_RETRIES = """
SELECT q.crawl_id, last.version, q.attempts
FROM parsequeue q
CROSS JOIN LATERAL (
    SELECT e.version, e.type FROM events e
    WHERE e.stream_id = $3 || q.crawl_id::text ORDER BY e.version DESC LIMIT 1
) AS last
WHERE q.lease_owner IS NULL AND q.available_at <= $1 AND q.attempts > 0 AND last.type = 'CrawlAttemptFailed'
ORDER BY q.available_at LIMIT $2
"""
# Only a retry is ever made available in the future (a new or re-queued crawl is available at once).
_NEXT_RETRY = "SELECT min(available_at) FROM parsequeue WHERE lease_owner IS NULL AND available_at > $1"

_COUNTS = """SELECT count(*) FILTER (WHERE lease_owner IS NULL) AS waiting,
                    count(*) FILTER (WHERE lease_owner IS NOT NULL) AS leased
             FROM parsequeue"""


async def expired(conn: asyncpg.Connection, now: datetime, limit: int) -> list[tuple[uuid.UUID, str]]:
    """``(crawl_id, lease_owner)`` of leases that ran out by ``now``, oldest first."""
    return [(r["crawl_id"], r["lease_owner"]) for r in await conn.fetch(_EXPIRED, now, limit)]


async def due_retries(conn: asyncpg.Connection, now: datetime, limit: int) -> list[tuple[uuid.UUID, int, int]]:
    """``(crawl_id, stream version, attempts)`` of failed attempts whose retry is due by ``now``."""
    rows = await conn.fetch(_DUE_RETRIES, now, limit, ev.CRAWL_STREAM_PREFIX)
    return [(r["crawl_id"], r["version"], r["attempts"]) for r in rows]


async def next_due(conn: asyncpg.Connection, now: datetime) -> datetime | None:
    """The next lease expiry or retry after ``now`` (``None`` when neither exists)."""
    expiry = await conn.fetchval(_NEXT_EXPIRY, now)
    retry = await conn.fetchval(_NEXT_RETRY, now)
    candidates = [t for t in (expiry, retry) if t is not None]
    return min(candidates) if candidates else None


async def counts(conn: asyncpg.Connection) -> tuple[int, int]:
    """``(waiting, leased)`` crawls, for the queue gauges."""
    row = await conn.fetchrow(_COUNTS)
    return row["waiting"], row["leased"]
