"""The crawl body: claim URLs from the frontier, fetch them politely, store pages in batches.

``run_crawl(job)`` is what the claim loop awaits. It returns when the frontier is exhausted or
as soon as ``job.stop`` is set; it raises ``CrawlError`` when the crawl cannot run at all (a
refused start URL). Pages in flight when it stops are not stored: their frontier rows stay
``in_progress`` and the next attempt queues them again.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Coroutine
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import structlog

from services.worker.crawl import batches, frontier, politeness
from services.worker.extract import records
from services.worker.fetch import fetcher, sitemaps, urls
from services.worker.job import CrawlError, CrawlJob, LeaseLost, assert_lease
from shared import netguard
from shared.audit import audit
from shared.model.pages import PageRecord

log = structlog.get_logger(__name__)

_ANALYZE = "ANALYZE pages, links, issues, frontier"

SITEMAP_SEED_LIMIT = 200_000  # URLs taken from sitemaps, whatever max_pages says (memory)


class Crawl:
    """One attempt at one crawl."""

    def __init__(self, job: CrawlJob, session: aiohttp.ClientSession) -> None:
        self.job = job
        self.settings = job.settings
        self.session = session
        self.scope = urls.Scope(
            urls.normalize(job.settings.url) or job.settings.url,
            include_subdomains=job.settings.include_subdomains,
            include=job.settings.include,
            exclude=job.settings.exclude,
        )
        self.cache = frontier.KnownCache()
        self.batch = batches.Batch()
        self.counters = batches.Counters()
        self.cap = job.settings.concurrency * (1 if job.settings.mode == "spider" else 4)
        self.log = log.bind(crawl_id=str(job.crawl_id), attempt=job.attempt)
        self.politeness = politeness.Politeness(session, job.settings, self.log)

    # --- one URL -----------------------------------------------------------------------------

    async def _follow(self, target: str) -> str | None:
        """Which redirect hops the fetcher takes: in scope and allowed by robots.txt only.

        A hop not taken is recorded as where the chain pointed; the target is a page of its own.
        """
        if not self.scope.allows(target):
            return "out of scope"
        if not (await self.politeness.robots_for(target)).allowed(target):
            return "blocked by robots.txt"
        return None

    async def visit(self, entry: frontier.Entry) -> None:
        """Fetch one claimed URL (or record it as blocked) and put the record in the batch."""
        rules = await self.politeness.robots_for(entry.url)
        if not rules.allowed(entry.url):
            reason = "blocked by robots.txt" if rules.parsed is not None else f"blocked: {rules.reason}"
            self.batch.add(records.blocked(entry, reason), [])
            return
        async with self.politeness.gate_for(entry.url, rules):
            got = await fetcher.fetch(
                self.session,
                entry.url,
                max_body_bytes=self.settings.max_body_bytes,
                follow=self._follow if self.settings.mode == "spider" else None,
            )
        try:
            page, leads = records.build(entry, got, self.scope.is_internal)
        except Exception as exc:  # a parser surprise is a recorded outcome, not a dead crawl
            self.log.exception("extraction failed", url=entry.url)
            page, leads = records.build(entry, _failed(got, f"extraction failed: {exc}"), self.scope.is_internal)
        self.batch.add(page, self.discoveries(page, leads, entry))

    def discoveries(self, page: PageRecord, leads: list[str], entry: frontier.Entry) -> list[frontier.Discovered]:
        if self.settings.mode != "spider":
            return []
        depth = page.depth + 1
        if self.settings.max_depth is not None and depth > self.settings.max_depth:
            return []
        found = []
        for url in dict.fromkeys(leads):
            if url == entry.url or url in self.cache:  # known to the frontier: nothing to check
                continue
            if not self.scope.allows(url) or urls.trap_reason(url) is not None:
                continue
            found.append(frontier.Discovered(url=url, depth=depth, referrer=entry.url))
        return found

    # --- seeding -----------------------------------------------------------------------------

    async def _sitemap_body(self, url: str) -> tuple[int | None, bytes, str | None]:
        if not (await self.politeness.robots_for(url)).allowed(url):
            return None, b"", "blocked by robots.txt"  # as for Google: a disallowed sitemap is not read
        got = await fetcher.fetch(
            self.session,
            url,
            max_body_bytes=sitemaps.MAX_SITEMAP_BYTES,
            read_body=lambda _: True,
            max_redirects=5,
            body_after_redirects=True,
        )
        return got.status, got.body, got.error

    async def seed(self, start: str) -> None:
        """First attempt: the start URL (or the list), then sitemap URLs, in one transaction."""
        limit = self.settings.max_pages
        found: list[frontier.Discovered] = []
        sitemap_urls: list[str] = []
        if self.settings.mode == "list":
            for raw in self.settings.urls:
                url = urls.normalize(raw)
                if url is not None:
                    found.append(frontier.Discovered(url=url, depth=0, referrer=None))
        else:
            found.append(frontier.Discovered(url=start, depth=0, referrer=None))
            if self.settings.use_sitemaps and (self.settings.max_depth is None or self.settings.max_depth >= 1):
                sitemap_urls = await self.sitemap_seeds(start, min(limit, SITEMAP_SEED_LIMIT))
                found.extend(
                    frontier.Discovered(url=u, depth=frontier.SITEMAP_DEPTH, referrer=None, in_sitemap=True)
                    for u in sitemap_urls
                )
        async with self.job.pool.acquire() as conn, conn.transaction():
            await assert_lease(conn, self.job)
            await frontier.add(conn, self.job.crawl_id, found, room=limit, cache=self.cache)
            if sitemap_urls:  # the start URL may be listed too
                await frontier.mark_in_sitemap(conn, self.job.crawl_id, sitemap_urls[:1000])

    async def sitemap_seeds(self, start: str, limit: int) -> list[str]:
        rules = await self.politeness.robots_for(start)
        parts = urlsplit(start)
        roots = [u for u in (urls.normalize(s) for s in rules.sitemaps) if u is not None]
        roots.append(f"{parts.scheme}://{parts.netloc}/sitemap.xml")
        seeds: dict[str, None] = {}
        async for locs in sitemaps.discover(self._sitemap_body, list(dict.fromkeys(roots)), log=self.log.info):
            for loc in locs:
                url = urls.normalize(loc)
                if url is not None and self.scope.allows(url) and urls.trap_reason(url) is None:
                    seeds[url] = None
            if len(seeds) >= limit:
                break
        self.log.info("sitemaps read", urls=len(seeds))
        return list(seeds)[:limit]

    # --- the loop ----------------------------------------------------------------------------

    async def claim(self, limit: int, below_depth: int) -> list[frontier.Entry]:
        async with self.job.pool.acquire() as conn, conn.transaction():
            await assert_lease(conn, self.job)
            return await frontier.claim(conn, self.job.crawl_id, limit, below_depth=below_depth)

    async def flush(self, *, force_progress: bool = False) -> int:
        room = self.settings.max_pages - self.counters.pages_discovered
        return await batches.flush(
            self.job, self.batch, self.counters, self.cache, room=room, force_progress=force_progress
        )

    async def run(self) -> None:
        job = self.job
        start = urls.normalize(self.settings.url)
        if start is None:
            raise CrawlError(f"the start URL {self.settings.url!r} is not a valid http(s) URL")
        reason = await netguard.check_url(start, allow_private=job.config.allow_private_networks)
        if reason is not None:
            # A name that does not resolve may resolve later (DNS hiccup); a private address will not.
            transient = "does not resolve" in reason
            raise CrawlError(f"refused to crawl {start}: {reason}", retryable=transient)
        async with job.pool.acquire() as conn, conn.transaction():
            await assert_lease(conn, job)
            requeued = await frontier.requeue_in_progress(conn, job.crawl_id)
            self.counters = await batches.load_counters(conn, job)
        self.log.info("crawl attempt starting", resumed=self.counters.pages_discovered > 0, requeued=requeued)
        if self.counters.pages_discovered == 0:
            if not await _unless_stopped(job, self.seed(start)):
                return
            async with job.pool.acquire() as conn:
                self.counters.pages_discovered = await frontier.count(conn, job.crawl_id)
        if await self.loop():
            await self.finish()

    async def loop(self) -> bool:
        """Crawl until the frontier is exhausted (True) or ``job.stop`` is set (False).

        Claims and flushes run as background tasks so that fetching never waits for the
        database; at most one of each is running at a time.
        """
        job = self.job
        pending: deque[frontier.Entry] = deque()
        in_flight: set[asyncio.Task[None]] = set()
        claiming: asyncio.Task[list[frontier.Entry]] | None = None
        claim_generation = 0
        flushing: asyncio.Task[int] | None = None
        flushes = 0  # a claim that came back short means "empty" only if no flush committed since
        frontier_empty = False
        claim_size = max(4 * self.cap, 32)
        # URLs reached by links first; URLs known only from sitemaps once no link can reach them
        # any more (a link found first gives a sitemap URL its real depth).
        below_depth = frontier.SITEMAP_DEPTH
        stop = asyncio.ensure_future(job.stop.wait())
        try:
            while not job.stop.is_set():
                if claiming is None and not frontier_empty and len(pending) < 2 * self.cap:
                    claiming, claim_generation = asyncio.create_task(self.claim(claim_size, below_depth)), flushes
                # Backpressure: while the database lags, finished pages wait in memory; cap them.
                while pending and len(in_flight) < self.cap and not self.batch.full():
                    in_flight.add(asyncio.create_task(self.visit(pending.popleft())))
                idle = not in_flight and not pending and claiming is None
                if flushing is None and (self.batch.due() or (idle and frontier_empty and self.batch.pages)):
                    flushing = asyncio.create_task(self.flush())
                if idle and flushing is None and frontier_empty and not self.batch.pages:
                    if below_depth > frontier.SITEMAP_DEPTH:
                        return True
                    below_depth, frontier_empty = frontier.SITEMAP_DEPTH + 1, False
                    continue
                background = {t for t in (claiming, flushing) if t is not None}
                done, _ = await asyncio.wait(
                    in_flight | background | {stop},
                    timeout=self.batch.seconds_left() if flushing is None else None,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                for task in done:
                    if task is stop:
                        continue
                    if task is claiming:
                        claimed = claiming.result()
                        claiming = None
                        frontier_empty = len(claimed) < claim_size and claim_generation == flushes
                        pending.extend(claimed)
                    elif task is flushing:
                        flushing.result()
                        flushing = None
                        flushes += 1
                        frontier_empty = False  # the batch may have queued new URLs
                    else:
                        in_flight.discard(task)  # type: ignore[arg-type]
                        task.result()
            self.log.info("crawl stopping", reason=job.stop_reason, in_flight=len(in_flight))
            await _cancel(in_flight)
            if claiming is not None:
                await _cancel({claiming})  # type: ignore[arg-type]
            if flushing is not None:
                with contextlib.suppress(LeaseLost):
                    await flushing  # a batch being written finishes (or finds the lease gone)
            if job.stop_reason == "shutdown" and self.batch.pages:
                await self.flush(force_progress=True)  # keep what was done; the next worker resumes
            return False
        finally:
            stop.cancel()
            await _cancel(in_flight)
            await _cancel({t for t in (claiming, flushing) if t is not None})  # type: ignore[arg-type]

    async def finish(self) -> None:
        """The frontier is exhausted: a last progress event, then the site-wide audit."""
        await self.flush(force_progress=True)
        async with self.job.pool.acquire() as conn:
            # The crawl just wrote thousands of rows; the site-wide audit's joins get nested-loop
            # plans from stale statistics (measured: 75 s instead of 0.2 s on a 2,000-page crawl).
            await conn.execute(_ANALYZE)
        async with self.job.pool.acquire() as conn, conn.transaction():
            events = await audit.finalize(conn, self.job.crawl_id, self.settings.thresholds)
            # The queue row only now, so the audit's queries do not hold back heartbeats and cancels.
            await assert_lease(conn, self.job)  # before the append: see batches.append
            if events:
                await batches.append(conn, self.job, list(events))
        self.log.info("crawl finished", pages=self.counters.pages_crawled, rate=self.counters.rate)


def _failed(got: fetcher.Fetched, reason: str) -> fetcher.Fetched:
    got.error, got.body = reason, b""
    return got


async def _cancel(tasks: set[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    tasks.clear()


async def run_crawl(job: CrawlJob) -> None:
    """Crawl ``job.settings`` until the frontier is exhausted or ``job.stop`` is set."""
    limit = job.settings.concurrency * (1 if job.settings.mode == "spider" else 8) + 2
    async with fetcher.new_session(
        user_agent=job.settings.user_agent,
        allow_private=job.config.allow_private_networks,
        limit=limit,
        timeout=job.settings.timeout_seconds,
    ) as session:
        try:
            await Crawl(job, session).run()
        except LeaseLost:
            log.warning("lease lost, stopping", crawl_id=str(job.crawl_id), reason=job.stop_reason)


async def _unless_stopped(job: CrawlJob, work: Coroutine[Any, Any, None]) -> bool:
    """Run ``work`` unless ``job.stop`` is set first (then cancel it). True when it completed."""
    task = asyncio.ensure_future(work)
    stop = asyncio.ensure_future(job.stop.wait())
    try:
        await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.cancel()
    if task.done():
        task.result()
        return True
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    return False
