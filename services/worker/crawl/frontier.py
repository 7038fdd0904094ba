"""The frontier: a crawl's URLs in Postgres (queued, in progress, done), claimed in BFS order.

It is the worker's working set, not a projection. Discovered URLs and finished pages change it
in the same transaction as the ``PagesCrawled`` append, so a crashed crawl resumes exactly where
it last committed. ``UNIQUE (crawl_id, url)`` is the seen-set: memory stays flat however large
the site, with only a bounded cache in front of it.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import asyncpg

# Depth given to URLs known only from a sitemap: they are claimed after every URL reached by
# links (BFS), and a link that reaches them first gives them their real depth.
SITEMAP_DEPTH = 1_000_000

_COUNT = "SELECT count(*) FROM frontier WHERE crawl_id = $1"

# A new attempt takes over what a crashed one had in flight: nothing it fetched was stored.
_REQUEUE_IN_PROGRESS = "UPDATE frontier SET state = 'queued' WHERE crawl_id = $1 AND state = 'in_progress'"

# BFS: lowest depth first, then discovery order. SKIP LOCKED costs nothing here (one worker
# holds the crawl's lease) and keeps a stale worker from blocking on our rows.
_CLAIM = """
WITH next AS (
    SELECT id FROM frontier
    WHERE crawl_id = $1 AND state = 'queued' AND depth < $3
    ORDER BY depth, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE frontier f SET state = 'in_progress'
FROM next WHERE f.id = next.id
RETURNING f.id, f.url, f.depth, f.referrer, f.in_sitemap
"""

_KNOWN = "SELECT url FROM frontier WHERE crawl_id = $1 AND url = ANY($2::text[])"

_INSERT = """
INSERT INTO frontier (crawl_id, url, depth, referrer, in_sitemap)
SELECT $1, u, d, r, s FROM unnest($2::text[], $3::int[], $4::text[], $5::bool[]) WITH ORDINALITY AS x(u, d, r, s, o)
ORDER BY o
ON CONFLICT (crawl_id, url) DO NOTHING
RETURNING url
"""

# A URL first known from a sitemap gets its link depth when a link reaches it before its turn.
_LOWER_DEPTH = """
UPDATE frontier f SET depth = x.d, referrer = x.r
FROM unnest($2::text[], $3::int[], $4::text[]) AS x(u, d, r)
WHERE f.crawl_id = $1 AND f.url = x.u AND f.state = 'queued' AND f.depth > x.d
"""

_MARK_SITEMAP = """
UPDATE frontier SET in_sitemap = true WHERE crawl_id = $1 AND url = ANY($2::text[]) AND NOT in_sitemap
"""

_DONE = "UPDATE frontier SET state = 'done' WHERE id = ANY($1::bigint[])"


@dataclass(frozen=True)
class Entry:
    """A claimed frontier URL."""

    id: int
    url: str
    depth: int
    referrer: str | None
    in_sitemap: bool


@dataclass(frozen=True)
class Discovered:
    """A URL found on a page (or in a sitemap), not yet known to be new."""

    url: str
    depth: int
    referrer: str | None
    in_sitemap: bool = False


class KnownCache:
    """A bounded LRU of URLs known to be in the frontier: saves queries for nav links."""

    def __init__(self, size: int = 50_000) -> None:
        self._size = size
        self._urls: OrderedDict[str, None] = OrderedDict()

    def __contains__(self, url: str) -> bool:
        if url in self._urls:
            self._urls.move_to_end(url)
            return True
        return False

    def add(self, urls: Iterable[str]) -> None:
        for url in urls:
            self._urls[url] = None
            self._urls.move_to_end(url)
        while len(self._urls) > self._size:
            self._urls.popitem(last=False)


async def count(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> int:
    value: int = await conn.fetchval(_COUNT, crawl_id)
    return value


async def requeue_in_progress(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> int:
    status = await conn.execute(_REQUEUE_IN_PROGRESS, crawl_id)
    return int(status.split()[-1])


async def claim(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, limit: int, *, below_depth: int = SITEMAP_DEPTH + 1
) -> list[Entry]:
    """Mark up to ``limit`` queued URLs (shallower than ``below_depth``) in progress, in BFS order."""
    rows = await conn.fetch(_CLAIM, crawl_id, limit, below_depth)
    entries = [Entry(r["id"], r["url"], r["depth"], r["referrer"], r["in_sitemap"]) for r in rows]
    entries.sort(key=lambda e: (e.depth, e.id))
    return entries


async def add(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    found: Sequence[Discovered],
    *,
    room: int,
    cache: KnownCache,
) -> int:
    """Insert the new URLs among ``found`` (at most ``room`` of them). Returns how many were new.

    Already-known URLs are skipped; a queued one reached at a lower depth takes that depth.
    """
    unique: dict[str, Discovered] = {}
    for item in found:
        if item.url in cache:
            continue
        best = unique.get(item.url)
        if best is None or item.depth < best.depth:
            unique[item.url] = item
    if not unique:
        return 0
    known = {r["url"] for r in await conn.fetch(_KNOWN, crawl_id, list(unique))}
    if known:
        lower = [unique[u] for u in known if unique[u].depth < SITEMAP_DEPTH]
        if lower:
            await conn.execute(
                _LOWER_DEPTH, crawl_id, [d.url for d in lower], [d.depth for d in lower], [d.referrer for d in lower]
            )
    new = [d for u, d in unique.items() if u not in known][: max(room, 0)]
    cache.add(known)
    if not new:
        return 0
    rows = await conn.fetch(
        _INSERT,
        crawl_id,
        [d.url for d in new],
        [d.depth for d in new],
        [d.referrer for d in new],
        [d.in_sitemap for d in new],
    )
    # Sitemap-only URLs stay out of the cache so that a link reaching them still gives them a depth.
    cache.add(d.url for d in new if d.depth < SITEMAP_DEPTH)
    return len(rows)


async def mark_in_sitemap(conn: asyncpg.Connection, crawl_id: uuid.UUID, urls: Sequence[str]) -> None:
    await conn.execute(_MARK_SITEMAP, crawl_id, list(urls))


async def mark_done(conn: asyncpg.Connection, ids: Sequence[int]) -> None:
    await conn.execute(_DONE, list(ids))
