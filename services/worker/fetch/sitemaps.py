"""Sitemaps: XML sitemaps and sitemap indexes (plain or gzip), read with size and count caps.

Parsing is a scan for ``<loc>`` elements rather than an XML parser: it cannot be made to
expand entities (billion laughs), tolerates the malformed XML real sites serve, and is fast.
"""

from __future__ import annotations

import html
import re
import zlib
from collections.abc import AsyncIterator, Awaitable, Callable

MAX_SITEMAP_BYTES = 50 * 1024 * 1024  # the sitemaps.org limit, uncompressed
MAX_URLS_PER_SITEMAP = 50_000
MAX_SITEMAPS = 100  # files fetched per crawl, indexes included
MAX_INDEX_DEPTH = 2

_LOC = re.compile(
    rb"<(?:[A-Za-z0-9_]+:)?loc\b[^>]*>\s*(?:<!\[CDATA\[)?\s*(.*?)\s*(?:\]\]>)?\s*</(?:[A-Za-z0-9_]+:)?loc>", re.S
)
_INDEX = re.compile(rb"<(?:[A-Za-z0-9_]+:)?sitemapindex\b")

# Fetches a sitemap URL: (status, body bytes, error).
Fetch = Callable[[str], Awaitable[tuple[int | None, bytes, str | None]]]


class SitemapTooLarge(ValueError):
    pass


def gunzip(body: bytes, cap: int = MAX_SITEMAP_BYTES) -> bytes:
    """Decompress a .gz sitemap, refusing to produce more than ``cap`` bytes."""
    d = zlib.decompressobj(47)
    out = d.decompress(body, cap + 1)
    if len(out) > cap:
        raise SitemapTooLarge(f"sitemap over {cap} bytes uncompressed")
    return out


def parse(body: bytes) -> tuple[bool, list[str]]:
    """``(is_index, locs)`` of one sitemap document (gzip detected by its magic bytes)."""
    if body[:2] == b"\x1f\x8b":
        body = gunzip(body)
    if len(body) > MAX_SITEMAP_BYTES:
        raise SitemapTooLarge(f"sitemap over {MAX_SITEMAP_BYTES} bytes")
    is_index = _INDEX.search(body[:4096]) is not None
    locs = []
    for match in _LOC.finditer(body):
        loc = html.unescape(match.group(1).decode("utf-8", "replace")).strip()
        if loc:
            locs.append(loc)
        if len(locs) >= MAX_URLS_PER_SITEMAP:
            break
    return is_index, locs


async def discover(
    fetch: Fetch, roots: list[str], *, log: Callable[..., object] | None = None
) -> AsyncIterator[list[str]]:
    """Page URLs listed by the sitemaps at ``roots`` (following indexes), one list per sitemap file.

    Unreachable or broken sitemaps are skipped (and logged): a sitemap is a hint, not a must.
    """
    queue: list[tuple[str, int]] = [(root, 0) for root in roots]
    seen: set[str] = set()
    fetched = 0
    while queue and fetched < MAX_SITEMAPS:
        url, depth = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        fetched += 1
        status, body, error = await fetch(url)
        if error is not None or status is None or not 200 <= status < 300:
            if log is not None:
                log("sitemap skipped", sitemap=url, status=status, error=error)
            continue
        try:
            is_index, locs = parse(body)
        except (SitemapTooLarge, zlib.error) as exc:
            if log is not None:
                log("sitemap skipped", sitemap=url, error=str(exc))
            continue
        if is_index:
            if depth < MAX_INDEX_DEPTH:
                queue.extend((loc, depth + 1) for loc in locs[:MAX_SITEMAPS])
            continue
        if locs:
            yield locs
