"""Fetching one URL: redirects hop by hop, timeouts, size caps, decompression, all as outcomes.

Nothing here raises for what a server does: every failure (timeout, refused address, huge
headers, endless body, redirect loop, gzip bomb) comes back as a ``Fetched`` with ``error`` set.
"""

from __future__ import annotations

import asyncio
import ssl
import time
import zlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

import aiohttp
import brotli
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


class _TooLarge(Exception):
    """Over the cap; ``head`` is what was read (``decoded``: already decompressed)."""

    def __init__(self, message: str, head: bytes = b"", *, decoded: bool = False) -> None:
        super().__init__(message)
        self.head = head
        self.decoded = decoded


def _decompress(body: bytes, encoding: str, cap: int) -> bytes:
    """Decode a Content-Encoding, refusing to produce more than ``cap`` bytes (gzip bombs).

    ``_TooLarge.head`` carries the first ``cap`` decoded bytes for callers that keep a head.
    """
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        return body
    if encoding in ("gzip", "x-gzip", "deflate"):
        wbits = 47 if encoding != "deflate" else (15 if body[:1] == b"\x78" else -15)
        d = zlib.decompressobj(wbits)
        out = d.decompress(body, cap + 1)
        if len(out) > cap:
            raise _TooLarge(f"decompressed body over the {cap}-byte cap", out[:cap], decoded=True)
        return out
    if encoding == "br":
        decoder = brotli.Decompressor()
        parts: list[bytes] = []
        total = 0
        chunk = decoder.process(body, output_buffer_limit=cap + 1)
        while True:
            parts.append(chunk)
            total += len(chunk)
            if total > cap:
                raise _TooLarge(f"decompressed body over the {cap}-byte cap", b"".join(parts)[:cap], decoded=True)
            if decoder.is_finished() or decoder.can_accept_more_data():
                break
            chunk = decoder.process(b"", output_buffer_limit=cap + 1)
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


def new_session(
    *, user_agent: str, allow_private: bool, limit: int, timeout: float, allowlist: netguard.Allowlist = ()
) -> aiohttp.ClientSession:
    """The one HTTP session of a crawl: guarded connections, no cookies, no automatic decoding.

    Certificates are verified against the system's trust store as it is when the session opens (so
    OpenSSL's SSL_CERT_FILE / SSL_CERT_DIR point a crawl at another CA bundle, e.g. a company's).
    """
    connector = netguard.GuardedConnector(
        allow_private=allow_private, allowlist=allowlist, limit=limit, limit_per_host=0, ttl_dns_cache=300,
        enable_cleanup_closed=True, ssl=ssl.create_default_context(),
    )  # fmt: skip
    return aiohttp.ClientSession(
        connector=connector,
        cookie_jar=aiohttp.DummyCookieJar(),
        auto_decompress=False,
        headers={"User-Agent": user_agent, "Accept-Encoding": "gzip, deflate, br", "Accept": "*/*"},
        timeout=aiohttp.ClientTimeout(total=timeout, connect=min(10.0, timeout), sock_read=min(15.0, timeout)),
        max_line_size=16384,
        max_field_size=16384,
        requote_redirect_url=False,
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
        result.body = _decompress(raw, encoding, max_body_bytes)
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
    """
    result = Fetched(url=url, final_url=url)
    started = time.perf_counter()
    current = url
    visited = {url}
    try:
        while True:
            hop_started = time.perf_counter()
            async with session.request(
                method, URL(current, encoded=True), headers=headers, data=data, allow_redirects=False
            ) as response:
                if result.ttfb_ms is None:
                    result.ttfb_ms = (time.perf_counter() - hop_started) * 1000
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
    result.response_time_ms = (time.perf_counter() - started) * 1000
    return result
