"""The audit's numbers for ``make bench``: re-audit time per 1,000 crawled pages, the near-duplicate
pass at 100,000 pages, and MinHash precision and recall on the 10,000-page synthetic set."""

from __future__ import annotations

import time
import uuid
from typing import Any

import numpy as np

from bench import synthetic
from shared.audit import audit, minhash
from shared.platform import database


async def reaudit(dsn: str, crawl_id: uuid.UUID) -> dict[str, Any]:
    """Every page and site rule again on a crawl the bench just stored (``audit.reaudit``)."""
    conn = await database.connect(dsn)
    try:
        pages = int(await conn.fetchval("SELECT count(*) FROM pages WHERE crawl_id = $1", crawl_id))
        started = time.perf_counter()
        events = await audit.reaudit(conn, crawl_id)
        seconds = time.perf_counter() - started
    finally:
        await conn.close()
    issues = sum(len(e.issues) for e in events)
    return {"pages": pages, "issues": issues, "seconds": round(seconds, 2),
            "ms_per_1000_pages": round(seconds * 1000 / max(pages, 1) * 1000, 1)}  # fmt: skip


def near_duplicates(pages: int, *, seed: int = 13) -> dict[str, Any]:
    """The matching pass (candidates, sketches, closest match) on ``pages`` synthetic pages."""
    corpus = synthetic.corpus(pages, seed=seed)
    signatures, sketches = corpus.sketches()
    started = time.perf_counter()
    found = minhash.match(signatures, sketches, np.array(corpus.groups), 0.9)
    seconds = time.perf_counter() - started
    return {"pages": pages, "seconds": round(seconds, 2), "near_duplicates": int(len(found.index))}


def quality(pages: int = 10_000, threshold: float = 0.9) -> dict[str, Any]:
    """Precision and recall of near-duplicate detection against the exact Jaccard similarities."""
    corpus = synthetic.corpus(pages)
    signatures, sketches = corpus.sketches()
    found = set(minhash.match(signatures, sketches, np.array(corpus.groups), threshold).index.tolist())
    truth = corpus.positives(threshold)
    hit = len(found & truth)
    return {"pages": pages, "threshold": threshold, "near_duplicates": len(truth),
            "precision": round(hit / len(found), 4) if found else None,
            "recall": round(hit / len(truth), 4) if truth else None}  # fmt: skip
