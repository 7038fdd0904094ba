"""A crawl's robots.txt and llms.txt as the crawl read them, and what robots.txt says to AI crawlers.

What ``GET /api/crawls/{id}/robots`` serves, from the ``site_files`` the worker stored when the
crawl began (the start URL's origin). A crawl that has not read them yet has ``null`` files and
no verdicts; an unknown crawl raises ``CrawlNotFound``.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.model.sitefiles import SiteFile
from shared.reports.errors import CrawlNotFound

_CRAWL = "SELECT url FROM crawls WHERE id = $1"
_FILES = "SELECT kind, data FROM site_files WHERE crawl_id = $1 AND origin = $2"


async def report(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> dict[str, Any]:
    """``{"crawl_id", "origin", "robots_txt", "llms_txt", "ai_crawlers"}`` of the crawl's start origin."""
    url = await conn.fetchval(_CRAWL, crawl_id)
    if url is None:
        raise CrawlNotFound(crawl_id)
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    files = {row["kind"]: SiteFile.model_validate(row["data"]) for row in await conn.fetch(_FILES, crawl_id, origin)}
    robots = files.get("robots.txt")
    return {
        "crawl_id": crawl_id,
        "origin": origin,
        "robots_txt": robots,
        "llms_txt": files.get("llms.txt"),
        "ai_crawlers": robots.ai_crawlers if robots else [],
    }
