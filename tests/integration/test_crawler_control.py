"""Pause, cancel and crash-resume: the crawl stops within a second and no page is lost or stored twice."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import pytest
from aiohttp import web

from services.worker.crawl.crawler import run_crawl
from services.worker.job import CrawlJob, LeaseLost, assert_lease
from shared.eventlog import events as ev
from shared.eventlog import streams
from tests.integration.crawlharness import events_of, pages, request_crawl, start_attempt
from tests.sites import Site, generated_site


async def _committed_batch(pool: asyncpg.Pool) -> tuple[asyncpg.Connection, asyncio.Event]:
    """A LISTEN on the events channel: the event is set at each commit that appended."""
    conn = await pool.acquire()
    appended = asyncio.Event()
    await conn.add_listener(ev.EVENTS_CHANNEL, lambda *_: appended.set())
    return conn, appended


async def _unlisten(pool: asyncpg.Pool, conn: asyncpg.Connection) -> None:
    await conn.reset()
    await pool.release(conn)


async def _assert_each_page_once(pool: asyncpg.Pool, job: CrawlJob, expected: int) -> None:
    stored = await pages(pool, job)
    assert len(stored) == expected
    appended = [p.id for e in await events_of(pool, job) if e.type == "PagesCrawled" for p in e.data.pages]  # type: ignore[attr-defined]
    assert len(appended) == len(set(appended)) == expected  # no page appended twice, even across attempts
    async with pool.acquire() as conn:
        states = await conn.fetch("SELECT state, count(*) FROM frontier WHERE crawl_id = $1 GROUP BY 1", job.crawl_id)
        crawled = await conn.fetchval("SELECT pages_crawled FROM crawls WHERE id = $1", job.crawl_id)
    assert {r["state"]: r["count"] for r in states} == {"done": expected}
    assert crawled == expected


async def _as_the_api(pool: asyncpg.Pool, event: ev.Event) -> None:
    """Append a state change as the api does: the queue row locked first, in the order every writer of
    the stream takes (appending without it can deadlock with a page batch being written)."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("SELECT 1 FROM parsequeue WHERE crawl_id = $1 FOR UPDATE", event.crawl_id)  # type: ignore[attr-defined]
        await streams.append(conn, ev.crawl_stream(event.crawl_id), [event])  # type: ignore[attr-defined]


async def test_crash_mid_crawl_then_resume_stores_every_page_once(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    generated_site(site, 300, links=5)
    first = await request_crawl(pool, url=site.url("/"), use_sitemaps=False, concurrency=4)
    listener, appended = await _committed_batch(pool)
    try:
        task = asyncio.create_task(run_crawl(first))
        for _ in range(3):  # let a few batches commit, then kill the attempt mid-flight
            appended.clear()
            await asyncio.wait_for(appended.wait(), 20)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    finally:
        await _unlisten(pool, listener)
    partial = len(await pages(pool, first))
    assert 0 < partial < 301

    second = await start_attempt(pool, first.crawl_id, first.settings, attempt=2, worker="worker-two")
    async with pool.acquire() as conn, conn.transaction():
        with pytest.raises(LeaseLost):  # the crashed worker, were it alive, can no longer write
            await assert_lease(conn, first)
    await run_crawl(second)
    await _assert_each_page_once(pool, second, 301)


async def test_pause_stops_within_a_second_and_resume_completes(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    generated_site(site, 60, links=3)
    requested = asyncio.Event()

    async def slow(request: web.Request) -> web.StreamResponse:
        requested.set()
        await asyncio.sleep(5)  # a page that takes long: pause must not wait for it
        return web.Response(text="<p>slow</p>", content_type="text/html")

    site.handler("/p/7", slow)
    job = await request_crawl(pool, url=site.url("/"), use_sitemaps=False, concurrency=2, max_rps=50)
    task = asyncio.create_task(run_crawl(job))
    await asyncio.wait_for(requested.wait(), 20)
    await _as_the_api(pool, ev.CrawlPaused(crawl_id=job.crawl_id))  # POST /pause
    stopped_at = time.monotonic()
    job.request_stop("paused")  # what the claim loop does on the control NOTIFY
    await asyncio.wait_for(task, 5)
    assert time.monotonic() - stopped_at < 1.0
    paused_pages = len(await pages(pool, job))
    assert paused_pages < 61

    async with pool.acquire() as conn:  # POST /resume, then a worker claims it again
        await streams.append(conn, ev.crawl_stream(job.crawl_id), [ev.CrawlResumed(crawl_id=job.crawl_id)])
    resumed = await start_attempt(pool, job.crawl_id, job.settings, attempt=2)
    site.page("/p/7", "<p>fast now</p>")
    site.handler("/p/7", lambda request: _fast(request))
    await run_crawl(resumed)
    await _assert_each_page_once(pool, resumed, 61)


async def _fast(request: web.Request) -> web.StreamResponse:
    return web.Response(text="<p>fast now</p>", content_type="text/html")


async def test_cancel_stops_promptly_without_storing_more(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    generated_site(site, 500, links=5)
    job = await request_crawl(pool, url=site.url("/"), use_sitemaps=False, max_rps=20, concurrency=2)
    task = asyncio.create_task(run_crawl(job))
    listener, appended = await _committed_batch(pool)
    try:
        await asyncio.wait_for(appended.wait(), 20)
    finally:
        await _unlisten(pool, listener)
    await _as_the_api(pool, ev.CrawlCancelled(crawl_id=job.crawl_id))  # POST /cancel
    stopped_at = time.monotonic()
    job.request_stop("cancelled")
    await asyncio.wait_for(task, 5)
    assert time.monotonic() - stopped_at < 1.0
    count = len(await pages(pool, job))
    assert count < 100
    requests_then = len(site.requests)
    await asyncio.sleep(0.3)  # nothing keeps fetching in the background after run_crawl returned
    assert len(site.requests) == requests_then
