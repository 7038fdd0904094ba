"""Crawl routes: start, list, read, and state changes (each one an appended event)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from services.api.models import Timestamp, decode_cursor, encode_cursor
from services.api.problems import Problem
from services.api.routing import RouteTable, dump
from shared import netguard
from shared.eventlog import crawlstream
from shared.eventlog import events as ev
from shared.model.crawlsettings import CrawlSettings
from shared.platform.service import METRICS, POOL, SETTINGS

routes = RouteTable("crawls")

CrawlStatus = Literal["queued", "running", "paused", "completed", "failed", "cancelled"]
TERMINAL_STATUSES = ("completed", "failed", "cancelled")


class Crawl(BaseModel):
    """A crawl as the api shows it. Times are ISO 8601 with microseconds, from the database clock."""

    id: uuid.UUID
    url: str
    status: CrawlStatus
    pages_crawled: int
    pages_discovered: int
    errors_count: int
    issues_count: int
    attempts: int
    error: str | None
    schedule_id: uuid.UUID | None
    created_at: Timestamp = Field(description="when CrawlRequested was recorded")
    started_at: Timestamp | None = Field(description="when a worker first claimed it")
    finished_at: Timestamp | None
    updated_at: Timestamp
    settings: dict[str, Any]


class CrawlList(BaseModel):
    items: list[Crawl]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last one")


class CrawlListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = Field(
        default=None, max_length=200, pattern=r"^[A-Za-z0-9_-]*$", description="`next_cursor` of the previous page"
    )
    status: CrawlStatus | None = None


# The crawls columns a Crawl shows: its fields, each a column of the same name (the one list).
COLUMNS: tuple[str, ...] = tuple(Crawl.model_fields)
_COLUMNS = ", ".join(COLUMNS)
_GET = f"SELECT {_COLUMNS} FROM crawls WHERE id = $1"
_LIST = f"""SELECT {_COLUMNS} FROM crawls
            WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2::uuid))
              AND ($4::text IS NULL OR status = $4)
            ORDER BY created_at DESC, id DESC LIMIT $3"""

CRAWL_ID = {"crawl_id": {"type": "string", "format": "uuid"}}


def _url_or_urls(schema: dict[str, Any]) -> None:
    # What the model validator enforces, said in the schema: `url`, or list mode with `urls`.
    schema["anyOf"] = [
        {"required": ["url"], "properties": {"url": {"minLength": 1}}},
        {"required": ["mode", "urls"], "properties": {"mode": {"const": "list"}, "urls": {"minItems": 1}}},
    ]


class CrawlRequest(CrawlSettings):
    """The body of POST /api/crawls: the crawl's settings (validated exactly as the worker reads them)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_url_or_urls)

    def settings(self) -> CrawlSettings:
        return CrawlSettings.model_validate(self.model_dump())


def crawl_id_of(request: web.Request, name: str = "crawl_id") -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info[name])
    except ValueError:
        raise Problem(404, f"No crawl has the id {request.match_info[name]!r}.") from None


async def load_crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> Crawl:
    row = await conn.fetchrow(_GET, crawl_id)
    if row is None:
        raise Problem(404, f"No crawl has the id {crawl_id}.")
    return Crawl.model_validate(dict(row))


async def require_crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    if await conn.fetchval("SELECT 1 FROM crawls WHERE id = $1", crawl_id) is None:
        raise Problem(404, f"No crawl has the id {crawl_id}.")


async def ssrf_check(request: web.Request, settings: CrawlSettings) -> None:
    """Refuse targets on private networks up front (the crawler checks again on every hop)."""
    config = request.app[SETTINGS]
    if config.allow_private_networks:
        return
    urls = [settings.url] if settings.mode == "spider" else settings.urls[:20]
    for field, url in (("url" if settings.mode == "spider" else "urls", u) for u in urls):
        reason = await netguard.check_url(url, allow_private=False, allowlist=config.private_allowlist, timeout=5.0)
        if reason is not None:
            raise Problem(422, f"{url} cannot be crawled: {reason}.", errors=[{"field": field, "message": reason}])


@routes.operation(
    "POST", "/api/crawls", summary="Start a crawl", body=CrawlRequest, response=Crawl, status=201, errors=(413, 422)
)
async def start_crawl(request: web.Request, body: CrawlRequest) -> web.Response:
    """Queue a crawl. Only `url` (or `urls` in list mode) is required; a worker picks it up at once.
    `include`/`exclude` are regular expressions matched against the whole URL (the start URL must pass them)."""
    settings = body.settings()
    await ssrf_check(request, settings)
    crawl_id = uuid.uuid4()
    event = ev.CrawlRequested(crawl_id=crawl_id, settings=settings)
    async with request.app[POOL].acquire() as conn:
        await crawlstream.start(conn, event, actor="api", causation_id=request.headers.get("X-Request-Id"))
        crawl = await load_crawl(conn, crawl_id)
    request.app[METRICS].events_appended.labels(type=event.type_name()).inc()
    response = dump(crawl, status=201)
    response.headers["Location"] = f"/api/crawls/{crawl_id}"
    return response


@routes.operation(
    "GET", "/api/crawls", summary="List crawls, newest first", query=CrawlListQuery, response=CrawlList, errors=(422,)
)
async def list_crawls(request: web.Request, query: CrawlListQuery) -> web.Response:
    """Cursor-paginated: follow `next_cursor` until it is null. Filter by `status`."""
    after_time, after_id = None, None
    if query.cursor:
        stamp, cid = decode_cursor(query.cursor, 2)
        try:
            after_time, after_id = datetime.fromisoformat(str(stamp)), uuid.UUID(str(cid))
        except ValueError:
            raise Problem(422, "cursor is not valid", errors=[{"field": "cursor", "message": "malformed"}]) from None
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(_LIST, after_time, after_id, query.limit + 1, query.status)
    items = [Crawl.model_validate(dict(r)) for r in rows[: query.limit]]
    next_cursor = None
    if len(rows) > query.limit:
        last = items[-1]
        next_cursor = encode_cursor([last.created_at.isoformat(), str(last.id)])
    return dump(CrawlList(items=items, next_cursor=next_cursor))


@routes.operation(
    "GET", "/api/crawls/{crawl_id}", summary="One crawl", response=Crawl, errors=(404,), path_params=CRAWL_ID
)
async def get_crawl(request: web.Request) -> web.Response:
    """Status, counters, times and settings of one crawl."""
    async with request.app[POOL].acquire() as conn:
        return dump(await load_crawl(conn, crawl_id_of(request)))


# state change -> (allowed from, event class)
_TRANSITIONS: dict[str, tuple[set[str], type[ev.Event]]] = {
    "cancel": ({"queued", "running", "paused"}, ev.CrawlCancelled),
    "pause": ({"queued", "running"}, ev.CrawlPaused),
    "resume": ({"paused"}, ev.CrawlResumed),
}
_PAST = {"cancel": "cancelled", "pause": "paused", "resume": "resumed"}


async def change_state(request: web.Request, action: str) -> web.Response:
    allowed, event_class = _TRANSITIONS[action]
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:

        async def decide(held: crawlstream.Held) -> list[ev.Event]:
            # Decided from the crawl as it is under the lock; the stream's version is checked on
            # append, so a change that slipped in between (a page batch, another click) retries.
            crawl = await load_crawl(conn, crawl_id)
            if crawl.status not in allowed:
                raise Problem(409, f"A {crawl.status} crawl cannot be {_PAST[action]}.", crawl_status=crawl.status)
            return [event_class(crawl_id=crawl_id)]  # type: ignore[call-arg]

        try:
            await crawlstream.write(conn, crawl_id, decide, actor="api", check_version=True)
        except crawlstream.CrawlStreamBusy:
            raise Problem(409, "The crawl kept changing; try again.") from None
        request.app[METRICS].events_appended.labels(type=event_class.type_name()).inc()
        return dump(await load_crawl(conn, crawl_id))


@routes.operation(
    "POST",
    "/api/crawls/{crawl_id}/cancel",
    summary="Cancel a crawl",
    response=Crawl,
    errors=(404, 409),
    path_params=CRAWL_ID,
)
async def cancel_crawl(request: web.Request) -> web.Response:
    """Appends CrawlCancelled; the worker stops at once. Pages crawled so far are kept."""
    return await change_state(request, "cancel")


@routes.operation(
    "POST",
    "/api/crawls/{crawl_id}/pause",
    summary="Pause a crawl",
    response=Crawl,
    errors=(404, 409),
    path_params=CRAWL_ID,
)
async def pause_crawl(request: web.Request) -> web.Response:
    """Appends CrawlPaused; the frontier is kept so a resume continues where it stopped."""
    return await change_state(request, "pause")


@routes.operation(
    "POST",
    "/api/crawls/{crawl_id}/resume",
    summary="Resume a paused crawl",
    response=Crawl,
    errors=(404, 409),
    path_params=CRAWL_ID,
)
async def resume_crawl(request: web.Request) -> web.Response:
    """Appends CrawlResumed; the crawl goes back to the queue."""
    return await change_state(request, "resume")
