"""The ``issues`` projection: one row per (crawl, code, page), the audit's findings. Every write is here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import asyncpg

_DELETE_CODES = "DELETE FROM issues WHERE crawl_id = $1 AND code = ANY($2::text[])"
# One set-based statement per event (thousands of rows at a crawl's end); DISTINCT ON keeps the
# last finding per (code, page) because ON CONFLICT cannot touch a row twice.
_UPSERT = """
INSERT INTO issues (crawl_id, page_id, code, severity, details)
SELECT DISTINCT ON (code, page_id) $1, page_id, code, severity, details
FROM unnest($2::bigint[], $3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY AS u(page_id, code, severity, details, n)
ORDER BY code, page_id, n DESC
ON CONFLICT (crawl_id, code, page_id) DO UPDATE SET severity = EXCLUDED.severity, details = EXCLUDED.details
"""


async def delete_codes(conn: asyncpg.Connection, crawl_id: uuid.UUID, codes: Sequence[str]) -> None:
    """Drop the crawl's findings of ``codes`` (a new audit of those codes replaces them)."""
    await conn.execute(_DELETE_CODES, crawl_id, list(codes))


async def upsert(conn: asyncpg.Connection, crawl_id: uuid.UUID, found: Sequence[dict[str, Any]]) -> None:
    """Store findings ``{page_id, code, severity, details}``; a later one for the same page and code wins."""
    await conn.execute(
        _UPSERT,
        crawl_id,
        [i["page_id"] for i in found],
        [i["code"] for i in found],
        [i["severity"] for i in found],
        [i.get("details") or {} for i in found],
    )
