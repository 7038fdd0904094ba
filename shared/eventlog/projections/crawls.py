"""The ``crawls`` projection: one row per crawl (status, counters, times, settings). Every write is here.

Readers (the api's crawl list, the worker's control check, the reports) read it with their own
queries; nothing else writes it. ``CrawlStarted`` is projected by the SQL function
``project_crawl_started`` (migration 0040), which the claim calls too.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import asyncpg

_INSERT = """INSERT INTO crawls (id, url, site, status, settings, schedule_id, created_at, updated_at, version)
             VALUES ($1, $2, $3, 'queued', $4, $5, $6, $6, $7)"""
_VERSION = "UPDATE crawls SET version = $2, updated_at = $3 WHERE id = $1"
_STARTED = "SELECT project_crawl_started($1, $2, $3, $4, $5, $6)"
_PROGRESSED = "UPDATE crawls SET pages_discovered = greatest(pages_discovered, $2), errors_count = $3 WHERE id = $1"
_PAGES_STORED = """UPDATE crawls SET pages_crawled = pages_crawled + $2,
                                      pages_discovered = greatest(pages_discovered, $3)
                   WHERE id = $1"""
_ISSUES_COUNTED = "UPDATE crawls SET issues_count = (SELECT count(*) FROM issues WHERE crawl_id = $1) WHERE id = $1"
_QUEUED = "UPDATE crawls SET status = 'queued', worker_id = NULL WHERE id = $1"
_ATTEMPT_FAILED = "UPDATE crawls SET status = 'queued', error = $2, worker_id = NULL WHERE id = $1"
_PAUSED = "UPDATE crawls SET status = 'paused', worker_id = NULL WHERE id = $1"
_FAILED = "UPDATE crawls SET status = 'failed', error = $2, finished_at = $3, worker_id = NULL WHERE id = $1"
_CANCELLED = "UPDATE crawls SET status = 'cancelled', finished_at = $2, worker_id = NULL WHERE id = $1"

# One round trip for three tables, because it runs for every crawl that ends (the queue benchmark
# drains thousands): the status, the dequeue, and the inlink counts, known only once the link graph
# is complete (an index probe that touches nothing when the crawl stored no links). The tables are
# distinct, so the data-modifying CTEs cannot see or fight each other's rows. The one statement
# that writes parsequeue and pages from outside their modules; it says so there too.
_COMPLETED = """
WITH finished AS (
    UPDATE crawls SET status = 'completed', finished_at = $2, worker_id = NULL WHERE id = $1
), dequeued AS (
    DELETE FROM parsequeue WHERE crawl_id = $1
)
-- Inlinks count other pages (docs/AUDIT.md, "Counts"): a page's links to itself, #fragment links
-- included, are no inlink, and many links from one page are one.
UPDATE pages p SET inlinks_count = c.n
FROM (SELECT t.id, count(DISTINCT l.source_id) AS n
      FROM links l JOIN pages t ON t.crawl_id = l.crawl_id AND t.url = l.target_url
      WHERE l.crawl_id = $1 AND l.internal AND l.source_id <> t.id GROUP BY t.id) c
WHERE p.id = c.id
"""


def site_of(url: str) -> str:
    """The origin a crawl belongs to: ``scheme://host[:port]``, lower-cased."""
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}" + (f":{parts.port}" if parts.port else "")


async def insert(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    url: str,
    settings: dict[str, Any],
    schedule_id: uuid.UUID | None,
    at: datetime,
    version: int,
) -> None:
    await conn.execute(_INSERT, crawl_id, url, site_of(url), settings, schedule_id, at, version)


async def set_version(conn: asyncpg.Connection, crawl_id: uuid.UUID, version: int, at: datetime) -> None:
    await conn.execute(_VERSION, crawl_id, version, at)


async def started(
    conn: asyncpg.Connection,
    crawl_id: uuid.UUID,
    worker_id: str,
    attempt: int,
    lease_expires_at: datetime,
    version: int,
    at: datetime,
) -> None:
    """Running under ``worker_id``'s lease (crawls and parsequeue, in the SQL function the claim shares)."""
    await conn.execute(_STARTED, crawl_id, worker_id, attempt, lease_expires_at, version, at)


async def progressed(conn: asyncpg.Connection, crawl_id: uuid.UUID, discovered: int, errors: int) -> None:
    await conn.execute(_PROGRESSED, crawl_id, discovered, errors)


async def pages_stored(conn: asyncpg.Connection, crawl_id: uuid.UUID, stored: int, discovered: int) -> None:
    await conn.execute(_PAGES_STORED, crawl_id, stored, discovered)


async def issues_counted(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    await conn.execute(_ISSUES_COUNTED, crawl_id)


async def queued(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    await conn.execute(_QUEUED, crawl_id)


async def attempt_failed(conn: asyncpg.Connection, crawl_id: uuid.UUID, error: str) -> None:
    await conn.execute(_ATTEMPT_FAILED, crawl_id, error)


async def paused(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    await conn.execute(_PAUSED, crawl_id)


async def failed(conn: asyncpg.Connection, crawl_id: uuid.UUID, error: str, at: datetime) -> None:
    await conn.execute(_FAILED, crawl_id, error, at)


async def cancelled(conn: asyncpg.Connection, crawl_id: uuid.UUID, at: datetime) -> None:
    await conn.execute(_CANCELLED, crawl_id, at)


async def completed(conn: asyncpg.Connection, crawl_id: uuid.UUID, at: datetime) -> None:
    """Completed, out of the queue, and every page's inlink count filled in (one statement)."""
    await conn.execute(_COMPLETED, crawl_id, at)


# Only a site that exists: a crawl requested while its site was being deleted stays without one,
# like the site's other crawls (the same on a rebuild: SiteDeleted comes later in the log and detaches it).
_SITE = """UPDATE crawls SET site_id = $2 WHERE id = ANY($1::uuid[])
           AND EXISTS (SELECT 1 FROM sites WHERE sites.id = $2)"""
# A deleted site's crawls stay, without a site (the crawl list shows them; retention no longer applies).
_LEAVE_SITE = "UPDATE crawls SET site_id = NULL WHERE site_id = $1"
# Retention deleted the page events these counters came from: CrawlPurged carries them.
_COUNTERS = """UPDATE crawls SET pages_crawled = $2, pages_discovered = $3, issues_count = $4, errors_count = $5
               WHERE id = $1"""


async def belong_to_site(conn: asyncpg.Connection, crawl_ids: list[uuid.UUID], site_id: uuid.UUID) -> None:
    """The crawls belong to the site (CrawlRequested names it; SiteCreated adopts crawls made before sites)."""
    await conn.execute(_SITE, crawl_ids, site_id)


async def leave_site(conn: asyncpg.Connection, site_id: uuid.UUID) -> None:
    """The site was deleted: its crawls stay, belonging to no site."""
    await conn.execute(_LEAVE_SITE, site_id)


async def keep_counters(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, pages_crawled: int, discovered: int, issues: int, errors: int
) -> None:
    await conn.execute(_COUNTERS, crawl_id, pages_crawled, discovered, issues, errors)
