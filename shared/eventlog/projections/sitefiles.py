"""The ``site_files`` projection: robots.txt and llms.txt as a crawl read them, one row per (crawl, kind,
origin). Every write is here."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from shared.model.sitefiles import SiteFile

# A file read again for the same origin (a later attempt) replaces the one stored before.
_UPSERT = """
INSERT INTO site_files (crawl_id, kind, origin, url, status, data) VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (crawl_id, kind, origin) DO UPDATE SET url = EXCLUDED.url, status = EXCLUDED.status, data = EXCLUDED.data
"""


async def store(conn: asyncpg.Connection, crawl_id: uuid.UUID, files: Sequence[SiteFile]) -> None:
    """Keep what the crawl read of each file."""
    rows = [(crawl_id, f.kind, f.origin, f.url, f.status, f.model_dump(mode="json", exclude={"text"})) for f in files]
    await conn.executemany(_UPSERT, rows)
