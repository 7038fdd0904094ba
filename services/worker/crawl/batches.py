"""The pages writing path: a batch of page records, their discoveries and their issues, stored at once.

One flush is one transaction: prove the lease, add discovered URLs to the frontier, mark the
batch's URLs done, append ``PagesCrawled`` (+ ``IssuesDetected``, + a throttled
``CrawlProgressed``). A crash before commit loses the batch as a whole (its URLs are fetched
again by the next attempt); after commit, the batch is never stored again.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import asyncpg
import structlog

from services.worker.crawl import frontier, sketches
from services.worker.job import CrawlJob, append, assert_lease
from shared.audit import audit
from shared.eventlog import events as ev
from shared.model.pages import PageRecord
from shared.model.resources import ResourceCheck

log = structlog.get_logger(__name__)

BATCH_PAGES = 100
BATCH_RESOURCES = 500  # answers of the resource checker per batch
BATCH_LINKS = 20_000
MAX_WAITING_PAGES = 300  # finished pages held while a flush runs; fetching pauses beyond
MAX_WAITING_LINKS = 60_000
BATCH_SECONDS = 0.3
PROGRESS_SECONDS = 1.0

_ERRORS_SO_FAR = "SELECT count(*) FILTER (WHERE error IS NOT NULL), count(*) FROM pages WHERE crawl_id = $1"


@dataclass
class Counters:
    """What the crawl has done so far (across attempts), for progress events."""

    pages_crawled: int = 0
    pages_discovered: int = 0
    errors: int = 0
    stored_this_attempt: int = 0
    started: float = field(default_factory=time.monotonic)
    last_progress: float = 0.0

    @property
    def rate(self) -> float:
        elapsed = time.monotonic() - self.started
        return round(self.stored_this_attempt / elapsed, 2) if elapsed > 0 else 0.0

    def progress(self, crawl_id: object) -> ev.CrawlProgressed:
        self.last_progress = time.monotonic()
        return ev.CrawlProgressed(
            crawl_id=crawl_id,  # type: ignore[arg-type]
            pages_crawled=self.pages_crawled,
            pages_discovered=self.pages_discovered,
            errors_count=self.errors,
            pages_per_second=self.rate,
        )


async def load_counters(conn: asyncpg.Connection, job: CrawlJob) -> Counters:
    errors, crawled = await conn.fetchrow(_ERRORS_SO_FAR, job.crawl_id)
    return Counters(pages_crawled=crawled, errors=errors, pages_discovered=await frontier.count(conn, job.crawl_id))


@dataclass
class Batch:
    """Finished pages waiting to be stored, with the URLs they discovered."""

    pages: list[PageRecord] = field(default_factory=list)
    found: list[frontier.Discovered] = field(default_factory=list)
    resources: list[ResourceCheck] = field(default_factory=list)
    opened: float = 0.0
    links: int = 0

    def add(self, page: PageRecord, found: list[frontier.Discovered]) -> None:
        if not self.pages and not self.resources:
            self.opened = time.monotonic()
        self.pages.append(page)
        self.found.extend(found)
        self.links += len(page.links)

    def add_resources(self, checked: list[ResourceCheck]) -> None:
        if checked and not self.pages and not self.resources:
            self.opened = time.monotonic()
        self.resources.extend(checked)

    def take(self) -> tuple[list[PageRecord], list[frontier.Discovered], list[ResourceCheck]]:
        pages, found, resources = self.pages, self.found, self.resources
        self.pages, self.found, self.resources, self.links = [], [], [], 0
        return pages, found, resources

    @property
    def waiting(self) -> bool:
        """Something is waiting to be stored."""
        return bool(self.pages or self.resources)

    def due(self) -> bool:
        # Pages with thousands of links make big events: the link count bounds a batch too.
        return (
            len(self.pages) >= BATCH_PAGES
            or self.links >= BATCH_LINKS
            or len(self.resources) >= BATCH_RESOURCES
            or (self.waiting and time.monotonic() - self.opened >= BATCH_SECONDS)
        )

    def full(self) -> bool:
        """So much is waiting for the database that fetching should pause (flat memory)."""
        return len(self.pages) >= MAX_WAITING_PAGES or self.links >= MAX_WAITING_LINKS

    def seconds_left(self) -> float | None:
        if not self.waiting:
            return None
        return max(0.0, BATCH_SECONDS - (time.monotonic() - self.opened))


async def flush(
    job: CrawlJob,
    batch: Batch,
    counters: Counters,
    cache: frontier.KnownCache,
    *,
    room: int,
    force_progress: bool = False,
) -> int:
    """Store ``batch`` in one transaction; returns how many new URLs entered the frontier."""
    # Take the batch now: fetches still running add to a fresh one while this one is written.
    pages, found, resources = batch.take()
    if not pages and not found and not resources and not force_progress:
        return 0
    settings = job.settings
    issues = [issue for page in pages for issue in audit.page_issues(page, settings.thresholds, settings.extraction)]
    try:
        added, discovered, errors, progress_due = await _write(job, pages, found, resources, issues, counters, cache,
                                                               room, force_progress)  # fmt: skip
    except asyncpg.UniqueViolationError:
        # Another worker stored these pages first: only possible if our lease was taken over.
        async with job.pool.acquire() as conn, conn.transaction():
            await assert_lease(conn, job)
        raise
    # Committed: only now do the counters move (a failed transaction stored nothing).
    counters.pages_crawled += len(pages)
    counters.stored_this_attempt += len(pages)
    counters.pages_discovered = discovered
    counters.errors += errors
    if progress_due:
        counters.last_progress = time.monotonic()
    job.metrics.pages_crawled.inc(len(pages))
    return added


async def _write(
    job: CrawlJob,
    pages: list[PageRecord],
    found: list[frontier.Discovered],
    resources: list[ResourceCheck],
    issues: list[dict[str, object]],
    counters: Counters,
    cache: frontier.KnownCache,
    room: int,
    force_progress: bool,
) -> tuple[int, int, int, bool]:
    async with job.pool.acquire() as conn, conn.transaction():
        added = await frontier.add(conn, job.crawl_id, found, room=room, cache=cache) if found else 0
        if pages:
            await frontier.mark_done(conn, [p.id for p in pages])
            await sketches.add(conn, job.crawl_id, pages)
        discovered = counters.pages_discovered + added
        events: list[ev.Event] = []
        if pages:
            events.append(ev.PagesCrawled(crawl_id=job.crawl_id, pages=pages, pages_discovered=discovered))
        if resources:
            events.append(ev.ResourcesChecked(crawl_id=job.crawl_id, resources=resources))
        if issues:
            events.append(ev.IssuesDetected(crawl_id=job.crawl_id, issues=issues))
        errors = sum(1 for p in pages if p.error)
        progress_due = force_progress or time.monotonic() - counters.last_progress >= PROGRESS_SECONDS
        if progress_due:
            snapshot = Counters(
                pages_crawled=counters.pages_crawled + len(pages),
                pages_discovered=discovered,
                errors=counters.errors + errors,
                stored_this_attempt=counters.stored_this_attempt + len(pages),
                started=counters.started,
            )
            events.append(snapshot.progress(job.crawl_id))
        # The queue row is locked only now, so heartbeats and cancels wait as little as possible.
        await append(conn, job, events)
    return added, discovered, errors, progress_due
