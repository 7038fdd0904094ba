"""The ``sites`` and ``crawl_summaries`` projections (every write of the two tables is here), and the
handlers that say which crawls and schedules belong to which site (through their tables' modules).

``PROJECTOR`` is included in the services' registry (``handlers.PROJECTOR``), so the store runs these
handlers in the appending transaction and rebuild replays them.
"""

from __future__ import annotations

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog.events import Recorded
from shared.eventlog.projections import crawls, schedules
from shared.eventlog.projector import Projector

PROJECTOR = Projector(tables=("sites", "crawl_summaries"))
handles = PROJECTOR.handles

_INSERT_SITE = """INSERT INTO sites (id, origin, url, name, crawl_defaults, retention, created_at, updated_at, version)
                  VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8)"""
_CHANGE_SITE = """UPDATE sites SET url = $2, name = $3, crawl_defaults = $4, retention = $5, updated_at = $6,
                  version = $7 WHERE id = $1"""
_DELETE_SITE = "DELETE FROM sites WHERE id = $1"
_INSERT_SUMMARY = """
INSERT INTO crawl_summaries (crawl_id, health_score, pages_crawled, pages_in_scope, pages_with_errors, errors,
                             warnings, notices, indexable_pages, response_time_p50, response_time_p95)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
ON CONFLICT (crawl_id) DO UPDATE SET health_score = EXCLUDED.health_score, pages_crawled = EXCLUDED.pages_crawled,
    pages_in_scope = EXCLUDED.pages_in_scope, pages_with_errors = EXCLUDED.pages_with_errors,
    errors = EXCLUDED.errors, warnings = EXCLUDED.warnings, notices = EXCLUDED.notices,
    indexable_pages = EXCLUDED.indexable_pages, response_time_p50 = EXCLUDED.response_time_p50,
    response_time_p95 = EXCLUDED.response_time_p95
"""


@handles(ev.SiteCreated)
async def _site_created(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.SiteCreated = item.data  # type: ignore[assignment]
    await conn.execute(
        _INSERT_SITE,
        data.site_id,
        data.origin,
        data.url,
        data.name,
        data.settings.crawl,
        data.settings.retention,
        item.recorded_at,
        item.version,
    )
    if data.attach_crawls:
        await crawls.belong_to_site(conn, data.attach_crawls, data.site_id)
    if data.attach_schedules:
        await schedules.belong_to_site(conn, data.attach_schedules, data.site_id)


@handles(ev.SiteSettingsChanged)
async def _site_changed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.SiteSettingsChanged = item.data  # type: ignore[assignment]
    await conn.execute(
        _CHANGE_SITE,
        data.site_id,
        data.url,
        data.name,
        data.settings.crawl,
        data.settings.retention,
        item.recorded_at,
        item.version,
    )


@handles(ev.SiteDeleted)
async def _site_deleted(conn: asyncpg.Connection, item: Recorded) -> None:
    # The crawls stay (with their pages, issues and summaries), belonging to no site: deleting a site
    # stops its monitoring, it does not throw away what was crawled (docs/API.md, "Sites").
    await crawls.leave_site(conn, item.data.site_id)  # type: ignore[attr-defined]
    await conn.execute(_DELETE_SITE, item.data.site_id)  # type: ignore[attr-defined]


@handles(ev.CrawlRequested)
async def _crawl_site(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlRequested = item.data  # type: ignore[assignment]
    if data.site_id is not None:
        await crawls.belong_to_site(conn, [data.crawl_id], data.site_id)


@handles(ev.ScheduleCreated)
async def _schedule_site(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.ScheduleCreated = item.data  # type: ignore[assignment]
    if data.site_id is not None:
        await schedules.belong_to_site(conn, [data.schedule_id], data.site_id)


@handles(ev.CrawlSummarized)
async def _crawl_summarized(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.CrawlSummarized = item.data  # type: ignore[assignment]
    await conn.execute(
        _INSERT_SUMMARY,
        d.crawl_id,
        d.health_score,
        d.pages_crawled,
        d.pages_in_scope,
        d.pages_with_errors,
        d.errors,
        d.warnings,
        d.notices,
        d.indexable_pages,
        d.response_time_p50,
        d.response_time_p95,
    )


# --- reads the writers need ----------------------------------------------------------------------

_SUMMARY = "SELECT crawl_summary($1)"
_SITE_BY_ORIGIN = "SELECT id, url, crawl_defaults, retention FROM sites WHERE origin = $1"


async def summary_of(conn: asyncpg.Connection, crawl_id: object) -> ev.CrawlSummarized:
    """The summary of a crawl as its pages and issues stand now (``crawl_summary()``, migration 0160)."""
    return ev.CrawlSummarized.model_validate(await conn.fetchval(_SUMMARY, crawl_id))


async def site_by_origin(conn: asyncpg.Connection, origin: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(_SITE_BY_ORIGIN, origin)
    return row
