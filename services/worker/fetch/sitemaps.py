"""Sitemaps: XML urlsets, sitemap indexes and text sitemaps (plain or gzip), read with hard limits.

``parse(body)`` is pure CPU work on hostile bytes and runs in the CPU pool; it returns what the
sitemap lists and, when the sitemap is bad, the reason in words (recorded with the crawl).

XML is read by a streaming parser (lxml ``iterparse``) that loads no DTD, resolves no entity and
never touches the network; a sitemap that declares a DTD at all is refused (sitemaps never need
one, and a DTD is what entity bombs are made of). libxml2 caps nesting depth and text-node size;
the uncompressed body is capped at the protocol's 50 MB and the URLs at its 50,000. Elements are
cleared as they are read, so memory stays flat.

What counts as a URL, per sitemaps.org: ``<url><loc>`` in a ``<urlset>``, ``<sitemap><loc>`` in a
``<sitemapindex>``. Extension tags (``<image:loc>``, ``<video:content_loc>``, ``<xhtml:link>``) name
images, videos and alternates, not pages, and are not taken. A text sitemap is one URL a line.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Literal
from urllib.parse import urlsplit

from lxml import etree

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
MAX_URLS_PER_SITEMAP = 50_000
MAX_SITEMAPS = 100  # files fetched per crawl, indexes included
MAX_INDEX_DEPTH = 2
MAX_URL_LENGTH = 2048  # the protocol's limit; longer lines of a text sitemap are not URLs
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"

Kind = Literal["urlset", "index", "text"]

# Fetches a sitemap URL: (status, body bytes, error).
Fetch = Callable[[str], Awaitable[tuple[int | None, bytes, str | None]]]
# Parses a body (in the CPU pool, in production): the crawler passes its pool's runner.
Parse = Callable[[bytes], Awaitable["Parsed"]]
# Whether robots.txt of the crawled site names this sitemap (cross-submission).
CrossSubmitted = Callable[[str], bool]


class SitemapTooLarge(ValueError):
    pass


@dataclass
class Parsed:
    """What one sitemap file lists: page URLs (``urlset``, ``text``) or child sitemaps (``index``)."""

    kind: Kind
    locs: list[str] = field(default_factory=list)
    error: str | None = None  # why (part of) the file could not be read; locs read before it are kept


@dataclass
class Report:
    """One sitemap file as the crawl met it: the URLs it gave and what went wrong, if anything."""

    url: str
    kind: Kind | None = None
    status: int | None = None
    urls: int = 0
    error: str | None = None
    index: str | None = None  # the index that named it (None: a root)


def gunzip(body: bytes, cap: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress a .gz sitemap, refusing to produce more than ``cap`` bytes."""
    d = zlib.decompressobj(47)
    out = d.decompress(body, cap + 1)
    if len(out) > cap:
        raise SitemapTooLarge(f"sitemap over {cap} bytes uncompressed")
    return out


def _is_xml(body: bytes) -> bool:
    start = body[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    return start.startswith(b"<")


def _local(tag: object) -> tuple[str, str]:
    """(namespace, local name) of an element tag (comments and processing instructions: empty)."""
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _is_sitemap_ns(namespace: str) -> bool:
    # Many real sitemaps omit the namespace, or spell it with https or a trailing slash.
    return namespace in ("", SITEMAP_NS) or namespace.rstrip("/").endswith("sitemaps.org/schemas/sitemap/0.9")


def _parse_text(body: bytes) -> Parsed:
    parsed = Parsed("text")
    ignored = 0
    for raw in body.split(b"\n"):
        line = raw.strip().decode("utf-8", "replace").lstrip("\ufeff")
        if not line:
            continue
        parts = urlsplit(line) if len(line) <= MAX_URL_LENGTH and " " not in line else None
        if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
            ignored += 1
            continue
        parsed.locs.append(line)
        if len(parsed.locs) >= MAX_URLS_PER_SITEMAP:
            parsed.error = f"more than {MAX_URLS_PER_SITEMAP} URLs; the rest was not read"
            return parsed
    if ignored and not parsed.locs:
        parsed.error = f"not a sitemap: none of its {ignored} lines is an http(s) URL"
    elif ignored:
        parsed.error = f"{ignored} lines are not http(s) URLs and were skipped"
    return parsed


def _parse_xml(body: bytes) -> Parsed:
    parsed = Parsed("urlset")
    events = etree.iterparse(
        io.BytesIO(body),
        events=("start", "end"),
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    root_seen = False
    wanted = "url"  # the entry element: <url> in a urlset, <sitemap> in an index
    entry = ""  # the entry being read, while inside one
    try:
        for event, element in events:
            namespace, local = _local(element.tag)
            if not root_seen:
                root_seen = True
                if element.getroottree().docinfo.internalDTD is not None or element.getroottree().docinfo.system_url:
                    parsed.error = "refused: the sitemap declares a DTD (<!DOCTYPE>), which sitemaps never need"
                    return parsed
                if local == "sitemapindex" and _is_sitemap_ns(namespace):
                    parsed.kind, wanted = "index", "sitemap"
                elif not (local == "urlset" and _is_sitemap_ns(namespace)):
                    parsed.error = f"not a sitemap: its root element is <{local}>, not <urlset> or <sitemapindex>"
                    return parsed
                continue
            if event == "start":
                parent = element.getparent()
                if local == wanted and _is_sitemap_ns(namespace) and parent is not None and parent.getparent() is None:
                    entry = local  # an entry directly under the root
                continue
            # An end: a page URL is <loc> directly inside <url> (or <sitemap>), in the sitemap namespace.
            if local == "loc" and entry and _is_sitemap_ns(namespace):
                parent = element.getparent()
                if parent is not None and _local(parent.tag)[1] == entry:
                    loc = (element.text or "").strip()
                    if loc:
                        parsed.locs.append(loc)
                        if len(parsed.locs) >= MAX_URLS_PER_SITEMAP:
                            parsed.error = f"more than {MAX_URLS_PER_SITEMAP} URLs; the rest was not read"
                            return parsed
            elif local in ("url", "sitemap") and local == entry:
                entry = ""
                element.clear()  # streaming: drop what was read, and the siblings before it
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as exc:
        where = f" (line {exc.lineno})" if exc.lineno else ""
        message = str(exc.msg or exc).split(", line ")[0]
        parsed.error = f"not well-formed XML{where}: {message}"[:500]
    if not root_seen and parsed.error is None:
        parsed.error = "empty sitemap"
    return parsed


def parse(body: bytes) -> Parsed:
    """What one sitemap document lists (gzip detected by its magic bytes). Pure CPU: run it in the pool.

    Never raises for what the bytes contain: a bad sitemap is a ``Parsed`` with ``error`` set.
    """
    try:
        if body[:2] == b"\x1f\x8b":
            body = gunzip(body)
    except (SitemapTooLarge, zlib.error) as exc:
        return Parsed("urlset", error=f"bad gzip: {exc}" if isinstance(exc, zlib.error) else str(exc))
    if len(body) > MAX_SITEMAP_BYTES:
        return Parsed("urlset", error=f"sitemap over {MAX_SITEMAP_BYTES} bytes")
    if not body.strip():
        return Parsed("urlset", error="empty sitemap")
    return _parse_xml(body) if _is_xml(body) else _parse_text(body)


async def _parse_here(body: bytes) -> Parsed:
    return parse(body)


def _host(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


async def discover(
    fetch: Fetch,
    roots: list[str],
    *,
    parse_with: Parse = _parse_here,
    cross_submitted: CrossSubmitted = lambda _: False,
    reports: list[Report] | None = None,
) -> AsyncIterator[list[str]]:
    """Page URLs listed by the sitemaps at ``roots`` (following indexes), one list per sitemap file.

    ``parse_with`` parses a body (the crawler sends it to the CPU pool). An index's child on
    another host than the index is followed only when ``cross_submitted(child)`` (robots.txt of
    the crawled site names it): the protocol allows an index to name sitemaps of its own host only.
    Every file met is appended to ``reports`` with its outcome; unreachable or broken sitemaps are
    skipped: a sitemap is a hint, not a must.
    """
    queue: list[tuple[str, int, str | None]] = [(root, 0, None) for root in roots]
    seen: set[str] = set()
    fetched = 0
    log = reports if reports is not None else []
    while queue and fetched < MAX_SITEMAPS:
        url, depth, index = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        if index is not None and _host(url) != _host(index) and not cross_submitted(url):
            log.append(Report(url, error=f"not followed: the index {index} names a sitemap on another host",
                              index=index))  # fmt: skip
            continue
        fetched += 1
        status, body, error = await fetch(url)
        report = Report(url, status=status, index=index)
        log.append(report)
        if error is not None or status is None or not 200 <= status < 300:
            report.error = error or (f"answered {status}" if status is not None else "no answer")
            continue
        parsed = await parse_with(body)
        report.kind, report.error = parsed.kind, parsed.error
        if parsed.kind == "index":
            if depth < MAX_INDEX_DEPTH:
                queue.extend((loc, depth + 1, url) for loc in parsed.locs[:MAX_SITEMAPS])
            elif parsed.locs:
                report.error = f"an index nested more than {MAX_INDEX_DEPTH} deep; its sitemaps were not read"
            continue
        report.urls = len(parsed.locs)
        if parsed.locs:
            yield parsed.locs
