"""Fetching one URL: redirects hop by hop, timeouts, size caps, decompression, all as outcomes.

Nothing here raises for what a server does: every failure (timeout, refused address, huge
headers, endless body, redirect loop, gzip bomb) comes back as a ``Fetched`` with ``error`` set.
"""

from __future__ import annotations

import asyncio
import dataclasses
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import brotli
from aiohttp_socks import ProxyConnector
from multidict import CIMultiDict, CIMultiDictProxy
from yarl import URL

from services.worker.fetch import urls
from shared import netguard
from shared.model.pages import RedirectHop

MAX_REDIRECTS = 10
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml")

# A hop to this URL is not taken (out of scope, disallowed): the reason, or None to follow.
HopPolicy = Callable[[str], Awaitable[str | None]]


@dataclass
class Fetched:
    """What one fetch produced: the final answer (or an error) and the chain that led to it."""

    url: str
    final_url: str
    status: int | None = None
    headers: CIMultiDictProxy[str] | CIMultiDict[str] = field(default_factory=CIMultiDict)
    body: bytes = b""
    chain: list[RedirectHop] = field(default_factory=list)
    error: str | None = None
    ttfb_ms: float | None = None
    response_time_ms: float | None = None
    size_bytes: int | None = None
    stopped_at: str | None = None  # a redirect target we did not follow (and why)
    truncated: bool = False  # the body was longer than the cap and only its head was kept (``truncate``)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def is_html(self) -> bool:
        ctype = (self.content_type or "").split(";", 1)[0].strip().lower()
        return ctype in _HTML_TYPES

    @property
    def redirected(self) -> bool:
        return self.status in _REDIRECTS

    def needs_parsing(self) -> bool:
        """Whether building this page's record parses HTML (CPU work for the pool) or only copies fields."""
        return bool(self.body) and not self.error and not self.chain and self.is_html

    def portable(self) -> Fetched:
        """A copy that pickles (a response's headers are a proxy that does not), for the CPU pool."""
        return dataclasses.replace(self, headers=CIMultiDict(self.headers))


class _TooLarge(Exception):
    """Over the cap; ``head`` is what was read (``decoded``: already decompressed)."""

    def __init__(self, message: str, head: bytes = b"", *, decoded: bool = False) -> None:
        super().__init__(message)
        self.head = head
        self.decoded = decoded


_DECODE_STEP = 1024 * 1024  # bytes produced per step of decompression, between turns of the loop


async def _decompress(body: bytes, encoding: str, cap: int) -> bytes:
    """Decode a Content-Encoding, refusing to produce more than ``cap`` bytes (gzip bombs).

    ``_TooLarge.head`` carries the first ``cap`` decoded bytes for callers that keep a head. A
    megabyte at a time, giving the loop a turn in between: inflating a bomb up to a 10 MB cap is
    tens of milliseconds of CPU, too long to hold the loop in one piece.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    parts: list[bytes] = []
    total = 0
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else (15 if body[:1] == b"\x78" else -15)
        d = zlib.decompressobj(wbits)
        pending = body
        while True:
            chunk = d.decompress(pending, _DECODE_STEP)
            pending = d.unconsumed_tail
            parts.append(chunk)
            total += len(chunk)
            if total > cap:
                raise _TooLarge(f"decompressed body over the {cap}-byte cap", b"".join(parts)[:cap], decoded=True)
            if not pending or d.eof:
                break
            await asyncio.sleep(0)
        return b"".join(parts)
    if encoding == "br":
        decoder = brotli.Decompressor()
        chunk = decoder.process(body, output_buffer_limit=_DECODE_STEP)
        while True:
            parts.append(chunk)
            total += len(chunk)
            if total > cap:
                raise _TooLarge(f"decompressed body over the {cap}-byte cap", b"".join(parts)[:cap], decoded=True)
            if decoder.is_finished() or decoder.can_accept_more_data():
                break
            await asyncio.sleep(0)
            chunk = decoder.process(b"", output_buffer_limit=_DECODE_STEP)
        return b"".join(parts)
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


def _decompress_head(raw: bytes, encoding: str, cap: int) -> bytes:
    """As much of a cut-off compressed body as decodes, at most ``cap`` bytes (a truncated read)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return raw[:cap]
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else (15 if raw[:1] == b"\x78" else -15)
        return zlib.decompressobj(wbits).decompress(raw, cap)
    if encoding == "br":
        try:
            return brotli.Decompressor().process(raw, output_buffer_limit=cap)[:cap]
        except brotli.error:
            return b""
    raise ValueError(f"unsupported Content-Encoding {encoding!r}")


def describe(exc: BaseException) -> str:
    """A short, user-facing reason for a fetch failure."""
    refused = netguard.refusal_of(exc)
    if refused:
        return refused
    if isinstance(exc, asyncio.TimeoutError | aiohttp.ServerTimeoutError):
        return "timeout"
    if isinstance(exc, aiohttp.ClientConnectorDNSError):
        return f"DNS error: {exc.os_error}"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError | aiohttp.ClientSSLError):
        return f"TLS error: {exc}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"connection error: {exc.os_error}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"bad response: {exc.message}"[:300]
    if isinstance(exc, aiohttp.ClientPayloadError):
        return f"broken body: {exc}"[:300]
    return f"{exc.__class__.__name__}: {exc}"[:300]


async def _read_capped(response: aiohttp.ClientResponse, cap: int) -> bytes:
    parts: list[bytes] = []
    total = 0
    async for chunk in response.content.iter_chunked(_CHUNK):
        total += len(chunk)
        parts.append(chunk)
        if total > cap:
            raise _TooLarge(f"body over the {cap}-byte cap", b"".join(parts)[:cap])
    return b"".join(parts)


@dataclass
class _Stamps:
    """When one request's headers left and its response's headers were in (``time.perf_counter``)."""

    sent: float | None = None
    answered: float | None = None

    def seconds(self) -> float | None:
        if self.sent is None or self.answered is None:
            return None
        return self.answered - self.sent


async def _on_headers_sent(_: object, context: Any, __: object) -> None:
    if isinstance(context.trace_request_ctx, _Stamps):  # other requests of the session (robots, resources) carry none
        context.trace_request_ctx.sent = time.perf_counter()


async def _on_request_end(_: object, context: Any, __: object) -> None:
    if isinstance(context.trace_request_ctx, _Stamps):
        context.trace_request_ctx.answered = time.perf_counter()


def timing_trace() -> aiohttp.TraceConfig:
    """Stamps each request from the connection's own events, so time spent waiting for a pooled
    connection, resolving or connecting (or anything else the crawl does meanwhile) is not counted
    as the server's time to first byte."""
    trace = aiohttp.TraceConfig()
    trace.on_request_headers_sent.append(_on_headers_sent)
    trace.on_request_end.append(_on_request_end)
    return trace


def new_session(
    *,
    user_agent: str,
    allow_private: bool,
    limit: int,
    timeout: float,
    proxy: str | None = None,
    allowlist: netguard.Allowlist = (),
    credentials: aiohttp.ClientMiddlewareType | None = None,
) -> aiohttp.ClientSession:
    """The one HTTP session of a crawl: guarded connections, no cookie jar, no automatic decoding.

    Certificates are verified against the system's trust store as it is when the session opens (so
    OpenSSL's SSL_CERT_FILE / SSL_CERT_DIR point a crawl at another CA bundle, e.g. a company's).
    With ``proxy`` (http, https, socks5, socks5h) every request goes through it; the connection's
    address is then the proxy's, so each request's target is checked by ``netguard.TargetGuard``.
    ``credentials`` (``credentials.SiteCredentials``) adds the crawl's credentials to its own origin's
    requests, after the guard has judged them.
    """
    options: dict[str, Any] = {"limit": limit, "limit_per_host": 0, "enable_cleanup_closed": True,
                               "ssl": ssl.create_default_context()}  # fmt: skip
    middlewares: list[aiohttp.ClientMiddlewareType] = []
    session_proxy = None
    if proxy is not None:
        middlewares.append(netguard.TargetGuard(allow_private=allow_private, allowlist=allowlist))
    if credentials is not None:
        middlewares.append(credentials)
    if proxy is not None and proxy.lower().startswith("socks"):
        # socks5h: the proxy resolves names (rdns); socks5: we resolve and send it the address.
        scheme, rest = proxy.split("://", 1)
        connector: aiohttp.BaseConnector = ProxyConnector.from_url(
            "socks5://" + rest, rdns=scheme.lower() == "socks5h", **options
        )
    else:
        connector = netguard.GuardedConnector(
            allow_private=allow_private, allowlist=allowlist, ttl_dns_cache=300, **options
        )
        session_proxy = proxy
    return aiohttp.ClientSession(
        connector=connector,
        proxy=session_proxy,
        middlewares=middlewares,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate, br", "Accept": "*/*"},
        timeout=aiohttp.ClientTimeout(total=timeout, connect=min(10.0, timeout), sock_read=min(15.0, timeout)),
        max_line_size=16384,
        max_field_size=16384,
        requote_redirect_url=False,
        trace_configs=[timing_trace()],
    )


async def _next_hop(
    result: Fetched,
    response: aiohttp.ClientResponse,
    current: str,
    visited: set[str],
    follow: HopPolicy | None,
    max_redirects: int,
) -> str | None:
    """The redirect's target to request next, or ``None`` when the chain stops here (and why, in ``result``)."""
    result.chain.append(RedirectHop(url=current, status_code=response.status))
    target = urls.normalize(response.headers["Location"], current)
    if target is None:
        result.error = "redirect to a non-HTTP URL"
        return None
    if target in visited:
        result.final_url, result.error = target, "redirect loop"
        return None
    if len(result.chain) >= max_redirects:
        result.final_url, result.error = target, f"more than {max_redirects} redirects"
        return None
    reason = await follow(target) if follow is not None else None
    if reason is not None:
        result.final_url, result.stopped_at = target, reason
        return None
    return target


async def _final_answer(
    result: Fetched,
    response: aiohttp.ClientResponse,
    read_body: Callable[[Fetched], bool] | None,
    body_after_redirects: bool,
    max_body_bytes: int,
    truncate: bool,
) -> None:
    """Read (and decode) the final answer's body when it is wanted; its size either way."""
    redirected_page = bool(result.chain) and not body_after_redirects
    if redirected_page or not (read_body(result) if read_body else result.is_html):
        # Redirect targets are pages of their own; non-HTML is recorded, not parsed.
        length = response.headers.get("Content-Length", "")
        result.size_bytes = int(length) if length.isdigit() else None
        return
    encoding = response.headers.get("Content-Encoding", "")
    try:
        raw = await _read_capped(response, max_body_bytes)
        result.size_bytes = len(raw)  # what came over the wire, until it is decoded
        result.body = await _decompress(raw, encoding, max_body_bytes)
    except _TooLarge as exc:
        if not truncate:
            raise
        # The head of a compressed body decodes to (at least) the head we keep.
        head = exc.head if exc.decoded else _decompress_head(exc.head, encoding, max_body_bytes)
        result.body, result.truncated = head, True
    # The page's size is its HTML's (what large_page judges), not its compressed transfer.
    result.size_bytes = len(result.body)


async def fetch(
    session: aiohttp.ClientSession,
    url: str,
    *,
    max_body_bytes: int,
    read_body: Callable[[Fetched], bool] | None = None,
    follow: HopPolicy | None = None,
    max_redirects: int = MAX_REDIRECTS,
    body_after_redirects: bool = False,
    truncate: bool = False,
    recheck_slow_ms: float | None = None,
    method: str = "GET",
    headers: Mapping[str, str] | None = None,
    data: bytes | None = None,
) -> Fetched:
    """GET ``url`` (or ``method`` with ``headers`` and ``data``: a rendered page's requests),
    following redirects one hop at a time (each hop checked by ``follow``).

    ``read_body(result)`` decides from the final status and headers whether the body is read
    (default: HTML only). A page that redirected is recorded without its target's body (the
    target is a page of its own) unless ``body_after_redirects`` (robots.txt, sitemaps). The
    final answer's body is capped at ``max_body_bytes`` raw and decoded: over it, the fetch
    fails, or with ``truncate`` keeps the first ``max_body_bytes`` decoded bytes and sets
    ``truncated`` (robots.txt: Google reads the head of an oversized file).

    ``ttfb_ms`` runs from the first request's headers leaving to its response's headers arriving
    (the session's ``timing_trace``); ``response_time_ms`` adds every hop's time until its body was
    read. A first byte slower than ``recheck_slow_ms`` is measured once more and the faster of the
    two kept: one slow moment is not a slow page.
    """
    result = Fetched(url=url, final_url=url)
    started = time.perf_counter()
    spent = 0.0  # seconds the server's hops took, from the connection's own events
    measured = True
    current = url
    visited = {url}
    try:
        while True:
            stamps = _Stamps()
            async with session.request(
                method, URL(current, encoded=True), headers=headers, data=data, allow_redirects=False,
                trace_request_ctx=stamps,
            ) as response:  # fmt: skip
                first_byte = stamps.seconds()
                measured = measured and first_byte is not None
                if result.ttfb_ms is None:
                    result.ttfb_ms = (first_byte if first_byte is not None else time.perf_counter() - started) * 1000
                result.final_url = current
                result.status = response.status
                if not result.chain or body_after_redirects:
                    # A redirected page keeps its own answer's headers (X-Robots-Tag, Link), not
                    # its target's; robots.txt and sitemaps want the final answer's.
                    result.headers = response.headers
                if response.status in _REDIRECTS and "Location" in response.headers:
                    target = await _next_hop(result, response, current, visited, follow, max_redirects)
                    if target is None:
                        break
                    visited.add(target)
                    if headers is not None and urls.host_of(target) != urls.host_of(current):
                        headers = None  # a page's own headers (Authorization...) stay with its host
                    current = target
                    spent += _hop_seconds(stamps)
                    if response.status == 303 or (response.status in (301, 302) and method == "POST"):
                        method, data = "GET", None  # as browsers do
                    continue
                if result.chain:
                    result.chain.append(RedirectHop(url=current, status_code=response.status))
                await _final_answer(result, response, read_body, body_after_redirects, max_body_bytes, truncate)
                break
    except _TooLarge as exc:
        result.error = str(exc)
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError, zlib.error, brotli.error) as exc:
        result.error = describe(exc)
    spent += _hop_seconds(stamps)
    total = spent if measured and result.error is None else time.perf_counter() - started
    result.response_time_ms = total * 1000
    if recheck_slow_ms is not None and result.error is None and (result.ttfb_ms or 0) > recheck_slow_ms:
        again = await first_byte_ms(session, url)
        if again is not None and again < (result.ttfb_ms or 0):
            result.response_time_ms -= (result.ttfb_ms or 0) - again
            result.ttfb_ms = again
    return result


def _hop_seconds(stamps: _Stamps) -> float:
    """One hop's time: its request leaving until now (its answer, and the body if read, are in)."""
    return time.perf_counter() - stamps.sent if stamps.sent is not None else 0.0


async def first_byte_ms(session: aiohttp.ClientSession, url: str) -> float | None:
    """The time to first byte of one more GET of ``url`` (body not read), or None if it failed."""
    stamps = _Stamps()
    try:
        async with session.get(URL(url, encoded=True), allow_redirects=False, trace_request_ctx=stamps):
            pass
    except (TimeoutError, aiohttp.ClientError, OSError, ValueError):
        return None
    seconds = stamps.seconds()
    return seconds * 1000 if seconds is not None else None
