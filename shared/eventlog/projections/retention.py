"""Retention: delete a crawl's page-level data (rows and page events) and say how many bytes that freed.

``drop_crawl_data`` is the one place that deletes a crawl's pages, links, issues, frontier rows and
near-duplicate sketches (those of a crawl that did not complete)
and the crawl's page events in the log (``PagesCrawled``, ``IssuesDetected``, ``CrawlProgressed``;
the lifecycle events and the summary stay). Today it is plain ``DELETE``s; when the per-crawl
tables are partitioned by crawl (issue 14) it becomes a ``DETACH`` + ``DROP`` of the crawl's
partitions, measured with ``pg_total_relation_size`` instead, and nothing else changes. Call it in
the transaction that appends ``CrawlPurged`` (whose counters keep a rebuild equal to the live
projections: the deleted events are no longer there to replay).

The bytes are the stored size of what was deleted (``pg_column_size`` of each row, TOAST
included). Postgres reuses that space after (auto)vacuum; the files shrink only with
``VACUUM FULL`` (docs/OPERATIONS.md, "Disk").
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog.projections import crawls
from shared.eventlog.projector import Projector

# Events that describe pages, not the crawl's life: deleted with the pages they carried.
PAGE_EVENT_TYPES = (ev.PagesCrawled.type_name(), ev.IssuesDetected.type_name(), ev.CrawlProgressed.type_name())

# One statement per table: measure what goes, then delete it (data-modifying CTEs see the same snapshot).
_DROP = """
WITH page_rows AS (DELETE FROM pages WHERE crawl_id = $1 RETURNING pg_column_size(pages.*) AS size),
     link_rows AS (DELETE FROM links WHERE crawl_id = $1 RETURNING pg_column_size(links.*) AS size),
     issue_rows AS (DELETE FROM issues WHERE crawl_id = $1 RETURNING pg_column_size(issues.*) AS size),
     frontier_rows AS (DELETE FROM frontier WHERE crawl_id = $1 RETURNING pg_column_size(frontier.*) AS size),
     sketch_rows AS (DELETE FROM page_sketches WHERE crawl_id = $1 RETURNING pg_column_size(page_sketches.*) AS size),
     event_rows AS (DELETE FROM events WHERE stream_id = $2 AND type = ANY($3::text[])
                    RETURNING pg_column_size(events.*) AS size)
SELECT (SELECT coalesce(sum(size), 0) FROM page_rows) + (SELECT coalesce(sum(size), 0) FROM link_rows)
       + (SELECT coalesce(sum(size), 0) FROM issue_rows) + (SELECT coalesce(sum(size), 0) FROM frontier_rows)
       + (SELECT coalesce(sum(size), 0) FROM sketch_rows) + (SELECT coalesce(sum(size), 0) FROM event_rows) AS bytes,
       (SELECT count(*) FROM page_rows) + (SELECT count(*) FROM link_rows) + (SELECT count(*) FROM issue_rows)
       + (SELECT count(*) FROM frontier_rows) + (SELECT count(*) FROM sketch_rows) AS rows,
       (SELECT count(*) FROM event_rows) AS events
"""


@dataclass(frozen=True)
class Dropped:
    bytes_freed: int
    rows_deleted: int
    events_deleted: int


async def drop_crawl_data(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> Dropped:
    """Delete the crawl's page-level rows and page events; what it freed (see the module's docstring)."""
    row = await conn.fetchrow(_DROP, crawl_id, ev.crawl_stream(crawl_id), list(PAGE_EVENT_TYPES))
    return Dropped(bytes_freed=int(row["bytes"]), rows_deleted=int(row["rows"]), events_deleted=int(row["events"]))


# --- which crawls go ---------------------------------------------------------------------------

# Finished crawls of the site older than its newest `retention` completed ones, not purged yet.
_CANDIDATES = """
WITH kept AS (
    SELECT c.created_at FROM crawls c WHERE c.site_id = $1 AND c.status = 'completed'
    ORDER BY c.created_at DESC, c.id DESC OFFSET $2 - 1 LIMIT 1
)
SELECT c.id, c.pages_crawled, c.pages_discovered, c.issues_count, c.errors_count FROM crawls c, kept
WHERE c.site_id = $1 AND c.status IN ('completed', 'failed', 'cancelled') AND c.created_at < kept.created_at
  AND NOT EXISTS (SELECT 1 FROM crawl_purges p WHERE p.crawl_id = c.id)
ORDER BY c.created_at
"""
_RETENTION = "SELECT retention FROM sites WHERE id = $1"


async def candidates(conn: asyncpg.Connection, site_id: uuid.UUID) -> list[asyncpg.Record]:
    """The crawls of the site whose page data retention deletes now (none when it keeps all)."""
    keep = await conn.fetchval(_RETENTION, site_id)
    if not keep:
        return []
    rows: list[asyncpg.Record] = await conn.fetch(_CANDIDATES, site_id, keep)
    return rows


# --- the projections: crawl_purges, retention_checks -------------------------------------------

PROJECTOR = Projector(tables=("crawl_purges", "retention_checks"))
handles = PROJECTOR.handles

_PURGED = """INSERT INTO crawl_purges (crawl_id, purged_at, bytes_freed, rows_deleted) VALUES ($1, $2, $3, $4)
             ON CONFLICT (crawl_id) DO NOTHING"""
# A site with more finished, unpurged crawls than it keeps has work for retention (the worker
# works out exactly which crawls go; a check that finds none just ends).
_DUE = """
INSERT INTO retention_checks (site_id, created_at)
SELECT s.id, $2 FROM sites s
WHERE s.id = $1 AND s.retention > 0
  AND (SELECT count(*) FROM crawls c WHERE c.site_id = s.id AND c.status IN ('completed', 'failed', 'cancelled')
       AND NOT EXISTS (SELECT 1 FROM crawl_purges p WHERE p.crawl_id = c.id)) > s.retention
ON CONFLICT (site_id) DO NOTHING
"""
_SITE_OF_CRAWL = "SELECT site_id FROM crawls WHERE id = $1"


@handles(ev.CrawlPurged)
async def _crawl_purged(conn: asyncpg.Connection, item: ev.Recorded) -> None:
    d: ev.CrawlPurged = item.data  # type: ignore[assignment]
    await conn.execute(_PURGED, d.crawl_id, item.recorded_at, d.bytes_freed, d.rows_deleted)
    await crawls.keep_counters(conn, d.crawl_id, d.pages_crawled, d.pages_discovered, d.issues_count, d.errors_count)


@handles(ev.CrawlSummarized, ev.AlertsChecked)
async def _crawl_ended(conn: asyncpg.Connection, item: ev.Recorded) -> None:
    site_id = await conn.fetchval(_SITE_OF_CRAWL, item.data.crawl_id)  # type: ignore[attr-defined]
    if site_id is not None:
        await conn.execute(_DUE, site_id, item.recorded_at)


@handles(ev.SiteSettingsChanged)
async def _retention_changed(conn: asyncpg.Connection, item: ev.Recorded) -> None:
    await conn.execute(_DUE, item.data.site_id, item.recorded_at)  # type: ignore[attr-defined]


@handles(ev.RetentionApplied, ev.SiteDeleted)
async def _retention_done(conn: asyncpg.Connection, item: ev.Recorded) -> None:
    await conn.execute("DELETE FROM retention_checks WHERE site_id = $1", item.data.site_id)  # type: ignore[attr-defined]


# --- the outbox claims (the worker) ------------------------------------------------------------

_CLAIM = """
UPDATE retention_checks SET lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2),
       attempts = attempts + 1
WHERE site_id = (
    SELECT site_id FROM retention_checks WHERE lease_owner IS NULL OR lease_expires_at <= now()
    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING site_id, attempts
"""
_OWN = "SELECT 1 FROM retention_checks WHERE site_id = $1 AND lease_owner = $2 FOR UPDATE"
_RELEASE = "UPDATE retention_checks SET lease_owner = NULL, lease_expires_at = NULL WHERE site_id = $1"
_CHECKS_PENDING = "SELECT EXISTS (SELECT 1 FROM alert_checks WHERE site_id = $1)"


async def claim(conn: asyncpg.Connection, owner: str, lease_seconds: float) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(_CLAIM, owner, lease_seconds)
    return row


async def owns(conn: asyncpg.Connection, site_id: uuid.UUID, owner: str) -> bool:
    return await conn.fetchval(_OWN, site_id, owner) is not None


async def release(conn: asyncpg.Connection, site_id: uuid.UUID) -> None:
    await conn.execute(_RELEASE, site_id)


async def alert_checks_pending(conn: asyncpg.Connection, site_id: uuid.UUID) -> bool:
    """A crawl of the site still waits for its alert check, which may compare with a crawl we would purge."""
    return bool(await conn.fetchval(_CHECKS_PENDING, site_id))
