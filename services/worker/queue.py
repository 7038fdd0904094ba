"""The work queue as a worker sees it: claim crawls, record how each attempt ended.

The claim is one statement (``parsequeue.claim``); the outcome goes through the one crawl-stream
writer (``crawlstream.write``), which locks the queue row first, so the projections
(``parsequeue``, ``crawls``) and the log never disagree about who holds a lease.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import asyncpg
import structlog
from pydantic import ValidationError

from services.worker.crawl import sketches
from shared.eventlog import crawlstream, eventstore
from shared.eventlog import events as ev
from shared.eventlog.projections import parsequeue
from shared.eventlog.projections import sites as siteprojections
from shared.model.crawlsettings import CrawlSettings
from shared.platform.settings import Settings

log = structlog.get_logger(__name__)


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


async def claim_many(
    conn: asyncpg.Connection,
    worker_id: str,
    lease_seconds: float,
    *,
    running: Sequence[uuid.UUID] = (),
    limit: int = 1,
) -> list[Claim | Unclaimable]:
    """Claim up to ``limit`` available crawls, appending ``CrawlStarted`` for each (empty: none).

    ``running`` are the crawls this worker still runs; they are skipped until their bodies return.
    A crawl whose stored settings no longer validate is failed with the reason (``UNCLAIMABLE``).
    """
    try:
        rows = await parsequeue.claim(
            conn, worker_id, lease_seconds, running, limit, actor=crawlstream.worker_actor(worker_id)
        )
    except asyncpg.UniqueViolationError as exc:
        # Another writer took a stream's next version first; nothing was claimed, look again.
        raise eventstore.StreamConflict(exc.detail or "a crawl stream", eventstore.ANY) from exc
    claims: list[Claim | Unclaimable] = []
    unrunnable: list[tuple[uuid.UUID, str]] = []
    for row in rows:
        try:
            settings = CrawlSettings.model_validate(row["settings"])
        except ValidationError as exc:
            # Run nothing we cannot understand; fail the attempt with the reason rather than
            # claim it forever (the claim is committed, so the log shows it started, then failed).
            reason = f"the crawl's stored settings are not valid: {exc.errors()[0].get('msg', exc)}"
            unrunnable.append((row["crawl_id"], reason))
            claims.append(UNCLAIMABLE)
            continue
        claims.append(
            Claim(
                crawl_id=row["crawl_id"],
                attempt=row["attempt"],
                settings=settings,
                available_at=row["available_at"],
                started_at=row["recorded_at"],
                lease_expires_at=row["lease_expires_at"],
            )
        )
    for crawl_id, reason in unrunnable:
        try:
            await _fail_unrunnable(conn, crawl_id, worker_id, reason)
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            # The other claims of this batch are ours and must still run; this lease expires and
            # the reaper hands the crawl back, to be failed on its next claim.
            log.warning("could not fail an unrunnable crawl", crawl_id=str(crawl_id), error=str(exc))
    return claims


async def _fail_unrunnable(conn: asyncpg.Connection, crawl_id: uuid.UUID, worker_id: str, reason: str) -> None:
    """Fail a crawl we just claimed but cannot run, if the lease is still ours."""

    async def if_ours(held: crawlstream.Held) -> list[ev.Event]:
        if held.row is None or not held.row.leased_by(worker_id):
            return []  # cancelled meanwhile: its fate is already in the log
        return [ev.CrawlFailed(crawl_id=crawl_id, error=reason)]

    await crawlstream.write(conn, crawl_id, if_ours, actor=crawlstream.worker_actor(worker_id))


# released: handed back on shutdown; interrupted: the database went away mid-crawl. Neither counts.
OutcomeKind = Literal["completed", "failed", "stopped", "released", "interrupted"]


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
        return ev.CrawlReleased(crawl_id=crawl_id, worker_id=worker_id, reason="the worker stopped", attempt=attempt)
    if outcome.kind == "interrupted":
        return ev.CrawlReleased(crawl_id=crawl_id, worker_id=worker_id, reason=outcome.reason, attempt=attempt)
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
    """Append the terminal event for this attempt if the lease is still ours. Returns what was appended.

    No row, or someone else's: the lease is no longer ours (expired and resumed elsewhere, or the
    crawl was cancelled or paused, which dequeues it), and that fate is already in the log.
    """
    if outcome.kind == "stopped":
        return None

    async def if_ours(held: crawlstream.Held) -> list[ev.Event]:
        row = held.row
        if row is None or not row.leased_by(worker_id):
            return []
        event = terminal_event(crawl_id, attempt, outcome, worker_id=worker_id, pages_crawled=row.pages_crawled,
                               now=row.db_now, settings=settings)  # fmt: skip
        if event is None:
            return []
        if isinstance(event, ev.CrawlCompleted):
            await sketches.drop(conn, crawl_id)  # the near-duplicate pass has run: working data goes
            # The figures for the site's trends, from the pages and issues as they stand at the end.
            return [event, await siteprojections.summary_of(conn, crawl_id)]
        return [event]

    recorded = await crawlstream.write(conn, crawl_id, if_ours, actor=crawlstream.worker_actor(worker_id))
    return recorded[0].data if recorded else None
