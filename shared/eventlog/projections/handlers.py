"""What each event does to the projections: one handler per event type, calling the tables' modules.

The SQL lives in the module of the table it writes (``crawls``, ``parsequeue``, ``pages``,
``issues``, ``schedules``); here is only the map from an event to those writes, registered on
``PROJECTOR``. Handlers depend only on the event and earlier events, never on the clock or on
tables outside the projections, so that a rebuild reproduces the live tables exactly.
"""

from __future__ import annotations

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog.events import Recorded
from shared.eventlog.projections import (
    alerts,
    crawls,
    issues,
    pages,
    parsequeue,
    resources,
    retention,
    schedules,
    sitefiles,
    sites,
)
from shared.eventlog.projector import Projector

# Tables rebuilt from the log (the frontier is the worker's working set, not a projection).
PROJECTOR = Projector(
    tables=("crawls", "parsequeue", "schedules", "pages", "links", "issues", "resources", "site_files")
)
handles = PROJECTOR.handles

# The audit's codes that name a page's closest duplicate in their details (``duplicate_of``).
DUPLICATE_CODES = frozenset({"duplicate_content", "near_duplicate_content"})


# --- crawls and the queue ------------------------------------------------------------------------


@handles(
    ev.CrawlProgressed,
    ev.PagesCrawled,
    ev.ResourcesChecked,
    ev.IssuesDetected,
    ev.LinkScoresComputed,
    ev.CrawlCompleted,
    ev.CrawlSummarized,
    ev.SiteFilesRead,
    ev.AlertsChecked,
    ev.CrawlPurged,
    ev.CrawlFailed,
    ev.CrawlAttemptFailed,
    ev.CrawlRequeued,
    ev.CrawlReleased,
    ev.LeaseExpired,
    ev.CrawlPaused,
    ev.CrawlResumed,
    ev.CrawlCancelled,
)
async def _crawl_version(conn: asyncpg.Connection, item: Recorded) -> None:
    # CrawlRequested inserts the row with its version; CrawlStarted's SQL function sets it.
    await crawls.set_version(conn, item.data.crawl_id, item.version, item.recorded_at)  # type: ignore[attr-defined]


@handles(ev.CrawlRequested)
async def _crawl_requested(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlRequested = item.data  # type: ignore[assignment]
    await crawls.insert(conn, data.crawl_id, data.settings.url, data.settings.model_dump(mode="json"),
                        data.schedule_id, item.recorded_at, item.version)  # fmt: skip
    await parsequeue.enqueue(conn, data.crawl_id, item.recorded_at)


@handles(ev.CrawlStarted)
async def _crawl_started(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlStarted = item.data  # type: ignore[assignment]
    await crawls.started(conn, data.crawl_id, data.worker_id, data.attempt, data.lease_expires_at, item.version,
                         item.recorded_at)  # fmt: skip


@handles(ev.CrawlProgressed)
async def _crawl_progressed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlProgressed = item.data  # type: ignore[assignment]
    await crawls.progressed(conn, data.crawl_id, data.pages_discovered, data.errors_count)


@handles(ev.CrawlCompleted)
async def _crawl_completed(conn: asyncpg.Connection, item: Recorded) -> None:
    await crawls.completed(conn, item.data.crawl_id, item.recorded_at)  # type: ignore[attr-defined]


@handles(ev.CrawlFailed)
async def _crawl_failed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlFailed = item.data  # type: ignore[assignment]
    await crawls.failed(conn, data.crawl_id, data.error, item.recorded_at)
    await parsequeue.dequeue(conn, data.crawl_id)


@handles(ev.CrawlAttemptFailed)
async def _crawl_attempt_failed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlAttemptFailed = item.data  # type: ignore[assignment]
    await parsequeue.hold(conn, data.crawl_id, data.retry_at, data.attempt)
    await crawls.attempt_failed(conn, data.crawl_id, data.error)


@handles(ev.CrawlRequeued, ev.CrawlReleased, ev.LeaseExpired, ev.CrawlResumed)
async def _crawl_requeued(conn: asyncpg.Connection, item: Recorded) -> None:
    crawl_id = item.data.crawl_id  # type: ignore[attr-defined]
    await parsequeue.requeue(conn, crawl_id, item.recorded_at)
    if isinstance(item.data, ev.CrawlReleased) and item.data.attempt is not None:
        await parsequeue.give_back(conn, crawl_id, max(item.data.attempt - 1, 0))
    await crawls.queued(conn, crawl_id)


@handles(ev.CrawlPaused)
async def _crawl_paused(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlPaused = item.data  # type: ignore[assignment]
    await crawls.paused(conn, data.crawl_id)
    await parsequeue.dequeue(conn, data.crawl_id)


@handles(ev.CrawlCancelled)
async def _crawl_cancelled(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlCancelled = item.data  # type: ignore[assignment]
    await crawls.cancelled(conn, data.crawl_id, item.recorded_at)
    await parsequeue.dequeue(conn, data.crawl_id)


# --- pages, links, issues ------------------------------------------------------------------------


@handles(ev.PagesCrawled)
async def _pages_crawled(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.PagesCrawled = item.data  # type: ignore[assignment]
    stored = await pages.store(conn, data.crawl_id, data.pages)
    await crawls.pages_stored(conn, data.crawl_id, stored, data.pages_discovered)


@handles(ev.ResourcesChecked)
async def _resources_checked(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.ResourcesChecked = item.data  # type: ignore[assignment]
    await resources.upsert(conn, data.crawl_id, data.resources)


@handles(ev.IssuesDetected)
async def _issues_detected(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.IssuesDetected = item.data  # type: ignore[assignment]
    if data.replace_codes:
        await issues.delete_codes(conn, data.crawl_id, data.replace_codes)
    if data.issues:
        await issues.upsert(conn, data.crawl_id, data.issues)
    await crawls.issues_counted(conn, data.crawl_id)


@handles(ev.LinkScoresComputed)
async def _link_scores(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.LinkScoresComputed = item.data  # type: ignore[assignment]
    if data.replace:
        await pages.clear_link_scores(conn, data.crawl_id)
    if data.page_ids:
        await pages.set_link_scores(conn, data.crawl_id, data.page_ids, data.scores)


@handles(ev.IssuesDetected)
async def _closest_duplicates(conn: asyncpg.Connection, item: Recorded) -> None:
    """Each page's closest duplicate (``pages.near_duplicate_of``) from the audit's duplicate issues."""
    data: ev.IssuesDetected = item.data  # type: ignore[assignment]
    if DUPLICATE_CODES & set(data.replace_codes):
        await pages.clear_duplicates(conn, data.crawl_id)
    matches = [
        (i["page_id"], i["details"]["duplicate_of"], float(i["details"].get("similarity", 1.0)))
        for i in data.issues
        if i["code"] in DUPLICATE_CODES and (i.get("details") or {}).get("duplicate_of") is not None
    ]
    if matches:
        await pages.set_duplicates(conn, data.crawl_id, matches)


@handles(ev.SiteFilesRead)
async def _site_files_read(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.SiteFilesRead = item.data  # type: ignore[assignment]
    await sitefiles.store(conn, data.crawl_id, data.files)


# --- schedules -----------------------------------------------------------------------------------


@handles(ev.ScheduleCreated)
async def _schedule_created(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.ScheduleCreated = item.data  # type: ignore[assignment]
    await schedules.insert(conn, data.schedule_id, data.url, data.cron, data.timezone,
                           data.settings.model_dump(mode="json"), item.recorded_at, item.version,
                           data.own_settings)  # fmt: skip


@handles(ev.ScheduleDeleted)
async def _schedule_deleted(conn: asyncpg.Connection, item: Recorded) -> None:
    await schedules.delete(conn, item.data.schedule_id)  # type: ignore[attr-defined]


@handles(ev.ScheduleFired)
async def _schedule_fired(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.ScheduleFired = item.data  # type: ignore[assignment]
    await schedules.fired(conn, data.schedule_id, data.fire_time, data.crawl_id, item.version)


# The sites' own tables, after the handlers above (a crawl's row exists before its site is set).
PROJECTOR.include(sites.PROJECTOR)
PROJECTOR.include(alerts.PROJECTOR)
PROJECTOR.include(retention.PROJECTOR)
