"""How a crawl answers the requests of the pages it renders: guarded, robots-checked, polite, cached.

Every request a rendered page makes (scripts, styles, XHR/fetch, frames, each redirect hop) comes
here: the crawl's own HTTP session makes it, so the SSRF guard judges the address DNS returned
on every connection, robots.txt of the resource's host is read and obeyed (a disallowed resource
is refused and recorded, as Google's renderer does), and the host's politeness gate spaces the
requests like any page fetch. Scripts and styles answered 200 are kept in a small per-crawl
cache (most pages of a site share them), so rendering a site costs about one request per page
more than crawling it raw, not one per resource.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from dataclasses import dataclass

import aiohttp

from services.worker.crawl.politeness import Politeness
from services.worker.fetch import fetcher
from services.worker.render.renderer import Answer, Refusal, SubRequest
from shared import netguard

CACHE_BYTES = 32 * 1024 * 1024
CACHE_ENTRY_BYTES = 2 * 1024 * 1024
CACHED_TYPES = frozenset({"script", "stylesheet", "image", "font", "media"})
_ROBOTS = "disallowed by robots.txt"
_REFUSED_PREFIX = "refused "  # how the fetcher words an address the SSRF guard refused


@dataclass
class _Cached:
    answer: Answer
    size: int


class Subresources:
    """The answers of one crawl attempt's rendered pages (``fetch`` is the renderer's ``Fetch``)."""

    def __init__(
        self, session: aiohttp.ClientSession, politeness: Politeness, *, allow_private: bool = False,
        allowlist: netguard.Allowlist = (), cache_bytes: int = CACHE_BYTES,
    ) -> None:  # fmt: skip
        self.session = session
        self.politeness = politeness
        self.allow_private = allow_private
        self.allowlist = allowlist
        self._hosts: dict[str, asyncio.Future[str | None]] = {}  # origin -> why the guard refuses it
        self.cache_bytes = cache_bytes
        self._cache: OrderedDict[str, _Cached] = OrderedDict()
        self._cached_bytes = 0
        self._pending: dict[str, asyncio.Future[Answer | Refusal]] = {}
        self.fetched = 0
        self.cache_hits = 0

    async def _guard(self, url: str) -> str | None:
        """Why the SSRF guard refuses ``url``'s host (judged once per host; every connection is
        checked again by the session's connector), or None. Asked before robots.txt, so a private
        host is neither sent a robots.txt request nor reported as disallowed by one."""
        origin = url.split("/", 3)[:3]
        key = "/".join(origin)
        known = self._hosts.get(key)
        if known is None:
            known = self._hosts[key] = asyncio.ensure_future(
                netguard.check_url(url, allow_private=self.allow_private, allowlist=self.allowlist, timeout=5.0)
            )
        return await asyncio.shield(known)

    async def _judge(self, url: str) -> Refusal | None:
        """Why ``url`` may not be requested (a host the guard refuses, robots.txt), or None."""
        refused = await self._guard(url)
        if refused is not None:
            return Refusal(f"refused: {refused}")
        rules = await self.politeness.robots_now(url)
        if rules.allowed(url):
            return None
        if rules.outcome == "unavailable":
            return Refusal(f"robots.txt unavailable ({rules.reason})", robots=True)
        return Refusal(_ROBOTS, robots=True)

    async def _follow(self, target: str) -> str | None:
        refusal = await self._judge(target)
        return None if refusal is None else refusal.reason

    async def fetch(self, request: SubRequest) -> Answer | Refusal:
        """The answer to ``request``, or why there is none."""
        cacheable = request.method == "GET" and request.resource_type in CACHED_TYPES
        if not cacheable:
            return await self._fetch(request)
        cached = self._cache.get(request.url)
        if cached is not None:
            self._cache.move_to_end(request.url)
            self.cache_hits += 1
            return cached.answer
        pending = self._pending.get(request.url)
        if pending is not None:  # another page asked for the same script a moment ago
            self.cache_hits += 1
            return await asyncio.shield(pending)
        future: asyncio.Future[Answer | Refusal] = asyncio.get_running_loop().create_future()
        self._pending[request.url] = future
        try:
            answer = await self._fetch(request)
            future.set_result(answer)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody logs it as unhandled
            raise
        finally:
            self._pending.pop(request.url, None)
        if isinstance(answer, Answer) and answer.status == 200:
            self._keep(request.url, answer)
        return answer

    def _keep(self, url: str, answer: Answer) -> None:
        size = len(answer.body) + len(url)
        if size > CACHE_ENTRY_BYTES:
            return
        self._cache[url] = _Cached(answer, size)
        self._cached_bytes += size
        while self._cached_bytes > self.cache_bytes and self._cache:
            _, dropped = self._cache.popitem(last=False)
            self._cached_bytes -= dropped.size

    async def _fetch(self, request: SubRequest) -> Answer | Refusal:
        refusal = await self._judge(request.url)
        if refusal is not None:
            return refusal
        rules = await self.politeness.robots_now(request.url)
        if request.max_bytes <= 0:
            return Refusal("body over the page's byte limit")
        async with self.politeness.gate_for(request.url, rules):
            self.fetched += 1
            got = await fetcher.fetch(
                self.session,
                request.url,
                max_body_bytes=request.max_bytes,
                read_body=lambda _: True,
                body_after_redirects=True,
                follow=self._follow,
                method=request.method,
                headers=request.headers,
                data=request.body,
            )
        if got.stopped_at is not None:
            return Refusal(f"redirect to {got.final_url}: {got.stopped_at}", robots=got.stopped_at == _ROBOTS)
        if got.error is not None:
            blocked = got.error.startswith((_REFUSED_PREFIX, "body over", "decompressed body over"))
            return Refusal(got.error, blocked=blocked)
        if got.status is None:
            return Refusal("no answer", blocked=False)
        return Answer(status=got.status, headers=list(got.headers.items()), body=got.body)
