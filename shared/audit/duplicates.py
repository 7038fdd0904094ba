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

Only ``(id, simhash, content-hash group)`` of eligible pages are read, in chunks into numpy arrays
(24 bytes a page), in a read-only transaction that ends before the matching starts. The matching is
pure CPU on those arrays (``_matches``): the crawler runs it in its CPU pool (``offload=``), where
it is bounded and cancelled with the crawl; pages sharing a fingerprint are grouped first, so
10,000 copies of one page cost what one page costs. The function boundary is
``_matches(fingerprints, groups, threshold)``: a MinHash/LSH replacement keeps that shape.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np

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

# Each content hash as a number (-1 for none): equal numbers are equal hashes, and 8 bytes a page
# instead of a 40-character string; the page's fingerprint as a signed bigint.
_FINGERPRINTS = f"""SELECT id, simhash, CASE WHEN content_hash IS NULL THEN -1 ELSE group_number END
                     FROM (SELECT p.id, p.simhash, p.content_hash,
                                  dense_rank() OVER (ORDER BY p.content_hash) AS group_number
                           FROM pages p WHERE {ELIGIBLE} AND p.simhash IS NOT NULL) f
                     ORDER BY id"""
FETCH_BATCH = 5000  # fingerprint rows read at a time
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


def _popcount(values: np.ndarray) -> np.ndarray:
    """Set bits of each uint64 (numpy 2's bitwise_count, else by unpacking the bytes)."""
    if hasattr(np, "bitwise_count"):
        return np.bitwise_count(values).astype(np.int64)
    return np.unpackbits(values.astype("<u8").view(np.uint8)).reshape(-1, _BITS).sum(axis=1, dtype=np.int64)


MAX_BUCKET_NEIGHBOURS = 64  # candidates compared per page and bucket: bounds the pass on hostile sets


def _lsh_closest(values: np.ndarray, labels: np.ndarray, threshold: float, scale: int) -> tuple[np.ndarray, np.ndarray]:
    """For distinct fingerprints: (best, found) where ``best[i] = distance * scale + labels[j]`` of the
    closest other fingerprint ``j`` within ``threshold`` (least distance, then least label).

    Vectorised: per pair of blocks the bucket keys are sorted, and equal neighbours at offset
    1, 2, ... are the bucket's pairs. Fingerprints are distinct here (identical pages were grouped
    before), so buckets are small; a bucket of more than ``MAX_BUCKET_NEIGHBOURS`` near-identical
    fingerprints (a crafted set) compares each with its nearest ``MAX_BUCKET_NEIGHBOURS`` in key order
    only, which keeps the pass linear and still finds a match within the threshold for each.
    """
    count = len(values)
    none = np.iinfo(np.int64).max
    best = np.full(count, none, dtype=np.int64)
    limit = max_distance(threshold)
    for (sa, wa), (sb, wb) in itertools.combinations(blocks(threshold), 2):
        ma, mb = np.uint64((1 << wa) - 1), np.uint64((1 << wb) - 1)
        keys = ((values >> np.uint64(sa)) & ma) << np.uint64(wb) | ((values >> np.uint64(sb)) & mb)
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        for offset in range(1, min(count, MAX_BUCKET_NEIGHBOURS + 1)):
            same = keys[offset:] == keys[:-offset]
            if not same.any():
                break  # buckets are contiguous runs: none this long, none longer
            xs, ys = order[:-offset][same], order[offset:][same]
            distance = _popcount(values[xs] ^ values[ys])
            keep = distance <= limit
            xs, ys, distance = xs[keep], ys[keep], distance[keep]
            np.minimum.at(best, xs, distance * scale + labels[ys])
            np.minimum.at(best, ys, distance * scale + labels[xs])
    return best, best != none


def _matches(values: np.ndarray, groups: np.ndarray, threshold: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(index, distance, index of its closest match) arrays for pages within ``threshold`` of another.

    ``values`` are the pages' unsigned fingerprints, ``groups`` a number per content hash (-1 for
    none): pages of one group are identical, exact duplicates, never each other's near match.
    The closest match is the least (distance, index), as a pair-by-pair loop would find it.

    Linear in the pages however many are identical: pages are first grouped by fingerprint (10,000
    copies of one page are one fingerprint, not 50 million pairs). Pages sharing a fingerprint but
    not a content hash are each other's match at distance 0; every other match is found among the
    distinct fingerprints by ``_lsh_closest`` and applies to every page holding that fingerprint.
    """
    count = len(values)
    empty = np.zeros(0, dtype=np.int64)
    if count == 0:
        return empty, empty, empty
    groups = groups.astype(np.int64, copy=True)
    missing = groups < 0
    # A page without a content hash is identical to nobody: a group of its own.
    groups[missing] = int(groups.max(initial=-1)) + 1 + np.arange(int(missing.sum()), dtype=np.int64)
    unique, first, inverse = np.unique(values, return_index=True, return_inverse=True)
    inverse = inverse.reshape(-1)
    none = np.iinfo(np.int64).max
    # Same fingerprint, another content hash: distance 0. The least index of a group other than
    # the page's own is the value's first page, or (for pages of the first page's group) the least
    # index outside that group.
    first_group = groups[first][inverse]
    other_group = groups != first_group
    second = np.full(len(unique), none, dtype=np.int64)
    np.minimum.at(second, inverse[other_group], np.flatnonzero(other_group))
    zero = np.where(other_group, first[inverse], second[inverse])
    # Other fingerprints within the threshold, among the distinct ones (labelled by their first page).
    best_unique, found_unique = _lsh_closest(unique, first.astype(np.int64), threshold, count)
    best = np.where(zero != none, zero, np.where(found_unique[inverse], best_unique[inverse], none))
    found = np.flatnonzero(best != none)
    return found, best[found] // count, best[found] % count


def closest(fingerprints: list[int], hashes: list[str | None], threshold: float) -> dict[int, tuple[int, int]]:
    """Index -> (distance, index of its closest match) for fingerprints within ``threshold``.

    Pairs with the same content hash are identical, not near, and are skipped.
    """
    values = np.array([f & ((1 << _BITS) - 1) for f in fingerprints], dtype=np.uint64)
    numbers: dict[str, int] = {}
    groups = np.array([-1 if h is None else numbers.setdefault(h, len(numbers)) for h in hashes], dtype=np.int64)
    found, distance, other = _matches(values, groups, threshold)
    return {int(i): (int(d), int(o)) for i, d, o in zip(found, distance, other, strict=True)}


async def _fingerprints(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, unsigned simhashes, content-hash groups) of the eligible pages, read in chunks."""
    ids, values, groups = [], [], []
    context = contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction(readonly=True)
    async with context:
        cursor = await conn.cursor(_FINGERPRINTS, crawl_id)
        while rows := await cursor.fetch(FETCH_BATCH):
            ids.append(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
            values.append(np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows)).view(np.uint64))
            groups.append(np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)))
            del rows
    if not ids:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty.view(np.uint64), empty
    return np.concatenate(ids), np.concatenate(values), np.concatenate(groups)


# Runs ``function(*args)`` off the event loop: the service's CPU pool (``CpuPool.run``) in production.
Offload = Callable[..., Awaitable[Any]]


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """The fallback ``Offload`` for tools and tests without a CPU pool: a thread (not cancellable)."""
    return await asyncio.to_thread(function, *args)


async def near(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, threshold: float, *, offload: Offload | None = None
) -> list[Match]:
    """Eligible pages at ``threshold`` similarity or more to another (not identical) one: the closest.

    The matching runs through ``offload`` (the CPU pool); no transaction is open while it runs.
    """
    ids, values, groups = await _fingerprints(conn, crawl_id)
    found, distance, other = await (offload or in_thread)(_matches, values, groups, threshold)
    del values, groups
    page_ids, other_ids = ids[found].tolist(), ids[other].tolist()
    urls = {r["id"]: r["url"] for r in await conn.fetch(_URLS, sorted(set(other_ids)))}
    return [
        Match(page_id, other_id, urls[other_id], round(1 - d / _BITS, 4))
        for page_id, other_id, d in zip(page_ids, other_ids, distance.tolist(), strict=True)
    ]
