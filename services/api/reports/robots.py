"""A crawl's robots.txt and llms.txt as the crawl read them, and what robots.txt says to AI crawlers.

What ``GET /api/crawls/{id}/robots`` serves, from the ``site_files`` the worker stored when the
crawl began (the start URL's origin), with robots.txt's text and its diff from the site's previous
completed crawl (``crawl_files``, which the alerts compare too). A crawl that has not read them yet
has ``null`` files and no verdicts; an unknown crawl raises ``CrawlNotFound``.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.model.sitefiles import SiteFile
from shared.reports import compare
from shared.reports.errors import CrawlNotFound

_CRAWL = "SELECT url FROM crawls WHERE id = $1"
_FILES = "SELECT kind, data FROM site_files WHERE crawl_id = $1 AND origin = $2"
_TEXT = """
SELECT f.robots_txt, f.robots_status, f.sitemap_urls,
       (SELECT p.id FROM crawls p WHERE p.site_id = c.site_id AND p.status = 'completed'
          AND p.created_at < c.created_at ORDER BY p.created_at DESC LIMIT 1) AS previous_crawl_id
FROM crawls c LEFT JOIN crawl_files f ON f.crawl_id = c.id WHERE c.id = $1
"""
_PREVIOUS_TEXT = "SELECT robots_txt, robots_status FROM crawl_files WHERE crawl_id = $1"


async def report(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> dict[str, Any]:
    """``{"crawl_id", "origin", "robots_txt", "llms_txt", "ai_crawlers", "body", "sitemap_urls", "sitemaps",
    "previous_crawl_id", "diff"}`` of the crawl's start origin."""
    url = await conn.fetchval(_CRAWL, crawl_id)
    if url is None:
        raise CrawlNotFound(crawl_id)
    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}"
    files = {row["kind"]: SiteFile.model_validate(row["data"]) for row in await conn.fetch(_FILES, crawl_id, origin)}
    robots = files.get("robots.txt")
    text = await conn.fetchrow(_TEXT, crawl_id)
    previous = None
    if text["previous_crawl_id"] is not None:
        previous = await conn.fetchrow(_PREVIOUS_TEXT, text["previous_crawl_id"])
    diff = None
    if previous is not None and text["robots_status"] is not None:
        diff = compare.robots_diff(previous["robots_txt"], text["robots_txt"])
    return {
        "crawl_id": crawl_id,
        "origin": origin,
        "robots_txt": robots,
        "llms_txt": files.get("llms.txt"),
        "ai_crawlers": robots.ai_crawlers if robots else [],
        "body": text["robots_txt"],
        "sitemap_urls": text["sitemap_urls"],
        "sitemaps": robots.sitemap_files if robots else [],
        "previous_crawl_id": text["previous_crawl_id"],
        "diff": diff,
    }
