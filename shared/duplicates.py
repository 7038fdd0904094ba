"""Duplicate content: exact (same hash of the normalised body text) and near (simhash + LSH).

Near duplicates use the 64-bit simhash of word 3-shingles the crawler stores per page
(``simhash`` below is an equivalent one for tests and tools; ``content_hash`` is the exact key the
crawler uses). Similarity is ``1 - hamming / 64``; the default threshold 0.9 allows at most
6 differing bits. Candidates come from locality-sensitive banding, never from all pairs: the
fingerprint is cut into B = d + 2 blocks (8 for d = 6), and by the pigeonhole principle two
fingerprints at most d bits apart agree exactly on at least 2 blocks. So each page is bucketed
under every pair of blocks, and only pages sharing a bucket are compared. Recall is exact up to
the threshold. With the default threshold a 100,000-page crawl of unrelated pages puts ~1.5
pages in a bucket: about 2 million candidate checks, a few seconds, growing about linearly.
Looser thresholds cut narrower blocks and cost more (the setting stops at 0.8).

Only ``(id, simhash, content_hash)`` of eligible pages are read (tens of bytes a page); the
matching runs in a thread so the event loop keeps serving (heartbeats, progress).
"""

from __future__ import annotations

import asyncio
import hashlib
import itertools
import re
import uuid
from dataclasses import dataclass

import asyncpg

_WORD = re.compile(r"\w+", re.UNICODE)
_BITS = 64


def normalise(text: str) -> str:
    """Body text reduced to lowercase words separated by single spaces (what ``content_hash`` hashes)."""
    return " ".join(_WORD.findall(text.lower()))


def content_hash(text: str) -> str:
    """Hex SHA-1 of the normalised body text: equal for pages whose text differs only in spacing/case."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


def simhash(text: str, *, shingle: int = 3) -> int:
    """64-bit simhash of the text's word shingles, as a signed integer (it fits Postgres bigint)."""
    words = _WORD.findall(text.lower())
    if len(words) < shingle:
        features = [" ".join(words)] if words else []
    else:
        features = [" ".join(words[i : i + shingle]) for i in range(len(words) - shingle + 1)]
    weights = [0] * _BITS
    for feature in features:
        h = int.from_bytes(hashlib.blake2b(feature.encode("utf-8"), digest_size=8).digest(), "big")
        for bit in range(_BITS):
            weights[bit] += 1 if h >> bit & 1 else -1
    value = sum(1 << bit for bit in range(_BITS) if weights[bit] > 0)
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def similarity(a: int, b: int) -> float:
    """Simhash similarity: the share of equal bits."""
    return 1 - bin((a ^ b) & ((1 << _BITS) - 1)).count("1") / _BITS


def max_distance(threshold: float) -> int:
    """The most differing bits a pair at ``threshold`` similarity may have."""
    return int((1 - threshold) * _BITS + 1e-9)


def blocks(threshold: float) -> list[tuple[int, int]]:
    """(shift, width) of the blocks the fingerprint is cut into for ``threshold``."""
    count = max(8, max_distance(threshold) + 2)
    edges = [round(i * _BITS / count) for i in range(count + 1)]
    return [(edges[i], edges[i + 1] - edges[i]) for i in range(count)]


# Content pages eligible for duplicate checks: indexable HTML that answered 200.
ELIGIBLE = """p.crawl_id = $1 AND p.indexable AND p.status_code = 200 AND p.error IS NULL
              AND NOT p.blocked_by_robots AND p.redirect_chain = '[]'::jsonb AND p.content_type ILIKE '%html%'"""

_FINGERPRINTS = f"""SELECT p.id, p.simhash, p.content_hash FROM pages p
                     WHERE {ELIGIBLE} AND p.simhash IS NOT NULL ORDER BY p.id"""
_URLS = "SELECT id, url FROM pages WHERE id = ANY($1::bigint[])"

_EXACT = f"""
SELECT id, n, CASE WHEN first_id <> id THEN first_id ELSE second_id END AS other,
       CASE WHEN first_id <> id THEN first_url ELSE second_url END AS other_url
FROM (
    SELECT p.id, count(*) OVER w AS n,
           first_value(p.id) OVER w AS first_id, first_value(p.url) OVER w AS first_url,
           nth_value(p.id, 2) OVER w AS second_id, nth_value(p.url, 2) OVER w AS second_url
    FROM pages p WHERE {ELIGIBLE} AND p.content_hash IS NOT NULL AND p.content_hash <> ''
    WINDOW w AS (PARTITION BY p.content_hash ORDER BY p.id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
) s WHERE n > 1 ORDER BY id
"""


@dataclass(frozen=True)
class Match:
    """A page's closest duplicate."""

    page_id: int
    other_id: int
    other_url: str
    similarity: float
    group_size: int = 2


async def exact(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> list[Match]:
    """Eligible pages whose normalised body text is identical to another eligible page's."""
    rows = await conn.fetch(_EXACT, crawl_id)
    return [Match(r["id"], r["other"], r["other_url"], 1.0, r["n"]) for r in rows]


def closest(fingerprints: list[int], hashes: list[str | None], threshold: float) -> dict[int, tuple[int, int]]:
    """Index -> (distance, index of its closest match) for fingerprints within ``threshold``.

    Pairs with the same content hash are identical, not near, and are skipped.
    """
    mask64 = (1 << _BITS) - 1
    values = [f & mask64 for f in fingerprints]
    limit = max_distance(threshold)
    best: dict[int, tuple[int, int]] = {}
    for (sa, wa), (sb, wb) in itertools.combinations(blocks(threshold), 2):
        ma, mb = (1 << wa) - 1, (1 << wb) - 1
        buckets: dict[int, list[int]] = {}
        for i, v in enumerate(values):
            buckets.setdefault((v >> sa & ma) << wb | (v >> sb & mb), []).append(i)
        for members in buckets.values():
            if len(members) < 2:
                continue
            for x, y in itertools.combinations(members, 2):
                distance = (values[x] ^ values[y]).bit_count()
                if distance > limit or (hashes[x] is not None and hashes[x] == hashes[y]):
                    continue
                if (distance, y) < best.get(x, (_BITS + 1, 0)):
                    best[x] = (distance, y)
                if (distance, x) < best.get(y, (_BITS + 1, 0)):
                    best[y] = (distance, x)
    return best


async def near(conn: asyncpg.Connection, crawl_id: uuid.UUID, threshold: float) -> list[Match]:
    """Eligible pages at ``threshold`` similarity or more to another (not identical) one: the closest."""
    rows = await conn.fetch(_FINGERPRINTS, crawl_id)
    ids = [r["id"] for r in rows]
    found = await asyncio.to_thread(closest, [r["simhash"] for r in rows], [r["content_hash"] for r in rows], threshold)
    del rows
    urls = {r["id"]: r["url"] for r in await conn.fetch(_URLS, [ids[o] for _, o in found.values()])}
    return [
        Match(ids[i], ids[o], urls[ids[o]], round(1 - distance / _BITS, 4))
        for i, (distance, o) in sorted(found.items())
    ]
