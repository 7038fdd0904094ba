"""The ``resources`` projection: the crawl's resource checker's answers, one row per (crawl, URL).

Images, stylesheets, scripts, icons, external link targets and https probes, each requested once
per crawl (services/worker/crawl/resources.py). Every write is here.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

import asyncpg

from shared.model.resources import ResourceCheck

# A later answer replaces an earlier one (a resumed crawl may check a URL again); DISTINCT ON keeps
# the last per URL because ON CONFLICT cannot touch a row twice.
_UPSERT = """
INSERT INTO resources (crawl_id, url, status_code, final_url, content_type, size_bytes, error, checked_at)
SELECT DISTINCT ON (url) $1, url, status_code, final_url, content_type, size_bytes, error, checked_at
FROM unnest($2::text[], $3::int[], $4::text[], $5::text[], $6::bigint[], $7::text[], $8::timestamptz[])
     WITH ORDINALITY AS u(url, status_code, final_url, content_type, size_bytes, error, checked_at, n)
ORDER BY url, n DESC
ON CONFLICT (crawl_id, url) DO UPDATE SET status_code = EXCLUDED.status_code, final_url = EXCLUDED.final_url,
    content_type = EXCLUDED.content_type, size_bytes = EXCLUDED.size_bytes, error = EXCLUDED.error,
    checked_at = EXCLUDED.checked_at
"""


async def upsert(conn: asyncpg.Connection, crawl_id: uuid.UUID, checked: Sequence[ResourceCheck]) -> None:
    """Store the answers of one ``ResourcesChecked`` event."""
    if not checked:
        return
    await conn.execute(
        _UPSERT, crawl_id, [x.url for x in checked], [x.status_code for x in checked],
        [x.final_url for x in checked], [x.content_type for x in checked], [x.size_bytes for x in checked],
        [x.error for x in checked], [x.checked_at for x in checked],
    )  # fmt: skip
