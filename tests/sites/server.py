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

import asyncio
import contextlib
import ssl
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
    default_headers: dict[str, str] = field(default_factory=dict)  # sent by every static page (unless it sets them)
    _static: dict[str, _Static] = field(default_factory=dict)
    _handlers: dict[str, Handler] = field(default_factory=dict)
    _fallback: Handler | None = None
    _runner: web.AppRunner | None = None
    _mux: asyncio.Server | None = None
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

    @property
    def tls(self) -> bool:
        """Started with ``tls``: https answers on the same port."""
        return self._mux is not None

    def https_url(self, path: str = "/") -> str:
        """The same path over TLS, on the same port (a site started with ``tls``)."""
        return f"https://{self.host}:{self.port}{path}"

    async def _serve(self, request: web.Request) -> web.StreamResponse:
        self.requests.append(Request(request.method, request.raw_path, request.headers, time.monotonic()))
        raw = request.raw_path
        handler = self._handlers.get(raw) or self._handlers.get(request.path)
        if handler is not None:
            return await handler(request)
        static = self._static.get(raw) or self._static.get(request.path)
        if static is not None:
            # A page's own headers win; an empty value drops a default header.
            headers = {k: v for k, v in {**self.default_headers, **static.headers}.items() if v != ""}
            return web.Response(body=static.body, status=static.status, headers=headers)
        if self._fallback is not None:
            return await self._fallback(request)
        return web.Response(status=404, text="not found", content_type="text/html")

    async def start(self, tls: ssl.SSLContext | None = None) -> Site:
        """Serve on a free port; with ``tls`` (a server context), http and https both answer on that one
        port, as a real host answers on 80 and 443 (the first byte of a connection tells them apart)."""
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._serve)
        self._runner = web.AppRunner(app, access_log=None, handler_cancellation=True)
        await self._runner.setup()
        tcp = web.TCPSite(self._runner, self.host, 0)
        await tcp.start()
        self.port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        if tls is not None:
            secure = web.TCPSite(self._runner, self.host, 0, ssl_context=tls)
            await secure.start()
            backends = {False: self.port, True: secure._server.sockets[0].getsockname()[1]}  # type: ignore[union-attr]
            self._mux = await asyncio.start_server(lambda r, w: _mux(r, w, self.host, backends), self.host, 0)
            self.port = self._mux.sockets[0].getsockname()[1]
        return self

    async def close(self) -> None:
        if self._mux is not None:
            self._mux.close()
            self._mux = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.CancelledError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    with contextlib.suppress(OSError):
        writer.close()


async def _mux(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, ports: dict[bool, int]) -> None:
    """One connection to a TLS site's port: a TLS handshake (0x16) goes to the https server, the rest to http."""
    try:
        first = await reader.readexactly(1)
        up_reader, up_writer = await asyncio.open_connection(host, ports[first == b"\x16"])
    except (OSError, asyncio.IncompleteReadError):
        writer.close()
        return
    up_writer.write(first)
    await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


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
async def site_factory() -> AsyncIterator[Callable[..., Awaitable[Site]]]:
    """Factory fixture: ``site = await site_factory()`` starts a new local site (stopped after the test)."""
    started: list[Site] = []

    async def factory(tls: ssl.SSLContext | None = None, host: str = "127.0.0.1") -> Site:
        site = await Site(host=host).start(tls)
        started.append(site)
        return site

    yield factory
    for site in started:
        await site.close()
