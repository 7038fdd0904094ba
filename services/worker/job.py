"""The contract between the worker's claim loop and the crawl it runs.

The claim loop (``services.worker.queue``) claims a crawl, builds a ``CrawlJob`` and awaits the
job body (``services.worker.crawl.crawler.run_crawl`` in production). The body returns when the crawl
is done or when ``job.stop`` is set (pause, cancel, shutdown, lost lease); it raises
``CrawlError`` for a failure with a reason. The claim loop appends the terminal event.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import asyncpg

from shared.eventlog import crawlstream
from shared.eventlog import events as ev
from shared.eventlog.projections import parsequeue
from shared.model.crawlsettings import CrawlSettings
from shared.platform.cpupool import CpuPool
from shared.platform.service import Metrics
from shared.platform.settings import Settings

if TYPE_CHECKING:
    from services.worker.render.browser import Browser

StopReason = Literal["paused", "cancelled", "shutdown", "lease_lost"]


class CrawlError(Exception):
    """The crawl failed for ``reason``; ``retryable`` failures are retried with backoff."""

    def __init__(self, reason: str, *, retryable: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retryable = retryable


class LeaseLost(Exception):
    """This worker no longer holds the crawl's lease; another worker may have it now."""


@dataclass
class CrawlJob:
    crawl_id: uuid.UUID
    settings: CrawlSettings
    attempt: int
    worker_id: str
    pool: asyncpg.Pool
    config: Settings
    metrics: Metrics
    cpu: CpuPool  # where parsing, extraction and audit passes run: never on the event loop
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    stop_reason: StopReason | None = None
    browser: Browser | None = None  # the worker's Chromium, for crawls with render: "chromium"

    def request_stop(self, reason: StopReason) -> None:
        if self.stop_reason is None:
            self.stop_reason = reason
        self.stop.set()


JobBody = Callable[[CrawlJob], Awaitable[None]]


def _lost(job: CrawlJob) -> LeaseLost:
    job.request_stop("lease_lost")
    return LeaseLost(f"crawl {job.crawl_id} is no longer leased by {job.worker_id}")


async def assert_lease(conn: asyncpg.Connection, job: CrawlJob) -> None:
    """Inside a transaction: lock the crawl's queue row and prove we still hold its lease.

    Every write a crawl makes to its frontier runs this first, so a worker whose lease expired
    (and whose crawl another worker resumed) can never store a page twice.
    """
    row = await parsequeue.lock(conn, job.crawl_id)
    if row is None or not row.leased_by(job.worker_id):
        raise _lost(job)


async def append(conn: asyncpg.Connection, job: CrawlJob, events: Sequence[ev.Event]) -> None:
    """Append to the crawl's stream through the one crawl-stream writer, if the lease is still ours.

    Inside the caller's transaction (the page batch's frontier writes commit with it). Raises
    ``LeaseLost`` (and asks the job to stop) when another worker holds the crawl now.
    """

    async def ours(held: crawlstream.Held) -> Sequence[ev.Event]:
        if held.row is None or not held.row.leased_by(job.worker_id):
            raise _lost(job)
        return events

    await crawlstream.write(conn, job.crawl_id, ours, actor=crawlstream.worker_actor(job.worker_id))
    for event in events:
        job.metrics.events_appended.labels(type=event.type_name()).inc()
