"""Projections: the read models (crawls, the queue, pages, links, issues, schedules), rebuildable from the log.

``PROJECTOR`` is the registry the store runs in the appending transaction and rebuild replays;
each handler here registers on it for the event types it projects.
"""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog.events import Recorded
from shared.eventlog.projector import Projector
from shared.model.pages import PageRecord

# Tables rebuilt from the log (the frontier is the worker's working set, not a projection).
PROJECTOR = Projector(tables=("crawls", "parsequeue", "schedules", "pages", "links", "issues"))
handles = PROJECTOR.handles


def site_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme.lower()}://{(parts.hostname or '').lower()}" + (f":{parts.port}" if parts.port else "")


# --- crawls and the queue ----------------------------------------------------------------------

_CRAWL_VERSION = "UPDATE crawls SET version = $2, updated_at = $3 WHERE id = $1"


@handles(
    ev.CrawlRequested,
    ev.CrawlStarted,
    ev.CrawlProgressed,
    ev.PagesCrawled,
    ev.IssuesDetected,
    ev.CrawlCompleted,
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
    if item.type not in (ev.CrawlRequested.type_name(), ev.CrawlStarted.type_name()):
        await conn.execute(_CRAWL_VERSION, item.data.crawl_id, item.version, item.recorded_at)  # type: ignore[attr-defined]


@handles(ev.CrawlRequested)
async def _crawl_requested(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlRequested = item.data  # type: ignore[assignment]
    await conn.execute(
        """INSERT INTO crawls (id, url, site, status, settings, schedule_id, created_at, updated_at, version)
           VALUES ($1, $2, $3, 'queued', $4, $5, $6, $6, $7)""",
        data.crawl_id,
        data.settings.url,
        site_of(data.settings.url),
        data.settings.model_dump(mode="json"),
        data.schedule_id,
        item.recorded_at,
        item.version,
    )
    await conn.execute(
        "INSERT INTO parsequeue (crawl_id, enqueued_at, available_at) VALUES ($1, $2, $2)",
        data.crawl_id,
        item.recorded_at,
    )


# One definition (migration 0040) shared with the worker's one-statement claim (claim_crawls),
# so a live claim and a rebuild from the log run the very same statements.
_PROJECT_CRAWL_STARTED = "SELECT project_crawl_started($1, $2, $3, $4, $5, $6)"


@handles(ev.CrawlStarted)
async def _crawl_started(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlStarted = item.data  # type: ignore[assignment]
    await conn.execute(
        _PROJECT_CRAWL_STARTED,
        data.crawl_id,
        data.worker_id,
        data.attempt,
        data.lease_expires_at,
        item.version,
        item.recorded_at,
    )


@handles(ev.CrawlProgressed)
async def _crawl_progressed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlProgressed = item.data  # type: ignore[assignment]
    await conn.execute(
        "UPDATE crawls SET pages_discovered = greatest(pages_discovered, $2), errors_count = $3 WHERE id = $1",
        data.crawl_id,
        data.pages_discovered,
        data.errors_count,
    )


async def _dequeue(conn: asyncpg.Connection, crawl_id: Any) -> None:
    await conn.execute("DELETE FROM parsequeue WHERE crawl_id = $1", crawl_id)


async def _requeue(conn: asyncpg.Connection, crawl_id: Any, at: Any) -> None:
    await conn.execute(
        """INSERT INTO parsequeue (crawl_id, enqueued_at, available_at) VALUES ($1, $2, $2)
           ON CONFLICT (crawl_id) DO UPDATE
           SET available_at = $2, lease_owner = NULL, leased_at = NULL, lease_expires_at = NULL""",
        crawl_id,
        at,
    )
    await conn.execute("UPDATE crawls SET status = 'queued', worker_id = NULL WHERE id = $1", crawl_id)


# One round trip for the three tables (they are distinct, so the data-modifying CTEs cannot see
# or fight each other's rows): the status, the inlink counts (known only once the link graph is
# complete; an index probe that touches nothing when the crawl stored no links) and the dequeue.
_CRAWL_COMPLETED = """
WITH finished AS (
    UPDATE crawls SET status = 'completed', finished_at = $2, worker_id = NULL WHERE id = $1
), dequeued AS (
    DELETE FROM parsequeue WHERE crawl_id = $1
)
UPDATE pages p SET inlinks_count = c.n
FROM (SELECT l.target_url, count(DISTINCT l.source_id) AS n FROM links l
      WHERE l.crawl_id = $1 AND l.internal GROUP BY l.target_url) c
WHERE p.crawl_id = $1 AND p.url = c.target_url
"""


@handles(ev.CrawlCompleted)
async def _crawl_completed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlCompleted = item.data  # type: ignore[assignment]
    await conn.execute(_CRAWL_COMPLETED, data.crawl_id, item.recorded_at)


@handles(ev.CrawlFailed)
async def _crawl_failed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlFailed = item.data  # type: ignore[assignment]
    await conn.execute(
        "UPDATE crawls SET status = 'failed', error = $2, finished_at = $3, worker_id = NULL WHERE id = $1",
        data.crawl_id,
        data.error,
        item.recorded_at,
    )
    await _dequeue(conn, data.crawl_id)


@handles(ev.CrawlAttemptFailed)
async def _crawl_attempt_failed(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlAttemptFailed = item.data  # type: ignore[assignment]
    # Held back until retry_at (a claim needs available_at <= now()); the scheduler sleeps until
    # then and appends CrawlRequeued, whose NOTIFY wakes a worker. Nobody polls for it.
    await conn.execute(
        """UPDATE parsequeue SET available_at = $2, lease_owner = NULL, leased_at = NULL,
                  lease_expires_at = NULL, attempts = $3
           WHERE crawl_id = $1""",
        data.crawl_id,
        data.retry_at,
        data.attempt,
    )
    await conn.execute(
        "UPDATE crawls SET status = 'queued', error = $2, worker_id = NULL WHERE id = $1",
        data.crawl_id,
        data.error,
    )


@handles(ev.CrawlRequeued, ev.CrawlReleased, ev.LeaseExpired, ev.CrawlResumed)
async def _crawl_requeued(conn: asyncpg.Connection, item: Recorded) -> None:
    await _requeue(conn, item.data.crawl_id, item.recorded_at)  # type: ignore[attr-defined]


@handles(ev.CrawlPaused)
async def _crawl_paused(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlPaused = item.data  # type: ignore[assignment]
    await conn.execute("UPDATE crawls SET status = 'paused', worker_id = NULL WHERE id = $1", data.crawl_id)
    await _dequeue(conn, data.crawl_id)


@handles(ev.CrawlCancelled)
async def _crawl_cancelled(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.CrawlCancelled = item.data  # type: ignore[assignment]
    await conn.execute(
        "UPDATE crawls SET status = 'cancelled', finished_at = $2, worker_id = NULL WHERE id = $1",
        data.crawl_id,
        item.recorded_at,
    )
    await _dequeue(conn, data.crawl_id)


# --- pages, links, issues ----------------------------------------------------------------------

_PAGE_COLUMNS = (
    "id", "crawl_id", "url", "final_url", "status_code", "error", "redirect_chain", "content_type", "charset",
    "size_bytes", "response_time_ms", "ttfb_ms", "depth", "referrer", "blocked_by_robots", "indexable",
    "indexability_reason", "title", "title_length", "title_count", "meta_description",
    "meta_description_length", "h1", "h2", "canonical", "canonicals", "canonical_raw", "canonical_links",
    "meta_robots", "x_robots_tag", "hreflang", "hreflang_outside_head", "lang", "viewport", "meta_refresh",
    "word_count", "content_hash", "simhash",
    "outlinks_count", "external_links_count", "images_count", "images_missing_alt", "mixed_content_count",
    "structured_data_types", "open_graph", "in_sitemap", "crawled_at",
)  # fmt: skip

_INSERT_PAGE = (
    f"INSERT INTO pages ({', '.join(_PAGE_COLUMNS)}) VALUES "
    f"({', '.join(f'${i}' for i in range(1, len(_PAGE_COLUMNS) + 1))}) "
    "ON CONFLICT (id) DO NOTHING"
)


_STORED_IDS = "SELECT id FROM pages WHERE id = ANY($1::bigint[])"
# lists of models, stored as JSON objects
_MODEL_LIST_COLUMNS = frozenset({"redirect_chain", "hreflang", "canonical_links"})


def _page_row(page: PageRecord, crawl_id: uuid.UUID) -> tuple[Any, ...]:
    """A page record as the pages row's values, in ``_PAGE_COLUMNS`` order.

    The same values as ``model_dump(mode="python")`` (datetimes kept for asyncpg, nested models as
    dicts), read by attribute: dumping every field of every page was a hot spot of the crawl.
    """
    return tuple(
        crawl_id if column == "crawl_id"
        else [m.model_dump() for m in getattr(page, column)] if column in _MODEL_LIST_COLUMNS
        else getattr(page, column)
        for column in _PAGE_COLUMNS
    )  # fmt: skip


@handles(ev.PagesCrawled)
async def _pages_crawled(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.PagesCrawled = item.data  # type: ignore[assignment]
    # One query for what is already stored and one pipelined insert, not a round trip per page:
    # this runs for every batch of a crawl and is the worker's hottest write.
    stored_ids = {row["id"] for row in await conn.fetch(_STORED_IDS, [p.id for p in data.pages])}
    page_rows: list[tuple[Any, ...]] = []
    link_rows: list[tuple[Any, ...]] = []
    for page in data.pages:
        if page.id in stored_ids:  # already stored: an idempotent replay of the same batch
            continue
        stored_ids.add(page.id)
        page_rows.append(_page_row(page, data.crawl_id))
        for ordinal, link in enumerate(page.links):
            link_rows.append((data.crawl_id, page.id, ordinal, link.url, link.anchor or None, link.rel or None,
                              link.internal))  # fmt: skip
    stored = len(page_rows)
    if page_rows:
        await conn.executemany(_INSERT_PAGE, page_rows)
    if link_rows:
        await conn.copy_records_to_table(
            "links",
            records=link_rows,
            columns=("crawl_id", "source_id", "ordinal", "target_url", "anchor", "rel", "internal"),
        )
    await conn.execute(
        """UPDATE crawls SET pages_crawled = pages_crawled + $2,
                  pages_discovered = greatest(pages_discovered, $3)
           WHERE id = $1""",
        data.crawl_id,
        stored,
        data.pages_discovered,
    )


@handles(ev.IssuesDetected)
async def _issues_detected(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.IssuesDetected = item.data  # type: ignore[assignment]
    if data.replace_codes:
        await conn.execute(
            "DELETE FROM issues WHERE crawl_id = $1 AND code = ANY($2::text[])", data.crawl_id, data.replace_codes
        )
    if data.issues:
        # One set-based statement per event (thousands of rows at a crawl's end); DISTINCT ON keeps
        # the last finding per (code, page) because ON CONFLICT cannot touch a row twice.
        await conn.execute(
            """INSERT INTO issues (crawl_id, page_id, code, severity, details)
               SELECT DISTINCT ON (code, page_id) $1, page_id, code, severity, details
               FROM unnest($2::bigint[], $3::text[], $4::text[], $5::jsonb[]) WITH ORDINALITY
                    AS u(page_id, code, severity, details, n)
               ORDER BY code, page_id, n DESC
               ON CONFLICT (crawl_id, code, page_id) DO UPDATE SET severity = EXCLUDED.severity,
                   details = EXCLUDED.details""",
            data.crawl_id,
            [i["page_id"] for i in data.issues],
            [i["code"] for i in data.issues],
            [i["severity"] for i in data.issues],
            [i.get("details") or {} for i in data.issues],
        )
    await conn.execute(
        "UPDATE crawls SET issues_count = (SELECT count(*) FROM issues WHERE crawl_id = $1) WHERE id = $1",
        data.crawl_id,
    )


_DUPLICATE_CODES = ("duplicate_content", "near_duplicate_content")


@handles(ev.IssuesDetected)
async def _closest_duplicates(conn: asyncpg.Connection, item: Recorded) -> None:
    """Each page's closest duplicate (``pages.near_duplicate_of``) from the audit's duplicate issues."""
    data: ev.IssuesDetected = item.data  # type: ignore[assignment]
    if set(data.replace_codes) & set(_DUPLICATE_CODES):
        await conn.execute(
            """UPDATE pages SET near_duplicate_of = NULL, near_duplicate_similarity = NULL
               WHERE crawl_id = $1 AND near_duplicate_of IS NOT NULL""",
            data.crawl_id,
        )
    matches = [
        (i["page_id"], i["details"]["duplicate_of"], float(i["details"].get("similarity", 1.0)))
        for i in data.issues
        if i["code"] in _DUPLICATE_CODES and (i.get("details") or {}).get("duplicate_of") is not None
    ]
    if matches:
        # An identical page (similarity 1.0) beats a near one, whichever event came first.
        # DISTINCT ON: one row per page (the most similar) for a single set-based UPDATE.
        await conn.execute(
            """UPDATE pages p SET near_duplicate_of = m.other, near_duplicate_similarity = m.similarity
               FROM (SELECT DISTINCT ON (id) id, other, similarity
                     FROM unnest($2::bigint[], $3::bigint[], $4::float8[]) AS u(id, other, similarity)
                     ORDER BY id, similarity DESC) m
               WHERE p.crawl_id = $1 AND p.id = m.id
                 AND (p.near_duplicate_similarity IS NULL OR p.near_duplicate_similarity < m.similarity)""",
            data.crawl_id,
            [m[0] for m in matches],
            [m[1] for m in matches],
            [m[2] for m in matches],
        )


# --- schedules ---------------------------------------------------------------------------------


@handles(ev.ScheduleCreated)
async def _schedule_created(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.ScheduleCreated = item.data  # type: ignore[assignment]
    await conn.execute(
        """INSERT INTO schedules (id, url, cron, timezone, settings, created_at, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7)""",
        data.schedule_id,
        data.url,
        data.cron,
        data.timezone,
        data.settings.model_dump(mode="json"),
        item.recorded_at,
        item.version,
    )


@handles(ev.ScheduleDeleted)
async def _schedule_deleted(conn: asyncpg.Connection, item: Recorded) -> None:
    await conn.execute("DELETE FROM schedules WHERE id = $1", item.data.schedule_id)  # type: ignore[attr-defined]


@handles(ev.ScheduleFired)
async def _schedule_fired(conn: asyncpg.Connection, item: Recorded) -> None:
    data: ev.ScheduleFired = item.data  # type: ignore[assignment]
    await conn.execute(
        "UPDATE schedules SET last_fire_at = $2, last_crawl_id = $3, version = $4 WHERE id = $1",
        data.schedule_id,
        data.fire_time,
        data.crawl_id,
        item.version,
    )
