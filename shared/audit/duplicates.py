"""Duplicate content: exact (same hash of the normalised body text) and near (estimated Jaccard).

Exact duplicates share ``content_hash``. Near duplicates are pages whose word 3-shingle sets have a
Jaccard similarity at or above ``near_duplicate_similarity`` (Screaming Frog's meaning of the
figure), estimated by ``shared.audit.minhash``: each page's MinHash signature (128 slots) and
bottom-k sketch, written by the worker with its page batch (``page_sketches``). LSH banding tuned to
the threshold proposes candidate pairs from the signatures; the similarity of a candidate pair is
computed from the two pages' bottom-k sketches (exact for pages up to about 500 words, within
±0.02 above). Identical pages (one content hash) take part once: 10,000 copies cost one page.

The signatures of the eligible pages are read in chunks in a read-only transaction that ends before
the matching starts; only the candidates' sketches are read after that. The matching is pure CPU
(``_candidates``, ``_closest``): the crawler runs it in its CPU pool (``offload=``), where it is
bounded and cancelled with the crawl.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import asyncpg
import numpy as np

from shared.audit import minhash

_WORD = re.compile(r"\w+", re.UNICODE)


def normalise(text: str) -> str:
    """Body text reduced to lowercase words separated by single spaces (what ``content_hash`` hashes)."""
    return " ".join(_WORD.findall(text.lower()))


def content_hash(text: str) -> str:
    """Hex SHA-1 of the normalised body text: equal for pages whose text differs only in spacing/case."""
    return hashlib.sha1(normalise(text).encode("utf-8")).hexdigest()


# Content pages eligible for duplicate checks: indexable HTML that answered 200.
ELIGIBLE = """p.crawl_id = $1 AND p.indexable AND p.status_code = 200 AND p.error IS NULL
              AND NOT p.blocked_by_robots AND p.redirect_chain = '[]'::jsonb AND p.content_type ILIKE '%html%'"""

# Each content hash as a number (-1 for none): equal numbers are equal hashes, and 8 bytes a page
# instead of a 40-character string; the page's MinHash signature (512 bytes).
_SIGNATURES = f"""SELECT f.id, s.signature, CASE WHEN f.content_hash IS NULL THEN -1 ELSE f.group_number END
                   FROM (SELECT p.id, p.content_hash, dense_rank() OVER (ORDER BY p.content_hash) AS group_number
                         FROM pages p WHERE {ELIGIBLE}) f
                   JOIN page_sketches s ON s.crawl_id = $1 AND s.page_id = f.id
                   ORDER BY f.id"""
_SKETCHES = "SELECT page_id, sketch FROM page_sketches WHERE crawl_id = $1 AND page_id = ANY($2::bigint[])"
FETCH_BATCH = 5000  # signature rows read at a time
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


def _candidates(signatures: np.ndarray, groups: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """``(representatives, owner, xs, ys)``: one row per content-hash group, and the candidate pairs
    among them (positions in ``representatives``) that LSH banding proposes for ``threshold``."""
    representatives, owner = minhash.collapse(groups)
    xs, ys, _ = minhash.candidates(signatures[representatives], threshold)
    return representatives, owner, xs, ys


def _closest(
    xs: np.ndarray,
    ys: np.ndarray,
    sketches: dict[int, bytes],
    representatives: np.ndarray,
    owner: np.ndarray,
    threshold: float,
) -> minhash.Matches:
    """Each row's closest near duplicate (rows of the signature arrays), from the candidates' sketches."""
    sketch_of = {i: minhash.decode(raw) for i, raw in sketches.items()}
    found = minhash.closest(xs, ys, sketch_of, np.full(len(representatives), -1), threshold)
    return minhash.expand(found, representatives, owner)


async def _signatures(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(ids, signatures as an (n, 128) uint32 array, content-hash groups) of the eligible pages, in chunks."""
    ids, signatures, groups = [], [], []
    context = contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction(readonly=True)
    async with context:
        cursor = await conn.cursor(_SIGNATURES, crawl_id)
        while rows := await cursor.fetch(FETCH_BATCH):
            ids.append(np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows)))
            signatures.append(np.frombuffer(b"".join(r[1] for r in rows), dtype="<u4").reshape(len(rows), -1))
            groups.append(np.fromiter((r[2] for r in rows), dtype=np.int64, count=len(rows)))
            del rows
    if not ids:
        empty = np.zeros(0, dtype=np.int64)
        return empty, np.zeros((0, minhash.PERMUTATIONS), dtype=np.uint32), empty
    return np.concatenate(ids), np.concatenate(signatures).astype(np.uint32), np.concatenate(groups)


# Runs ``function(*args)`` off the event loop: the service's CPU pool (``CpuPool.run``) in production.
Offload = Callable[..., Awaitable[Any]]


async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
    """The fallback ``Offload`` for tools and tests without a CPU pool: a thread (not cancellable)."""
    return await asyncio.to_thread(function, *args)


async def near(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, threshold: float, *, offload: Offload | None = None
) -> list[Match]:
    """Eligible pages whose estimated Jaccard similarity (word 3-shingles) to another, not identical,
    eligible page is ``threshold`` or more: each with its closest match.

    The matching runs through ``offload`` (the CPU pool); no transaction is open while it runs.
    """
    run = offload or in_thread
    ids, signatures, groups = await _signatures(conn, crawl_id)
    if len(ids) < 2:
        return []
    representatives, owner, xs, ys = await run(_candidates, signatures, groups, threshold)
    del signatures
    needed = sorted(set(xs.tolist()) | set(ys.tolist()))
    page_ids = {int(ids[representatives[i]]): i for i in needed}
    rows = await conn.fetch(_SKETCHES, crawl_id, list(page_ids)) if page_ids else []
    sketches = {page_ids[r["page_id"]]: bytes(r["sketch"]) for r in rows}
    found = await run(_closest, xs, ys, sketches, representatives, owner, threshold)
    page_of, other_of = ids[found.index].tolist(), ids[found.other].tolist()
    urls = {r["id"]: r["url"] for r in await conn.fetch(_URLS, sorted(set(other_of)))}
    return [
        Match(page_id, other_id, urls[other_id], round(float(similarity), 4))
        for page_id, other_id, similarity in zip(page_of, other_of, found.similarity.tolist(), strict=True)
    ]
