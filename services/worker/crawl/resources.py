"""The resource checker: one polite request per URL per crawl for what pages load and link to.

Pages list their images, stylesheets, scripts and icon (``PageRecord.resources``); with
``check_external_links`` their external link targets count too, and an http page's host gets one
https probe (``http_no_https_redirect``). The checker requests each URL once per crawl: HEAD, or
GET when HEAD is refused or says nothing of the size (the body is counted, never kept, up to a cap),
following at most ``MAX_REDIRECTS`` redirects. Requests pass the same robots.txt rules, per-host
gates (rate, concurrency, crawl-delay) and SSRF-guarded session as page fetches.

The answers travel in the crawl's page batches as ``ResourcesChecked`` events (the ``resources``
projection). Nothing else is persisted: on resume, what stored pages reference and the projection
has no answer for is queued again (``resume``), so a crash loses no check and repeats none that
was committed.
"""

from __future__ import annotations

from collections import deque
from datetime import UTC, datetime

import aiohttp
import asyncpg
from yarl import URL

from services.worker.crawl import politeness as politeness_
from services.worker.fetch import fetcher, robots
from shared.audit.rules import resources as resource_rules
from shared.model.crawlsettings import CrawlSettings
from shared.model.pages import PageRecord
from shared.model.resources import ResourceCheck

MAX_REDIRECTS = 5
MAX_COUNTED_BYTES = 20 * 1024 * 1024  # a GET counts the body up to this, then stops reading
MAX_URLS_PER_CRAWL = 200_000  # memory bound of the "already seen" set
_CHUNK = 64 * 1024
_HEAD_REFUSED = frozenset({400, 403, 405, 406, 500, 501, 502, 503})  # servers that answer HEAD wrongly

# What stored pages reference and the projection has no answer for yet (for a resumed crawl).
_UNCHECKED = """
SELECT DISTINCT r->>'url' AS url FROM pages p CROSS JOIN LATERAL jsonb_array_elements(p.resources) r
WHERE p.crawl_id = $1 AND p.resources <> '[]'::jsonb
  AND NOT EXISTS (SELECT 1 FROM resources c WHERE c.crawl_id = $1 AND c.url = r->>'url')
"""
_UNCHECKED_LINKS = """
SELECT DISTINCT l.target_url AS url FROM links l
WHERE l.crawl_id = $1 AND NOT l.internal
  AND NOT EXISTS (SELECT 1 FROM resources c WHERE c.crawl_id = $1 AND c.url = l.target_url)
"""
_CHECKED = "SELECT url FROM resources WHERE crawl_id = $1"
_HTTP_PAGES = """SELECT url FROM pages WHERE crawl_id = $1 AND url LIKE 'http://%' AND status_code = 200
                 AND error IS NULL AND redirect_chain = '[]'::jsonb"""


class ResourceChecker:
    """The checks of one crawl attempt: a queue of URLs, the set already seen, the answers waiting."""

    def __init__(self, session: aiohttp.ClientSession, politeness: politeness_.Politeness,
                 settings: CrawlSettings, log: object) -> None:  # fmt: skip
        self.session = session
        self.politeness = politeness
        self.settings = settings
        self.log = log
        self.queue: deque[str] = deque()
        self.seen: set[str] = set()
        self.running = 0
        self.probes: set[str] = set()  # https probes: one HEAD to a host's root, not a crawl of it

    @property
    def enabled(self) -> bool:
        return self.settings.check_resources or self.settings.check_external_links

    def idle(self) -> bool:
        return not self.queue and not self.running

    def _offer(self, url: str) -> None:
        if url not in self.seen and len(self.seen) < MAX_URLS_PER_CRAWL:
            self.seen.add(url)
            self.queue.append(url)

    def offer(self, page: PageRecord) -> None:
        """Queue what ``page`` loads and links to that this crawl has not checked yet."""
        if self.settings.check_resources:
            for resource in page.resources:
                self._offer(resource.url)
            if page.url.startswith("http://") and page.status_code == 200 and not page.redirect_chain:
                probe = resource_rules.https_probe_url(page.url)
                if probe is not None:
                    self.probes.add(probe)
                    self._offer(probe)
        if self.settings.check_external_links:
            for link in page.links:
                if not link.internal:
                    self._offer(link.url)

    async def resume(self, conn: asyncpg.Connection, crawl_id: object) -> None:
        """A resumed attempt: what was checked is seen; what stored pages need and lacks is queued."""
        self.seen.update(row["url"] for row in await conn.fetch(_CHECKED, crawl_id))
        pending: list[str] = []
        if self.settings.check_resources:
            pending += [row["url"] for row in await conn.fetch(_UNCHECKED, crawl_id)]
            probes = {p for row in await conn.fetch(_HTTP_PAGES, crawl_id)
                      if (p := resource_rules.https_probe_url(row["url"])) is not None}  # fmt: skip
            self.probes |= probes
            pending += sorted(probes)
        if self.settings.check_external_links:
            pending += [row["url"] for row in await conn.fetch(_UNCHECKED_LINKS, crawl_id)]
        for url in pending:
            self._offer(url)

    def start(self) -> str:
        """The next URL to check, counted as running (the caller decrements ``running`` when done)."""
        self.running += 1
        return self.queue.popleft()

    async def check(self, url: str) -> ResourceCheck:
        if url in self.probes:
            # Does the host answer https at all: a connectivity check, like typing https:// in a browser,
            # so no robots.txt of that origin is read (on a host without TLS it would be retried for a
            # minute before giving up). The host's gate still spaces it.
            async with self.politeness.gate_for(url, robots.allow_all(self.settings.user_agent, "https probe")):
                return await probe(self.session, url)
        rules = await self.politeness.robots_for(url)
        if not rules.allowed(url):
            return ResourceCheck(url=url, error=resource_rules.BLOCKED, checked_at=datetime.now(UTC))
        async with self.politeness.gate_for(url, rules):
            return await probe(self.session, url)


async def _request(session: aiohttp.ClientSession, method: str, url: str) -> ResourceCheck:
    async with session.request(method, URL(url, encoded=True), allow_redirects=True,
                               max_redirects=MAX_REDIRECTS) as response:  # fmt: skip
        length = response.headers.get("Content-Length", "")
        size = int(length) if length.isdigit() else None
        if method == "GET" and size is None:
            size = 0
            async for chunk in response.content.iter_chunked(_CHUNK):
                size += len(chunk)
                if size > MAX_COUNTED_BYTES:
                    break
        return ResourceCheck(url=url, status_code=response.status, final_url=str(response.url),
                             content_type=(response.headers.get("Content-Type") or "")[:200] or None,
                             size_bytes=size, checked_at=datetime.now(UTC))  # fmt: skip


async def probe(session: aiohttp.ClientSession, url: str) -> ResourceCheck:
    """What ``url`` answers: HEAD first, GET when HEAD is refused or gives no size. Never raises for
    what a server does (errors become ``error``)."""
    try:
        head = await _request(session, "HEAD", url)
        if (
            head.status_code is not None
            and head.status_code not in _HEAD_REFUSED
            and (head.size_bytes is not None or head.status_code >= 300)
        ):
            return head
        return await _request(session, "GET", url)
    except aiohttp.TooManyRedirects:
        return ResourceCheck(url=url, error=f"more than {MAX_REDIRECTS} redirects", checked_at=datetime.now(UTC))
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError) as exc:
        return ResourceCheck(url=url, error=fetcher.describe(exc), checked_at=datetime.now(UTC))
