"""Duplicate content: exact (same hash of the normalised body text) and near (simhash + LSH).

Near duplicates use the 64-bit simhash the crawler stores per page (``simhash`` below computes
one). Similarity is ``1 - hamming / 64``; the default threshold 0.9 means at most 6 differing
bits. Candidates come from locality-sensitive blocks, never from all pairs: the fingerprint is
cut into 8 blocks of 8 bits, and by the pigeonhole principle two fingerprints at most 6 bits
apart agree exactly on at least 2 of the 8 blocks. So each page is bucketed under each of the
28 pairs of blocks (a 16-bit key), and only pages sharing a bucket are compared. Recall is exact
up to the threshold; on a 100,000-page crawl of unrelated pages a bucket holds ~1.5 pages, so
the work grows about linearly. Everything runs in one SQL statement; nothing is loaded into
Python but the matches.
"""

from __future__ import annotations

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


def band_keys(threshold: float) -> tuple[list[int], list[int], int]:
    """Shifts of the block pairs to bucket on, and the block width, for ``threshold``.

    8 blocks, pairs of them, when at most 6 bits may differ (2 blocks then always agree); with a
    looser threshold, single 4-bit blocks (exact for up to 15 differing bits, near all-pairs cost).
    """
    if max_distance(threshold) <= 6:
        pairs = list(itertools.combinations(range(8), 2))
        return [a * 8 for a, _ in pairs], [b * 8 for _, b in pairs], 8
    return [i * 4 for i in range(16)], [i * 4 for i in range(16)], 4


# Content pages eligible for duplicate checks: indexable HTML that answered 200.
ELIGIBLE = """p.crawl_id = $1 AND p.indexable AND p.status_code = 200 AND p.error IS NULL
              AND NOT p.blocked_by_robots AND p.redirect_chain = '[]'::jsonb AND p.content_type ILIKE '%html%'"""

# $2/$3: shifts of the two blocks forming each bucket key, $4: block mask, $5: max differing bits.
# The bit count runs on the XOR cast to bit(64); the DISTINCT ON keeps each page's closest match.
_NEAR = f"""
WITH p AS (
    SELECT p.id, p.url, p.simhash, p.content_hash FROM pages p WHERE {ELIGIBLE} AND p.simhash IS NOT NULL
), keys AS (
    SELECT p.id, k.n, ((p.simhash >> k.a) & $4) << 16 | ((p.simhash >> k.b) & $4) AS bucket
    FROM p CROSS JOIN unnest($2::int[], $3::int[]) WITH ORDINALITY AS k(a, b, n)
), candidates AS (
    SELECT DISTINCT x.id AS a, y.id AS b
    FROM keys x JOIN keys y ON x.n = y.n AND x.bucket = y.bucket AND x.id < y.id
), scored AS (
    SELECT c.a, c.b, bit_count((pa.simhash # pb.simhash)::bit(64)) AS distance
    FROM candidates c JOIN p pa ON pa.id = c.a JOIN p pb ON pb.id = c.b
    WHERE pa.content_hash IS DISTINCT FROM pb.content_hash
)
SELECT DISTINCT ON (s.id) s.id, s.other, o.url AS other_url, s.distance
FROM (SELECT a AS id, b AS other, distance FROM scored UNION ALL SELECT b, a, distance FROM scored) s
JOIN p o ON o.id = s.other
WHERE s.distance <= $5
ORDER BY s.id, s.distance, s.other
"""

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


async def near(conn: asyncpg.Connection, crawl_id: uuid.UUID, threshold: float) -> list[Match]:
    """Eligible pages at ``threshold`` similarity or more to another (not identical) one, closest first."""
    a_shifts, b_shifts, width = band_keys(threshold)
    rows = await conn.fetch(_NEAR, crawl_id, a_shifts, b_shifts, (1 << width) - 1, max_distance(threshold))
    return [Match(r["id"], r["other"], r["other_url"], round(1 - r["distance"] / _BITS, 4)) for r in rows]
