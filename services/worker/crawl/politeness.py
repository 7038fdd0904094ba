"""Politeness per host: robots.txt (read once per host per attempt, retried while it fails) and a gate
that spaces requests.

A host gets at most ``concurrency`` requests at once, started at least ``1 / max_rps`` seconds
apart, or the robots.txt crawl-delay when that is longer. The state lives in the attempt (one
crawl, one worker); when many workers share a crawl this is the room where a shared, database-
backed limit goes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
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


# robots.txt answering 5xx/429 or not at all means "disallow everything" until it answers. The
# URLs of that host wait while it is asked again after each of these pauses (seconds) ...
ROBOTS_RETRY_DELAYS: tuple[float, ...] = (2.0, 8.0, 30.0)
# ... then they are recorded as blocked, and robots.txt is asked again at most this often.
ROBOTS_RECHECK_SECONDS = 60.0
ROBOTS_MAX_REDIRECTS = 5  # RFC 9309 2.3.1.2 and Google: follow at least five hops


@dataclass
class _RobotsState:
    """One host's robots.txt: the latest answer, and when to ask again after a failure."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    rules: robots.Robots | None = None
    failures: int = 0
    retry_at: float = 0.0

    def due(self, now: float) -> bool:
        """Ask robots.txt (again): never asked, or unavailable and a retry is due or being waited for."""
        if self.rules is None:
            return True
        if self.rules.outcome != "unavailable":
            return False
        return self.failures <= len(ROBOTS_RETRY_DELAYS) or now >= self.retry_at


class Politeness:
    """The robots rules and request gates of every host one crawl attempt talks to."""

    def __init__(self, session: aiohttp.ClientSession, settings: CrawlSettings, log: Any) -> None:
        self.session = session
        self.settings = settings
        self.log = log
        self.token = robots.product_token(settings.user_agent)
        self.robots: dict[str, _RobotsState] = {}
        self.gates: dict[str, HostGate] = {}

    def robots_failures(self, url: str) -> int:
        """How many times robots.txt of ``url``'s host answered 5xx, 429 or not at all in this attempt."""
        parts = urlsplit(url)
        state = self.robots.get(f"{parts.scheme}://{parts.netloc}")
        return state.failures if state is not None else 0

    async def robots_for(self, url: str) -> robots.Robots:
        """The robots rules of ``url``'s host, fetched once per host per attempt.

        While robots.txt is unavailable (5xx, 429, unreachable) the host is disallowed; its URLs
        wait for the retries in ``ROBOTS_RETRY_DELAYS``, then count as blocked, and robots.txt is
        asked again every ``ROBOTS_RECHECK_SECONDS`` until it answers.
        """
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        state = self.robots.setdefault(origin, _RobotsState())
        loop = asyncio.get_running_loop()
        seen = state.rules
        if not state.due(loop.time()):
            return seen  # type: ignore[return-value]
        async with state.lock:
            while True:
                # Whoever held the lock may have just asked: a fresh answer is taken as it is, unless
                # it is a failure inside the waiting retries (then this caller asks next).
                waiting = (
                    state.rules is not None
                    and state.rules.outcome == "unavailable"
                    and (state.failures <= len(ROBOTS_RETRY_DELAYS))
                )
                if (state.rules is not seen and not waiting) or not state.due(loop.time()):
                    return state.rules  # type: ignore[return-value]
                if state.rules is not None:
                    await asyncio.sleep(max(0.0, state.retry_at - loop.time()))
                rules = await self._read_robots(origin)
                if rules.outcome == "unavailable":
                    state.failures += 1
                    pauses = ROBOTS_RETRY_DELAYS
                    pause = pauses[state.failures - 1] if state.failures <= len(pauses) else ROBOTS_RECHECK_SECONDS
                    state.retry_at = loop.time() + pause
                state.rules = seen = rules
                self.log.info("robots.txt read", origin=origin, rules=rules.reason, outcome=rules.outcome,
                              crawl_delay=rules.crawl_delay, failures=state.failures)  # fmt: skip

    async def robots_now(self, url: str) -> robots.Robots:
        """The robots rules of ``url``'s host as known now, asking once if never asked: no waiting
        for the retries of an unavailable robots.txt (the requests of a rendered page cannot wait;
        while it is unavailable they are refused). Page fetches use ``robots_for``."""
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
        state = self.robots.setdefault(origin, _RobotsState())
        if state.rules is not None:
            return state.rules
        async with state.lock:
            if state.rules is None:
                rules = await self._read_robots(origin)
                if rules.outcome == "unavailable":
                    state.failures += 1
                    state.retry_at = asyncio.get_running_loop().time() + ROBOTS_RETRY_DELAYS[0]
                state.rules = rules
                self.log.info("robots.txt read", origin=origin, rules=rules.reason, outcome=rules.outcome,
                              crawl_delay=rules.crawl_delay, failures=state.failures)  # fmt: skip
            return state.rules

    async def _read_robots(self, origin: str) -> robots.Robots:
        if not self.settings.respect_robots:
            return robots.allow_all(self.token, "robots.txt not consulted", outcome="not consulted")
        url = origin + "/robots.txt"
        got = await fetcher.fetch(
            self.session, url, max_body_bytes=robots.MAX_ROBOTS_BYTES, read_body=lambda _: True,
            # the 6th redirect is not followed: max_redirects counts the redirect answers seen
            max_redirects=ROBOTS_MAX_REDIRECTS + 1, body_after_redirects=True, truncate=True,
        )  # fmt: skip
        if got.chain and (got.error or (got.status is not None and 300 <= got.status < 400)):
            # A loop or more than five hops: as if there were no robots.txt (Google treats it as a 404).
            rules = robots.allow_all(self.token, f"robots.txt redirects too far ({got.error or got.status})")
            rules.status, rules.error = got.status, got.error
        else:
            rules = robots.from_response(self.token, got.status, got.body, got.error, truncated=got.truncated)
        rules.url, rules.final_url, rules.redirects = url, got.final_url, max(0, len(got.chain) - 1)
        return rules

    def gate_for(self, url: str, rules: robots.Robots) -> HostGate:
        """The gate of ``url``'s host (its interval honours the host's crawl-delay)."""
        host = urls.host_of(url)
        gate = self.gates.get(host)
        if gate is None:
            interval = max(1.0 / self.settings.max_rps, rules.crawl_delay or 0.0)
            gate = self.gates[host] = HostGate(self.settings.concurrency, interval)
        return gate
