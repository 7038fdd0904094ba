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
from collections.abc import AsyncIterator, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import aiohttp
import structlog

from services.worker.crawl import batches, frontier, login, politeness, resources, sitefiles
from services.worker.extract import records
from services.worker.fetch import fetcher, robots, sitemaps, urlrules, urls
from services.worker.fetch.credentials import SiteCredentials
from services.worker.job import CrawlError, CrawlJob, LeaseLost, append, assert_lease
from shared import netguard, vault
from shared.audit import audit
from shared.eventlog import events as ev
from shared.model.crawlauth import Credentials
from shared.model.pages import PageRecord
from shared.model.sitefiles import SitemapFile
from shared.model.sites import origin_of
from shared.model.userinput import STORED
from shared.platform import cpupool

if TYPE_CHECKING:  # Playwright is imported only by crawls that render (the "render" extra)
    from services.worker.render.browser import Browser
    from services.worker.render.session import RenderSession

log = structlog.get_logger(__name__)

_ANALYZE = "ANALYZE pages, links, issues, frontier"

SITEMAP_SEED_LIMIT = 200_000  # URLs taken from sitemaps, whatever max_pages says (memory)
# A site-wide audit pass (near duplicates) works on every page at once: bounds of its own.
AUDIT_TASK_SECONDS = 600.0
AUDIT_TASK_MEMORY_MB = 2048


@dataclass
class Work:
    """What the crawl loop has going: URLs to fetch, fetches in flight, at most one claim and one flush."""

    claim_size: int
    pending: deque[frontier.Entry] = field(default_factory=deque)
    in_flight: set[asyncio.Task[None]] = field(default_factory=set)
    claiming: asyncio.Task[list[frontier.Entry]] | None = None
    claim_generation: int = 0  # flushes committed when the running claim started
    flushing: asyncio.Task[int] | None = None
    flushes: int = 0  # a claim that came back short means "empty" only if no flush committed since
    frontier_empty: bool = False
    # URLs reached by links first; URLs known only from sitemaps once no link can reach them any
    # more (a link found first gives a sitemap URL its real depth).
    below_depth: int = frontier.SITEMAP_DEPTH

    def idle(self) -> bool:
        return not self.in_flight and not self.pending and self.claiming is None

    def tasks(self) -> set[asyncio.Task[Any]]:
        return {*self.in_flight, *(t for t in (self.claiming, self.flushing) if t is not None)}

    def settle(self, done: Iterable[asyncio.Future[Any]]) -> None:
        """Take the results of finished tasks (a failed one raises here, ending the crawl)."""
        for task in done:
            if task is self.claiming:
                claimed = self.claiming.result()
                self.claiming = None
                self.frontier_empty = len(claimed) < self.claim_size and self.claim_generation == self.flushes
                self.pending.extend(claimed)
            elif task is self.flushing:
                self.flushing.result()
                self.flushing = None
                self.flushes += 1
                self.frontier_empty = False  # the batch may have queued new URLs
            else:
                self.in_flight.discard(task)  # type: ignore[arg-type]
                task.result()


class Crawl:
    """One attempt at one crawl."""

    def __init__(
        self, job: CrawlJob, session: aiohttp.ClientSession, browser: Browser | None = None,
        credentials: SiteCredentials | None = None,
    ) -> None:  # fmt: skip
        self.job = job
        self.settings = job.settings
        self.session = session
        self.scope = urls.Scope(
            urls.normalize(job.settings.url) or job.settings.url,
            include_subdomains=job.settings.include_subdomains,
            include=job.settings.include,
            exclude=job.settings.exclude,
        )
        self.rewriter = urlrules.Rewriter(job.settings.url_rules)
        self._url_rules = job.settings.url_rules.model_dump_json()  # the pool's processes compile their own
        self.cache = frontier.KnownCache()
        self.batch = batches.Batch()
        self.counters = batches.Counters()
        self.cap = job.settings.concurrency * (1 if job.settings.mode == "spider" else 4)
        self.log = log.bind(crawl_id=str(job.crawl_id), attempt=job.attempt)
        self.politeness = politeness.Politeness(session, job.settings, self.log)
        self.checker = resources.ResourceChecker(session, self.politeness, job.settings, self.log)
        self.sitemap_answers: sitefiles.SitemapAnswers = {}  # what each sitemap URL answered (the report)
        self.sitemap_files: list[SitemapFile] = []  # every sitemap file read and what came of it (the report)
        self.rendering: RenderSession | None = None
        self.login: login.FormLogin | None = None
        if credentials is not None and credentials.form is not None:
            self.login = login.FormLogin(session, credentials, job.cpu, self.log)
        if browser is not None:
            from services.worker.render.session import RenderSession

            self.rendering = RenderSession(browser, session, self.politeness, job.settings, job.config)

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
        generation = self.login.credentials.generation if self.login is not None else 0
        got = await self.fetch_page(entry.url, rules)
        if self.login is not None:
            got = await self.logged_in(entry.url, rules, got, generation)
        page, leads = await self.record(entry, got)
        if self.rendering is not None and page.status_code == 200 and got.needs_parsing():
            page, rendered_leads = await self.render(page, got)
            leads += rendered_leads
        self.batch.add(page, self.discoveries(page, leads, entry))
        self.checker.offer(page)

    async def fetch_page(self, url: str, rules: robots.Robots) -> fetcher.Fetched:
        async with self.politeness.gate_for(url, rules):
            return await fetcher.fetch(
                self.session,
                url,
                max_body_bytes=self.settings.max_body_bytes,
                follow=self._follow if self.settings.mode == "spider" else None,
                recheck_slow_ms=self.settings.thresholds.slow_response_ms,
            )

    async def logged_in(self, url: str, rules: robots.Robots, got: fetcher.Fetched, generation: int) -> fetcher.Fetched:
        """``got``, or when the session had ended (a redirect to the login page) the page fetched again after
        logging in (once for all the pages that noticed; twice at most for one page, as concurrent pages
        may use a short session up before this one is asked again)."""
        assert self.login is not None
        tries = 0
        while self.login.sent_to_login(url, got) and tries < login.RETRIES_PER_PAGE:
            await self.login.again(generation)
            generation = self.login.credentials.generation
            got = await self.fetch_page(url, rules)
            tries += 1
        if tries:
            self.login.outcome(self.login.sent_to_login(url, got))
        return got

    async def check_resource(self, url: str) -> None:
        """One resource check (started with ``checker.start``); its answer joins the batch being filled."""
        try:
            self.batch.add_resources([await self.checker.check(url)])
        finally:
            self.checker.running -= 1

    async def record(self, entry: frontier.Entry, got: fetcher.Fetched) -> tuple[PageRecord, list[str]]:
        """The page's record. Parsing hostile HTML runs in the CPU pool, bounded; the loop only waits.

        A page past the pool's time or memory bound is recorded with that reason as its error.
        """
        if not got.needs_parsing():
            return records.build(entry, got, self.scope.is_internal, self.rewriter)  # copies fields: no parse
        try:
            built = await self.job.cpu.run(
                records.build_isolated, entry, got.portable(), self.scope.start_url, self.scope.include_subdomains,
                self._url_rules, tuple(self.settings.extraction),
            )  # fmt: skip
            return records.received(built)
        except cpupool.TaskFailed as exc:
            self.log.warning("extraction stopped", url=entry.url, reason=exc.reason)
            failed = records.failed(got, f"extraction {exc.reason}")
            return records.build(entry, failed, self.scope.is_internal, self.rewriter)

    async def render(self, page: PageRecord, got: fetcher.Fetched) -> tuple[PageRecord, list[str]]:
        """Render the page from its raw bytes; the rendered DOM is extracted like the raw one, in the CPU pool."""
        assert self.rendering is not None
        sketches = page._sketches  # near duplicates compare the raw HTML's text
        rendering = await self.rendering.render(got)
        try:
            built = await self.job.cpu.run(
                records.render_isolated, page.model_dump(), got.portable(), rendering, self.scope.start_url,
                self.scope.include_subdomains, self._url_rules, tuple(self.settings.extraction),
            )  # fmt: skip
            page, leads = records.received(built)
        except cpupool.TaskFailed as exc:
            self.log.warning("extraction of the rendered page stopped", url=page.url, reason=exc.reason)
            rendering.error, rendering.html = f"extraction of the rendered DOM {exc.reason}", None
            leads = records.with_rendering(page, got, rendering, None)  # no DOM to parse: the raw page stays
        page._sketches = sketches
        failed = page.rendered is None or page.rendered.render_error is not None
        self.job.metrics.pages_rendered.labels(outcome="failed" if failed else "rendered").inc()
        return page, leads

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
        self.sitemap_answers[url] = (got.status, got.error)
        return got.status, got.body, got.error

    async def _parse_sitemap(self, body: bytes) -> sitemaps.Parsed:
        """A sitemap parsed in the CPU pool; past the pool's bounds it is a sitemap with that error."""
        try:
            return await self.job.cpu.run(sitemaps.parse, body)
        except cpupool.TaskFailed as exc:
            return sitemaps.Parsed("urlset", error=f"parsing {exc.reason}")

    async def seed(self, start: str) -> None:
        """First attempt: the start URL (or the list), then sitemap URLs, in one transaction."""
        limit = self.settings.max_pages
        found: list[frontier.Discovered] = []
        sitemap_urls: list[str] = []
        if self.settings.mode == "list":
            for raw in self.settings.urls:
                url = self._rewritten(urls.normalize(raw))
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
        files = await sitefiles.read(self.session, self.politeness, start, self.sitemap_answers, self.sitemap_files)
        async with self.job.pool.acquire() as conn, conn.transaction():
            await assert_lease(conn, self.job)
            await frontier.add(conn, self.job.crawl_id, found, room=limit, cache=self.cache)
            if sitemap_urls:  # the start URL may be listed too
                await frontier.mark_in_sitemap(conn, self.job.crawl_id, sitemap_urls[:1000])
            sitemap_count = len(sitemap_urls) if self._read_sitemaps else None
            await append(conn, self.job, [ev.SiteFilesRead(crawl_id=self.job.crawl_id, files=files,
                                                           sitemap_urls=sitemap_count)])  # fmt: skip

    @property
    def _read_sitemaps(self) -> bool:
        return (
            self.settings.mode == "spider"
            and self.settings.use_sitemaps
            and (self.settings.max_depth is None or self.settings.max_depth >= 1)
        )

    def _rewritten(self, url: str | None) -> str | None:
        """A seed URL after the crawl's URL rules (links are rewritten where they are extracted)."""
        return None if url is None else self.rewriter.apply(url).url

    async def sitemap_seeds(self, start: str, limit: int) -> list[str]:
        rules = await self.politeness.robots_for(start)
        parts = urlsplit(start)
        robots_roots = [u for u in (urls.normalize(s) for s in rules.sitemaps) if u is not None]
        roots = [*robots_roots, f"{parts.scheme}://{parts.netloc}/sitemap.xml"]
        seeds: dict[str, None] = {}
        reports: list[sitemaps.Report] = []
        submitted = set(roots)  # robots.txt's Sitemap: lines may name sitemaps on other hosts
        async for locs in sitemaps.discover(
            self._sitemap_body,
            list(dict.fromkeys(roots)),
            parse_with=self._parse_sitemap,
            cross_submitted=submitted.__contains__,
            reports=reports,
        ):
            for loc in locs:
                url = self._rewritten(urls.normalize(loc))
                if url is not None and self.scope.allows(url) and urls.trap_reason(url) is None:
                    seeds[url] = None
            if len(seeds) >= limit:
                break
        for report in reports:
            if report.error is not None:
                self.log.info("sitemap not fully read", sitemap=report.url, status=report.status, error=report.error)
        # The reasons go into the crawl's robots.txt report (GET /api/crawls/{id}/robots) and its audit.
        self.sitemap_files = sitefiles.sitemap_files(reports, set(robots_roots))
        self.log.info("sitemaps read", urls=len(seeds), files=len(reports))
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
        start = self._rewritten(urls.normalize(self.settings.url))
        if start is None:
            raise CrawlError(f"the start URL {self.settings.url!r} is not a valid http(s) URL")
        reason = await netguard.check_url(
            start, allow_private=job.config.allow_private_networks, allowlist=job.config.private_allowlist
        )
        if reason is not None:
            # A name that does not resolve may resolve later (DNS hiccup); a private address will not.
            transient = "does not resolve" in reason
            raise CrawlError(f"refused to crawl {start}: {reason}", retryable=transient)
        if self.settings.proxy is not None:
            reason = await netguard.check_url(self.settings.proxy, allow_private=job.config.allow_private_networks)
            if reason is not None:
                raise CrawlError(
                    f"refused the proxy {self.settings.proxy}: {reason}", retryable="does not resolve" in reason
                )
        if self.login is not None:
            await self.login.log_in()  # before the first request of the crawl proper (robots.txt included)
        async with job.pool.acquire() as conn, conn.transaction():
            await assert_lease(conn, job)
            requeued = await frontier.requeue_in_progress(conn, job.crawl_id)
            self.counters = await batches.load_counters(conn, job)
            if self.counters.pages_crawled and self.checker.enabled:
                await self.checker.resume(conn, job.crawl_id)
        self.log.info("crawl attempt starting", resumed=self.counters.pages_discovered > 0, requeued=requeued)
        if self.counters.pages_discovered == 0:
            if not await _unless_stopped(job, self.seed(start)):
                return
            async with job.pool.acquire() as conn:
                self.counters.pages_discovered = await frontier.count(conn, job.crawl_id)
        if await self.loop():
            # A pause or cancel during the site-wide audit stops it at once (its pool task is killed).
            await _unless_stopped(job, self.finish())

    async def loop(self) -> bool:
        """Crawl until the frontier is exhausted (True) or ``job.stop`` is set (False).

        Claims and flushes run as background tasks so that fetching never waits for the
        database; at most one of each is running at a time (``Work``).
        """
        job = self.job
        work = Work(claim_size=max(4 * self.cap, 32))
        stop = asyncio.ensure_future(job.stop.wait())
        try:
            while not job.stop.is_set():
                self._start_claim(work)
                self._start_fetches(work)
                self._start_flush(work)
                if self._idle(work) and work.flushing is None and work.frontier_empty and not self.batch.waiting:
                    if work.below_depth > frontier.SITEMAP_DEPTH:
                        return True
                    # Every URL links reach is done: now the URLs known only from sitemaps.
                    work.below_depth, work.frontier_empty = frontier.SITEMAP_DEPTH + 1, False
                    continue
                done, _ = await asyncio.wait(
                    work.tasks() | {stop},
                    timeout=self.batch.seconds_left() if work.flushing is None else None,
                    return_when=asyncio.FIRST_COMPLETED,
                )
                work.settle(done - {stop})
            await self._wind_down(work)
            return False
        finally:
            stop.cancel()
            await _cancel(work.tasks())

    def _start_claim(self, work: Work) -> None:
        """Claim more URLs while the queue of URLs to fetch runs low (one claim at a time)."""
        if work.claiming is None and not work.frontier_empty and len(work.pending) < 2 * self.cap:
            work.claiming = asyncio.create_task(self.claim(work.claim_size, work.below_depth))
            work.claim_generation = work.flushes

    def _start_fetches(self, work: Work) -> None:
        # Backpressure: while the database lags, finished pages wait in memory; cap them.
        while work.pending and len(work.in_flight) < self.cap and not self.batch.full():
            work.in_flight.add(asyncio.create_task(self.visit(work.pending.popleft())))
        # Resource checks run beside the pages, as many again at most; the host gates they pass keep
        # each host's rate and concurrency whatever the mix.
        while self.checker.queue and self.checker.running < self.cap and not self.batch.full():
            work.in_flight.add(asyncio.create_task(self.check_resource(self.checker.start())))

    def _idle(self, work: Work) -> bool:
        """Nothing claimed, fetched or checked is under way."""
        return work.idle() and self.checker.idle()

    def _start_flush(self, work: Work) -> None:
        """Store the batch when it is due, or when nothing else is left to do (one flush at a time)."""
        last = self._idle(work) and work.frontier_empty and self.batch.waiting
        if work.flushing is None and (self.batch.due() or last):
            work.flushing = asyncio.create_task(self.flush())

    async def _wind_down(self, work: Work) -> None:
        """``job.stop`` was set: drop the fetches, let a flush in progress finish, keep work on shutdown."""
        self.log.info("crawl stopping", reason=self.job.stop_reason, in_flight=len(work.in_flight))
        await _cancel(work.in_flight)
        if work.claiming is not None:
            await _cancel({work.claiming})
        if work.flushing is not None:
            with contextlib.suppress(LeaseLost):
                await work.flushing  # a batch being written finishes (or finds the lease gone)
        if self.job.stop_reason == "shutdown" and self.batch.waiting:
            await self.flush(force_progress=True)  # keep what was done; the next worker resumes

    async def _audit(self, function: Callable[..., Any], *args: Any) -> Any:
        """An audit pass in the CPU pool, with room for a whole site (not one page's bounds)."""
        return await self.job.cpu.run_bounded(
            function, args, timeout=AUDIT_TASK_SECONDS, memory_mb=max(self.job.cpu.memory_mb, AUDIT_TASK_MEMORY_MB)
        )

    async def finish(self) -> None:
        """The frontier is exhausted: a last progress event, then the site-wide audit."""
        await self.flush(force_progress=True)
        async with self.job.pool.acquire() as conn:
            # The crawl just wrote thousands of rows; the site-wide audit's joins get nested-loop
            # plans from stale statistics (measured: 75 s instead of 0.2 s on a 2,000-page crawl).
            await conn.execute(_ANALYZE)
        # One connection reads (the rules stream their rows; no transaction is held while a CPU pass
        # runs in the pool), the other appends each bounded event in a short transaction as it comes:
        # memory stays flat, and the queue row is locked only for an append, so the audit's queries
        # do not hold back heartbeats and cancels.
        async with self.job.pool.acquire() as reader, self.job.pool.acquire() as writer:
            events = audit.site_events(reader, self.job.crawl_id, self.settings.thresholds, offload=self._audit)
            try:
                async for event in events:
                    async with writer.transaction():
                        await append(writer, self.job, [event])
            except cpupool.TaskFailed as exc:
                raise CrawlError(f"the site-wide audit could not finish: a pass {exc.reason}") from exc
        self.log.info("crawl finished", pages=self.counters.pages_crawled, rate=self.counters.rate)


async def _cancel(tasks: set[asyncio.Task[Any]]) -> None:
    for task in tasks:
        task.cancel()
    if tasks:
        await asyncio.gather(*tasks, return_exceptions=True)
    tasks.clear()


async def run_crawl(job: CrawlJob) -> None:
    """Crawl ``job.settings`` until the frontier is exhausted or ``job.stop`` is set."""
    limit = job.settings.concurrency * (1 if job.settings.mode == "spider" else 8) + 2
    credentials = await credentials_of(job)
    async with fetcher.new_session(
        user_agent=job.settings.user_agent,
        allow_private=job.config.allow_private_networks,
        allowlist=job.config.private_allowlist,
        limit=limit,
        timeout=job.settings.timeout_seconds,
        proxy=job.settings.proxy,
        credentials=credentials,
    ) as session:
        try:
            async with _browser_for(job) as browser:
                await Crawl(job, session, browser, credentials).run()
        except LeaseLost:
            log.warning("lease lost, stopping", crawl_id=str(job.crawl_id), reason=job.stop_reason)


async def credentials_of(job: CrawlJob) -> SiteCredentials | None:
    """The crawl's credentials, read from the vault (``settings.auth`` holds only their reference)."""
    auth = job.settings.auth
    if auth is None:
        return None
    origin = origin_of(job.settings.url)
    try:
        async with job.pool.acquire() as conn:
            box = await vault.load(conn, job.config.secret_key)
            values = await vault.read(conn, box, auth.secret_ref)
    except KeyError:
        raise CrawlError("the crawl's credentials are no longer stored (deleted with their site?)") from None
    except vault.VaultError as exc:
        raise CrawlError(f"the crawl's credentials cannot be read: {exc}") from None
    if values.get("origin") != origin:
        raise CrawlError(f"the crawl's credentials were given for {values.get('origin')}, not {origin}: not sent")
    return SiteCredentials(Credentials.model_validate_json(values["credentials"], context=STORED), origin)


@contextlib.asynccontextmanager
async def _browser_for(job: CrawlJob) -> AsyncIterator[Browser | None]:
    """The worker's browser for a rendering crawl (one of the crawl's own if the worker has none)."""
    if job.settings.render == "off":
        yield None
        return
    try:
        from services.worker.render import browser as chromium
    except ImportError as exc:
        raise CrawlError(
            f"rendering needs Chromium, and this worker lacks Playwright ({exc}); install the 'render' extra "
            "or run the worker image (docs/DEPLOY.md)"
        ) from exc
    own = chromium.Browser(job.config) if job.browser is None else None
    browser = job.browser or own
    assert browser is not None
    try:
        try:
            await browser.ensure_started()
        except chromium.BrowserUnavailable as exc:
            # A crawl that renders fails at once, with the reason, when there is nothing to render in.
            raise CrawlError(f"rendering needs Chromium: {exc}", retryable=not exc.missing) from exc
        yield browser
    finally:
        if own is not None:
            await own.close()


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
