"""Politeness per host: robots.txt (read once per host per attempt) and a gate that spaces requests.

A host gets at most ``concurrency`` requests at once, started at least ``1 / max_rps`` seconds
apart, or the robots.txt crawl-delay when that is longer. The state lives in the attempt (one
crawl, one worker); when many workers share a crawl this is the room where a shared, database-
backed limit goes.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import urlsplit

import aiohttp

from services.worker.fetch import fetcher, robots, urls
from shared.model.crawlsettings import CrawlSettings


class HostGate:
    """Politeness for one host: at most ``concurrency`` requests at once, spaced by the rate limit."""

    def __init__(self, concurrency: int, interval: float) -> None:
        self.semaphore = asyncio.Semaphore(concurrency)
        self.interval = interval
        self._next = 0.0

    async def __aenter__(self) -> None:
        await self.semaphore.acquire()
        loop = asyncio.get_running_loop()
        now = loop.time()
        start = max(now, self._next)
        self._next = start + self.interval
        if start > now:
            try:
                await asyncio.sleep(start - now)
            except BaseException:
                self.semaphore.release()
                raise

    async def __aexit__(self, *exc: object) -> None:
        self.semaphore.release()


class Politeness:
    """The robots rules and request gates of every host one crawl attempt talks to."""

    def __init__(self, session: aiohttp.ClientSession, settings: CrawlSettings, log: Any) -> None:
        self.session = session
        self.settings = settings
        self.log = log
        self.robots: dict[str, robots.Robots | asyncio.Future[robots.Robots]] = {}
        self.gates: dict[str, HostGate] = {}

    async def robots_for(self, url: str) -> robots.Robots:
        """The robots rules of ``url``'s host, fetched once per host per attempt."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        known = self.robots.get(origin)
        if isinstance(known, robots.Robots):
            return known
        if known is not None:
            return await known
        future: asyncio.Future[robots.Robots] = asyncio.get_running_loop().create_future()
        self.robots[origin] = future
        ua = self.settings.user_agent
        try:
            if not self.settings.respect_robots:
                rules = robots.allow_all(ua, "robots.txt not consulted")
            else:
                got = await fetcher.fetch(
                    self.session, origin + "/robots.txt", max_body_bytes=robots.MAX_ROBOTS_BYTES * 2,
                    read_body=lambda _: True, max_redirects=5, body_after_redirects=True,
                )  # fmt: skip
                if got.error and got.error.startswith("body over"):
                    got.error, got.body = None, b""  # an oversized robots.txt: read what the cap allows
                rules = robots.from_response(ua, got.status, got.body, got.error)
                if got.chain and got.status is not None and got.status >= 300 and got.status < 400:
                    rules = robots.allow_all(ua, "robots.txt redirects too far")
        except BaseException:
            self.robots.pop(origin, None)
            future.cancel()
            raise
        self.robots[origin] = rules
        future.set_result(rules)
        self.log.info("robots.txt read", origin=origin, rules=rules.reason, crawl_delay=rules.crawl_delay)
        return rules

    def gate_for(self, url: str, rules: robots.Robots) -> HostGate:
        """The gate of ``url``'s host (its interval honours the host's crawl-delay)."""
        host = urls.host_of(url)
        gate = self.gates.get(host)
        if gate is None:
            interval = max(1.0 / self.settings.max_rps, rules.crawl_delay or 0.0)
            gate = self.gates[host] = HostGate(self.settings.concurrency, interval)
        return gate
