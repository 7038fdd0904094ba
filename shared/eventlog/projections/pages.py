"""The ``pages`` and ``links`` projections: each crawled page as a row, its links as rows. Every write is here.

A page row is the ``PageRecord`` (shared.model.pages) column for column, without its links; the
column list derives from the model, so the record, the table and this insert cannot drift apart.
The inlink counts are filled in when the crawl completes (``crawls.completed``, one statement
with the crawl's status); the closest duplicate comes from the audit's duplicate issues.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

from shared.model import pages as schema
from shared.model.pages import PageRecord

# crawl_id first, then the record's stored fields in the model's order.
COLUMNS: tuple[str, ...] = ("crawl_id", *schema.RECORD_COLUMNS)
_INSERT = (
    f"INSERT INTO pages ({', '.join(COLUMNS)}) VALUES "
    f"({', '.join(f'${i}' for i in range(1, len(COLUMNS) + 1))}) "
    "ON CONFLICT (id) DO NOTHING"
)
_STORED_IDS = "SELECT id FROM pages WHERE id = ANY($1::bigint[])"
_LINK_COLUMNS = ("crawl_id", "source_id", "ordinal", "target_url", "anchor", "rel", "internal", "original_url",
                 "url_rules")  # fmt: skip

_CLEAR_DUPLICATES = """UPDATE pages SET near_duplicate_of = NULL, near_duplicate_similarity = NULL
                       WHERE crawl_id = $1 AND near_duplicate_of IS NOT NULL"""
# An identical page (similarity 1.0) beats a near one, whichever event came first. DISTINCT ON:
# one row per page (the most similar) for a single set-based UPDATE.
_SET_DUPLICATES = """
UPDATE pages p SET near_duplicate_of = m.other, near_duplicate_similarity = m.similarity
FROM (SELECT DISTINCT ON (id) id, other, similarity
      FROM unnest($2::bigint[], $3::bigint[], $4::float8[]) AS u(id, other, similarity)
      ORDER BY id, similarity DESC) m
WHERE p.crawl_id = $1 AND p.id = m.id
  AND (p.near_duplicate_similarity IS NULL OR p.near_duplicate_similarity < m.similarity)
"""


def _row(page: PageRecord, crawl_id: uuid.UUID) -> tuple[Any, ...]:
    """A page record as the pages row's values, in ``COLUMNS`` order.

    The same values as ``model_dump(mode="python")`` (datetimes kept for asyncpg, nested models as
    dicts), read by attribute: dumping every field of every page was a hot spot of the crawl.
    """
    return (crawl_id, *(
        [m.model_dump() for m in getattr(page, column)] if column in schema.MODEL_LIST_COLUMNS
        else _dumped(getattr(page, column)) if column in schema.MODEL_COLUMNS
        else getattr(page, column)
        for column in schema.RECORD_COLUMNS
    ))  # fmt: skip


def _dumped(value: Any) -> Any:
    return value.model_dump() if value is not None else None


async def store(conn: asyncpg.Connection, crawl_id: uuid.UUID, records: Sequence[PageRecord]) -> int:
    """Insert the pages not stored yet and their links; returns how many pages were new.

    One query for what is already stored and one pipelined insert, not a round trip per page: this
    runs for every batch of a crawl and is the worker's hottest write. A page already stored (an
    idempotent replay of the same batch) is skipped with its links.
    """
    stored_ids = {row["id"] for row in await conn.fetch(_STORED_IDS, [p.id for p in records])}
    page_rows: list[tuple[Any, ...]] = []
    link_rows: list[tuple[Any, ...]] = []
    for page in records:
        if page.id in stored_ids:
            continue
        stored_ids.add(page.id)
        page_rows.append(_row(page, crawl_id))
        for ordinal, link in enumerate(page.links):
            link_rows.append((crawl_id, page.id, ordinal, link.url, link.anchor or None, link.rel or None,
                              link.internal, link.original_url, link.url_rules or None))  # fmt: skip
    if page_rows:
        await conn.executemany(_INSERT, page_rows)
    if link_rows:
        await conn.copy_records_to_table("links", records=link_rows, columns=_LINK_COLUMNS)
    return len(page_rows)


async def clear_duplicates(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    """Forget every page's closest duplicate (the audit is about to name them again)."""
    await conn.execute(_CLEAR_DUPLICATES, crawl_id)


async def set_duplicates(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, matches: Sequence[tuple[int, int, float]]
) -> None:
    """``(page, other page, similarity)``: each page keeps its most similar other page."""
    await conn.execute(
        _SET_DUPLICATES, crawl_id, [m[0] for m in matches], [m[1] for m in matches], [m[2] for m in matches]
    )


_CLEAR_LINK_SCORES = "UPDATE pages SET link_score = NULL WHERE crawl_id = $1 AND link_score IS NOT NULL"
_SET_LINK_SCORES = """UPDATE pages p SET link_score = u.score
FROM unnest($2::bigint[], $3::float8[]) AS u(id, score)
WHERE p.crawl_id = $1 AND p.id = u.id"""


async def clear_link_scores(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    """Forget the crawl's link scores (a new computation is about to set them)."""
    await conn.execute(_CLEAR_LINK_SCORES, crawl_id)


async def set_link_scores(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, page_ids: Sequence[int], scores: Sequence[float]
) -> None:
    """Each page's internal link score (shared.audit.linkscore), one set-based statement."""
    await conn.execute(_SET_LINK_SCORES, crawl_id, list(page_ids), list(scores))
