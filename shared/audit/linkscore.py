"""Internal link score: PageRank over the crawl's internal link graph, scaled 0–100 (docs/AUDIT.md).

Computed once, when the crawl completes, like Screaming Frog's Link Score:

- **Nodes** are the crawl's pages except those that pass their links on: a URL that redirects
  hands every link to it to its final URL, and an HTML 200 page canonicalised to another crawled
  page hands them to its canonical (so a page and its duplicates are one node). Broken pages,
  noindex pages and pages blocked by robots.txt are nodes: they receive score, and a broken page
  with a high score is a link worth fixing.
- **Edges** are internal ``<a href>`` links, one per (source, target) pair however often a page
  repeats it. Links marked ``rel=nofollow``, links on a page whose robots directives say
  ``nofollow``, links to itself (``#fragment`` links included) and links of pages that are no
  node pass nothing.
- **PageRank** with damping 0.85: ``PR(u) = (1 - d)/n + d · (Σ PR(v)/out(v) + dangling/n)``, where
  the score of pages with no outgoing edge (dangling) is shared by all, iterated on a sparse
  matrix (scipy) until it changes by less than 1e-9.
- **Scale**: ``100 · ln(PR/PR0) / ln(PRmax/PR0)``, rounded to 0.1, where ``PR0 = (1 - d)/n`` is
  what a page gets without any link: the strongest page is 100, a page no link reaches is about 0,
  and each step of ten in between is the same factor of PageRank. A crawl whose pages all score
  alike gives every one 100.

The graph is read by SQL into numpy arrays (ids and edges, 16 bytes a link); the iteration is
pure CPU and runs through ``offload`` (the worker's CPU pool), never on the event loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import numpy as np
from scipy import sparse

from shared.audit import catalogue, queries
from shared.eventlog import events as ev
from shared.model.crawlsettings import Thresholds

DAMPING = 0.85
TOLERANCE = 1e-9  # L1 change per iteration, relative to the total score of 1
MAX_ITERATIONS = 200
EVENT_BATCH = 50_000  # scores per LinkScoresComputed event (about 1.5 MB of JSON)
SHALLOW_DEPTH = 1  # "important" pages: in the sitemap, or linked from the start page itself
_CHUNK = 100_000

# Runs ``function(*args)`` off the event loop: the worker's CPU pool in production.
Offload = Callable[..., Awaitable[Any]]

_NOFOLLOW_PAGE = (
    "(coalesce(p.meta_robots, '') || ',' || coalesce(p.x_robots_tag, '')) ~* '(^|[\\s,:;])(nofollow|none)([\\s,;]|$)'"
)

# Every page with where it hands its links on (a redirect's final URL, a canonical target), and
# whether its own links pass anything.
_PAGES = f"""
SELECT p.id,
       CASE WHEN {queries.redirects("p")} THEN coalesce(f.id, -1)
            WHEN c.id IS NOT NULL AND {queries.content("p")} THEN c.id
            ELSE 0 END AS forward,
       {_NOFOLLOW_PAGE} AS nofollow
FROM pages p
LEFT JOIN pages f ON f.crawl_id = p.crawl_id AND f.url = p.final_url AND f.id <> p.id
LEFT JOIN pages c ON c.crawl_id = p.crawl_id AND c.url = p.canonical AND c.id <> p.id
WHERE p.crawl_id = $1
"""

# Followed internal links between crawled pages (targets by URL, so a link to a redirect names
# the redirecting page; the forwarding happens in numpy).
_EDGES = """
SELECT l.source_id, t.id AS target_id
FROM links l JOIN pages t ON t.crawl_id = l.crawl_id AND t.url = l.target_url
WHERE l.crawl_id = $1 AND l.internal AND l.source_id <> t.id
  AND (l.rel IS NULL OR l.rel !~* '(^|\\s)nofollow(\\s|$)')
"""

# Important pages among those scored low: HTML 200 pages in the sitemap or near the start, that
# some other page links to (a page no link reaches is an orphan, reported as such).
_LOW = f"""SELECT p.id, p.depth, p.in_sitemap FROM pages p
WHERE p.crawl_id = $1 AND p.id = ANY($2::bigint[]) AND (p.in_sitemap OR p.depth <= $3)
  AND {queries.content("p")}
  AND EXISTS (SELECT 1 FROM links l WHERE l.crawl_id = $1 AND l.internal AND l.target_url = p.url
              AND l.source_id <> p.id)
ORDER BY p.id"""


def pagerank(count: int, sources: np.ndarray, targets: np.ndarray, damping: float = DAMPING) -> tuple[np.ndarray, int]:
    """PageRank of ``count`` nodes (0..count-1) linked by the edges ``sources[i] -> targets[i]``.

    Edges are taken once per pair; self loops are ignored. Returns (scores summing to 1, iterations).
    """
    if count == 0:
        return np.zeros(0), 0
    keep = sources != targets
    pairs = np.unique(sources[keep].astype(np.int64) * count + targets[keep].astype(np.int64))
    src, dst = pairs // count, pairs % count
    out_degree = np.bincount(src, minlength=count).astype(np.float64)
    weights = 1.0 / out_degree[src]
    # transition[t, s] = 1/out(s) for each edge s -> t: one multiplication moves score along every edge
    transition = sparse.csr_matrix((weights, (dst, src)), shape=(count, count))
    dangling = out_degree == 0
    score = np.full(count, 1.0 / count)
    teleport = (1.0 - damping) / count
    for iteration in range(1, MAX_ITERATIONS + 1):
        spread = damping * score[dangling].sum() / count
        new = damping * (transition @ score) + spread + teleport
        new /= new.sum()  # keep the total at 1 against rounding drift
        change = float(np.abs(new - score).sum())
        score = new
        if change < TOLERANCE:
            return score, iteration
    return score, MAX_ITERATIONS


def scale(scores: np.ndarray, damping: float = DAMPING) -> np.ndarray:
    """PageRank as 0–100 on a log scale: the strongest page 100, a page no link reaches about 0.

    The bottom of the scale is what every page gets without a single link, ``(1 - d)/n``, not the
    weakest page of the crawl: a small site's least linked page is not "0" for being last.
    """
    if len(scores) == 0:
        return scores
    floor = (1.0 - damping) / len(scores)
    high = float(scores.max())
    if high <= floor * (1 + 1e-9):
        return np.full(len(scores), 100.0)
    return np.round(100.0 * np.log(np.maximum(scores, floor) / floor) / math.log(high / floor), 1)


def scores_of(ids: np.ndarray, forward: np.ndarray, nofollow: np.ndarray, sources: np.ndarray,
              targets: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """Link scores (0–100) of the node pages: ``(page ids, scores)``.

    ``ids``: every page; ``forward``: per page, 0 when it is a node, the page id its links go to
    (a redirect's final URL, a canonical), or -1 when they go nowhere crawled. ``nofollow``: the
    page's own links pass nothing. ``sources``/``targets``: the followed links, as page ids.
    """
    order = np.argsort(ids)
    ids, forward, nofollow = ids[order], forward[order], nofollow[order]
    # follow forwards a few hops (a canonical to a redirect); a longer or looping path goes nowhere
    resolved = targets.copy()
    for _ in range(5):
        at = np.searchsorted(ids, resolved).clip(0, max(len(ids) - 1, 0))
        step = np.where(ids[at] == resolved, forward[at], -1)
        moving = step > 0
        if not moving.any():
            break
        resolved = np.where(moving, step, resolved)
    at = np.searchsorted(ids, resolved).clip(0, max(len(ids) - 1, 0))
    valid = (ids[at] == resolved) & (forward[at] == 0)
    src_at = np.searchsorted(ids, sources).clip(0, max(len(ids) - 1, 0))
    valid &= (ids[src_at] == sources) & (forward[src_at] == 0) & ~nofollow[src_at]
    is_node = forward == 0
    node_ids = ids[is_node]
    node_of = np.cumsum(is_node) - 1  # page position -> node number
    rank, _ = pagerank(len(node_ids), node_of[src_at[valid]], node_of[at[valid]])
    return node_ids, scale(rank)


async def _arrays(conn: asyncpg.Connection, sql: str, crawl_id: uuid.UUID, columns: int) -> list[np.ndarray]:
    """Rows of ``sql`` as one numpy array per column, read through a cursor in chunks."""
    chunks: list[list[list[Any]]] = [[] for _ in range(columns)]
    buffers: list[list[Any]] = [[] for _ in range(columns)]
    # a cursor needs a transaction: the caller's, or a read-only one of its own
    context = contextlib.nullcontext() if conn.is_in_transaction() else conn.transaction(readonly=True)
    async with context:
        async for row in conn.cursor(sql, crawl_id, prefetch=10_000):
            for i in range(columns):
                buffers[i].append(row[i])
            if len(buffers[0]) >= _CHUNK:
                for i in range(columns):
                    chunks[i].append(buffers[i])
                buffers = [[] for _ in range(columns)]
    for i in range(columns):
        chunks[i].append(buffers[i])
    return [np.concatenate([np.asarray(c) for c in chunks[i]]) if chunks[i] else np.zeros(0) for i in range(columns)]


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.to_thread(function, *args)


async def compute(conn: asyncpg.Connection, crawl_id: uuid.UUID, *, offload: Offload | None = None) -> dict[int, float]:
    """Every node page's link score (0–100), by page id. Call it outside a transaction."""
    ids, forward, nofollow = await _arrays(conn, _PAGES, crawl_id, 3)
    sources, targets = await _arrays(conn, _EDGES, crawl_id, 2)
    node_ids, values = await (offload or _in_thread)(
        scores_of,
        ids.astype(np.int64),
        forward.astype(np.int64),
        nofollow.astype(bool),
        sources.astype(np.int64),
        targets.astype(np.int64),
    )
    return dict(zip(node_ids.tolist(), values.tolist(), strict=True))


def to_events(crawl_id: uuid.UUID, scores: dict[int, float]) -> list[ev.LinkScoresComputed]:
    """Scores as events of bounded size; the first clears the crawl's earlier scores."""
    items = sorted(scores.items())
    events = [
        ev.LinkScoresComputed(
            crawl_id=crawl_id,
            page_ids=[page for page, _ in items[start : start + EVENT_BATCH]],
            scores=[score for _, score in items[start : start + EVENT_BATCH]],
            replace=start == 0,
        )
        for start in range(0, len(items), EVENT_BATCH)
    ]
    return events or [ev.LinkScoresComputed(crawl_id=crawl_id, page_ids=[], scores=[], replace=True)]


async def issues(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, scores: dict[int, float], t: Thresholds
) -> list[dict[str, Any]]:
    """``low_link_score``: important pages (in the sitemap, or shallow) that internal links barely reach.

    A page no other page links to is an orphan, not a weak page: it is not reported here.
    """
    low = [page for page, score in scores.items() if score < t.link_score_min]
    if not low:
        return []
    rows = await conn.fetch(_LOW, crawl_id, low, SHALLOW_DEPTH)
    return [
        {"page_id": r["id"], "code": "low_link_score", "severity": catalogue.severity_of("low_link_score"),
         "details": {"link_score": scores[r["id"]], "depth": r["depth"], "in_sitemap": r["in_sitemap"]}}
        for r in rows
    ]  # fmt: skip
