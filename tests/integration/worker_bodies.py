"""Crawl bodies the worker tests run in place of the crawler (selected by ``WORKER_JOB_BODY``)."""

from __future__ import annotations

from services.worker.job import CrawlError, CrawlJob


async def completes_at_once(job: CrawlJob) -> None:
    """A crawl with nothing to fetch: the claim loop records it completed."""


async def until_stopped(job: CrawlJob) -> None:
    """A crawl that runs until it is told to stop (pause, cancel, shutdown, lost lease)."""
    await job.stop.wait()


async def fails_retryably(job: CrawlJob) -> None:
    raise CrawlError("the site answered 503 to every request", retryable=True)


async def fails_for_good(job: CrawlJob) -> None:
    raise CrawlError("the start URL is not allowed by robots.txt")


async def has_a_bug(job: CrawlJob) -> None:
    raise ZeroDivisionError("division by zero")


async def ignores_stop(job: CrawlJob) -> None:
    """A misbehaving crawl that never looks at ``job.stop``."""
    import asyncio

    await asyncio.sleep(3600)


async def blocks_the_loop(job: CrawlJob) -> None:
    """CPU work on the event loop (what a hostile page did before the CPU pool): nothing else runs."""
    import time

    time.sleep(3600)  # noqa: ASYNC251 - the point: a loop that stops turning


async def holds_its_row(job: CrawlJob) -> None:
    """Locks its crawl's queue row in a transaction and waits there (as a page batch does for an instant)."""
    from services.worker.job import assert_lease

    async with job.pool.acquire() as conn, conn.transaction():
        await assert_lease(conn, job)
        await job.stop.wait()
