"""The work queue as a worker sees it: claim a crawl with SKIP LOCKED, record how the attempt ended.

Both sides are events appended in the transaction that holds the queue row's lock, so the
projections (``parsequeue``, ``crawls``) and the log never disagree about who holds a lease.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import asyncpg
from pydantic import ValidationError

from shared import events as ev
from shared import eventstore
from shared.crawlsettings import CrawlSettings
from shared.settings import Settings

# The oldest available, unleased crawl. SKIP LOCKED lets many workers claim at once without
# waiting on each other; the partial index parsequeue_ready serves exactly this predicate.
# now() is the claim transaction's start, which is after the NOTIFY-ing commit that woke us.
# $2 are crawls this worker is still stopping (its lease was lost): never run one crawl twice at once.
CLAIM = """
SELECT q.crawl_id, q.attempts, q.available_at, c.settings,
       now() + make_interval(secs => $1::float8) AS lease_expires_at
FROM parsequeue q JOIN crawls c ON c.id = q.crawl_id
WHERE q.lease_owner IS NULL AND q.available_at <= now() AND NOT (q.crawl_id = ANY($2::uuid[]))
ORDER BY q.available_at, q.enqueued_at
LIMIT 1
FOR UPDATE OF q SKIP LOCKED
"""

# Lock our queue row for the terminal append; no row means the lease is no longer ours (expired
# and resumed elsewhere, or the crawl was cancelled/paused, which dequeues it).
LOCK_OWN_LEASE = """
SELECT c.pages_crawled, now() AS db_now
FROM parsequeue q JOIN crawls c ON c.id = q.crawl_id
WHERE q.crawl_id = $1 AND q.lease_owner = $2
FOR UPDATE OF q
"""


@dataclass(frozen=True)
class Claim:
    """A crawl this worker now holds the lease of."""

    crawl_id: uuid.UUID
    attempt: int
    settings: CrawlSettings
    available_at: datetime
    started_at: datetime
    lease_expires_at: datetime


class Unclaimable:
    """A row was claimed but could not be run (its settings no longer validate); it was failed."""


UNCLAIMABLE = Unclaimable()


def _metadata(crawl_id: uuid.UUID, worker_id: str) -> ev.Metadata:
    return ev.Metadata(correlation_id=str(crawl_id), actor=f"worker:{worker_id}")


async def claim(
    conn: asyncpg.Connection, worker_id: str, lease_seconds: float, *, running: Sequence[uuid.UUID] = ()
) -> Claim | Unclaimable | None:
    """Claim the next available crawl (``None`` when there is none) and append ``CrawlStarted``.

    ``running`` are the crawls this worker still runs; they are skipped until their bodies return.
    """
    async with conn.transaction():
        row = await conn.fetchrow(CLAIM, lease_seconds, list(running))
        if row is None:
            return None
        crawl_id: uuid.UUID = row["crawl_id"]
        stream = ev.crawl_stream(crawl_id)
        meta = _metadata(crawl_id, worker_id)
        try:
            settings = CrawlSettings.model_validate(row["settings"])
        except ValidationError as exc:
            # Run nothing we cannot understand; fail it with the reason rather than claim it forever.
            reason = f"the crawl's stored settings are not valid: {exc.errors()[0].get('msg', exc)}"
            await eventstore.append(conn, stream, [ev.CrawlFailed(crawl_id=crawl_id, error=reason)], metadata=meta)
            return UNCLAIMABLE
        attempt = row["attempts"] + 1
        started = ev.CrawlStarted(
            crawl_id=crawl_id, worker_id=worker_id, attempt=attempt, lease_expires_at=row["lease_expires_at"]
        )
        (recorded,) = await eventstore.append(conn, stream, [started], metadata=meta)
    return Claim(
        crawl_id=crawl_id,
        attempt=attempt,
        settings=settings,
        available_at=row["available_at"],
        started_at=recorded.recorded_at,
        lease_expires_at=row["lease_expires_at"],
    )


OutcomeKind = Literal["completed", "failed", "stopped", "released"]


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended, as the claim loop saw it."""

    kind: OutcomeKind
    reason: str | None = None
    retryable: bool = False


def backoff_seconds(attempt: int, settings: Settings, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: half the capped delay fixed, half random (no thundering herd)."""
    delay = min(settings.retry_max_seconds, settings.retry_base_seconds * 2 ** max(attempt - 1, 0))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def terminal_event(
    crawl_id: uuid.UUID,
    attempt: int,
    outcome: Outcome,
    *,
    worker_id: str,
    pages_crawled: int,
    now: datetime,
    settings: Settings,
) -> ev.Event | None:
    """The event that records ``outcome`` (``None`` when someone else already decided the crawl's fate)."""
    if outcome.kind == "completed":
        return ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=pages_crawled)
    if outcome.kind == "released":
        return ev.CrawlReleased(crawl_id=crawl_id, worker_id=worker_id)
    if outcome.kind == "failed":
        reason = outcome.reason or "the crawl failed"
        if outcome.retryable and attempt < settings.retry_max_attempts:
            retry_at = now + timedelta(seconds=backoff_seconds(attempt, settings))
            return ev.CrawlAttemptFailed(crawl_id=crawl_id, error=reason, attempt=attempt, retry_at=retry_at)
        if outcome.retryable:
            reason = f"{reason} (gave up after {attempt} attempts)"
        return ev.CrawlFailed(crawl_id=crawl_id, error=reason)
    return None  # paused, cancelled or lease lost: that event is already in the log


async def finish(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, attempt: int, outcome: Outcome, *, worker_id: str, settings: Settings
) -> ev.Event | None:
    """Append the terminal event for this attempt if the lease is still ours. Returns what was appended."""
    if outcome.kind == "stopped":
        return None
    async with conn.transaction():
        row = await conn.fetchrow(LOCK_OWN_LEASE, crawl_id, worker_id)
        if row is None:
            return None
        event = terminal_event(
            crawl_id,
            attempt,
            outcome,
            worker_id=worker_id,
            pages_crawled=row["pages_crawled"],
            now=row["db_now"],
            settings=settings,
        )
        if event is not None:
            await eventstore.append(conn, ev.crawl_stream(crawl_id), [event], metadata=_metadata(crawl_id, worker_id))
    return event
