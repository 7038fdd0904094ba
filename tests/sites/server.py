"""A local test site: an aiohttp server on 127.0.0.1, port 0, that logs every request.

Use the ``site_factory`` fixture (registered in tests/conftest.py) or ``Site`` directly::

    async def test_x(site_factory):
        site = await site_factory()
        site.page("/", "<a href='/a'>a</a>")              # HTML 200
        site.page("/robots.txt", "User-agent: *\\nDisallow: /private", content_type="text/plain")
        site.redirect("/old", "/new", status=301)
        site.handler("/slow", my_aiohttp_handler)          # anything misbehaving
        crawl(site.url("/"))
        assert site.hits("/private") == 0                   # the request log

Unknown paths answer 404. ``site.requests`` is every request in arrival order (method, path with
query, headers). ``generated_site(site, n)`` fills a site with ``n`` linked pages for benchmarks.
The server stops when the fixture's test ends (or on ``await site.close()``).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field

import pytest
from aiohttp import web
from multidict import CIMultiDictProxy

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(frozen=True)
class Request:
    """One request the site received."""

    method: str
    path: str  # path and query, as sent
    headers: CIMultiDictProxy[str]
    at: float = 0.0  # time.monotonic() on arrival


@dataclass
class _Static:
    body: bytes
    status: int
    headers: dict[str, str]


@dataclass
class Site:
    """A programmable local web site that records what crawlers ask it for."""

    host: str = "127.0.0.1"
    requests: list[Request] = field(default_factory=list)
    _static: dict[str, _Static] = field(default_factory=dict)
    _handlers: dict[str, Handler] = field(default_factory=dict)
    _fallback: Handler | None = None
    _runner: web.AppRunner | None = None
    port: int = 0

    # --- content -------------------------------------------------------------------------------

    def page(
        self,
        path: str,
        body: str | bytes,
        *,
        status: int = 200,
        content_type: str = "text/html; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Serve ``body`` at ``path`` (exact path, query included if given)."""
        data = body.encode() if isinstance(body, str) else body
        all_headers = {"Content-Type": content_type, **(headers or {})}
        self._static[path] = _Static(data, status, all_headers)

    def redirect(self, path: str, location: str, *, status: int = 301) -> None:
        self.page(path, b"", status=status, headers={"Location": location}, content_type="text/html")

    def handler(self, path: str, handler: Handler) -> None:
        """Answer ``path`` with an aiohttp handler (for servers that misbehave on purpose)."""
        self._handlers[path] = handler

    def fallback(self, handler: Handler) -> None:
        """Answer every path not otherwise configured (generated sites)."""
        self._fallback = handler

    # --- the request log -----------------------------------------------------------------------

    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (path plus query, exactly)."""
        return sum(1 for r in self.requests if r.path == path)

    def paths(self) -> list[str]:
        return [r.path for r in self.requests]

    # --- running -------------------------------------------------------------------------------

    def url(self, path: str = "/") -> str:
        return f"http://{self.host}:{self.port}{path}"

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Request(request.method, request.raw_path, request.headers, time.monotonic()))
        raw = request.raw_path
        handler = self._handlers.get(raw) or self._handlers.get(request.path)
        if handler is not None:
            return await handler(request)
        static = self._static.get(raw) or self._static.get(request.path)
        if static is not None:
            return web.Response(body=static.body, status=static.status, headers=static.headers)
        if self._fallback is not None:
            return await self._fallback(request)
        return web.Response(status=404, text="not found", content_type="text/html")

    async def start(self) -> Site:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        tcp = web.TCPSite(self._runner, self.host, 0)
        await tcp.start()
        self.port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        return self

    async def close(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


def generated_site(site: Site, pages: int, *, links: int = 20, words: int = 300) -> None:
    """``pages`` linked HTML pages at ``/p/0`` ... (``/`` links to ``/p/0``), built on request.

    Page i links to the next ``links`` pages (i+1, ...) and back to a few earlier ones, so a
    breadth-first crawl discovers them all; each page has a title, description, h1 and text.
    """
    filler = " ".join(f"word{i % 97} text{i % 13}" for i in range(words // 2))

    async def serve(request: web.Request) -> web.StreamResponse:
        path = request.path
        if path == "/":
            return web.Response(text='<html><body><a href="/p/0">start</a></body></html>', content_type="text/html")
        if not path.startswith("/p/") or not path[3:].isdigit() or int(path[3:]) >= pages:
            return web.Response(status=404, text="not found")
        i = int(path[3:])
        targets = [(i * links + k + 1) for k in range(links)] + [max(0, i - 1), i // 2]
        anchors = "".join(f'<li><a href="/p/{t}">page {t}</a></li>' for t in targets if t < pages)
        body = (
            f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page number {i} of the site</title>'
            f'<meta name="description" content="Description of page {i}, long enough to pass the check.">'
            f'<meta name="viewport" content="width=device-width">'
            f'<link rel="canonical" href="{request.url.origin()}/p/{i}"></head>'
            f"<body><h1>Heading {i}</h1><ul>{anchors}</ul><p>{filler} unique{i}</p></body></html>"
        )
        return web.Response(text=body, content_type="text/html")

    site.fallback(serve)


@pytest.fixture
async def site_factory() -> AsyncIterator[Callable[[], Awaitable[Site]]]:
    """Factory fixture: ``site = await site_factory()`` starts a new local site (stopped after the test)."""
    started: list[Site] = []

    async def factory() -> Site:
        site = await Site().start()
        started.append(site)
        return site

    yield factory
    for site in started:
        await site.close()
