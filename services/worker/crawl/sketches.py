"""``page_sketches``: the near-duplicate sketches of a crawl's pages, written with each page batch.

Each HTML page with words has a MinHash signature and a bottom-k sketch of its word 3-shingles
(``shared.audit.minhash``), computed in the CPU pool with the rest of its record. They are written in
the batch's transaction (so a page is never stored without them, nor twice), read by the site-wide
near-duplicate pass (``shared.audit.duplicates.near``) and deleted when the crawl completes: they are
the pass's input, not something anyone reads later.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from shared.model.pages import PageRecord

_COLUMNS = ("crawl_id", "page_id", "signature", "sketch")
_DROP = "DELETE FROM page_sketches WHERE crawl_id = $1"


async def add(conn: asyncpg.Connection, crawl_id: uuid.UUID, pages: Sequence[PageRecord]) -> int:
    """Store the sketches of ``pages`` that have them (inside the batch's transaction); how many."""
    rows = [(crawl_id, page.id, *page._sketches) for page in pages if page._sketches is not None]
    if rows:
        await conn.copy_records_to_table("page_sketches", records=rows, columns=_COLUMNS)
    return len(rows)


async def drop(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    """The crawl completed: its near-duplicate pass has run, the sketches are no longer needed."""
    await conn.execute(_DROP, crawl_id)
