"""Crawl routes: start, list, read, and state changes (each one an appended event)."""

from __future__ import annotations

import uuid
from typing import Any, Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from services.api import credentials, sitelookup
from services.api.models import Timestamp, id_cursor, uuid_cursor
from services.api.problems import Problem
from services.api.routing import RouteTable, dump
from shared import netguard
from shared.eventlog import crawlstream
from shared.eventlog import events as ev
from shared.model.crawlauth import CrawlAuth
from shared.model.crawlsettings import CrawlSettings
from shared.model.sites import origin_of
from shared.platform.service import METRICS, POOL, SETTINGS

routes = RouteTable("crawls")

CrawlStatus = Literal["queued", "running", "paused", "completed", "failed", "cancelled"]
TERMINAL_STATUSES = ("completed", "failed", "cancelled")


class CrawlSummary(BaseModel):
    """A crawl as the list shows it: status, counters and times, without its settings.

    Times are ISO 8601 with microseconds, from the database clock.
    """

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
    site_id: uuid.UUID | None = Field(
        description="the site (origin) the crawl belongs to (null: its site was deleted; the crawl stays)"
    )
    health_score: float | None = Field(description="0-100 once completed (docs/AUDIT.md, Health score)")
    created_at: Timestamp = Field(description="when CrawlRequested was recorded")
    started_at: Timestamp | None = Field(description="when a worker first claimed it")
    finished_at: Timestamp | None
    updated_at: Timestamp
    mode: Literal["spider", "list"]
    max_pages: int | None = Field(description="the crawl's page limit (`settings.max_pages`)")
    urls_count: int = Field(
        description="list mode: how many URLs the crawl was given (GET /api/crawls/{id}/urls lists them); "
        "0 in spider mode"
    )


class Crawl(CrawlSummary):
    """One crawl with its settings (the list-mode URLs are a resource of their own)."""

    settings: dict[str, Any] = Field(
        description="the settings as POST /api/crawls took them, except `urls`: in list mode `urls_count` says how "
        "many there are and GET /api/crawls/{id}/urls pages through them"
    )


class CrawlList(BaseModel):
    items: list[CrawlSummary]
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last one")


class CrawlListQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=50, ge=1, le=200)
    cursor: str | None = uuid_cursor()
    status: CrawlStatus | None = None
    site_id: uuid.UUID | None = Field(default=None, description="only the crawls of this site")


class CrawlUrls(BaseModel):
    """A page of a list-mode crawl's URLs, in the order they were given."""

    items: list[str]
    total: int = Field(description="how many URLs the crawl was given (`urls_count`)")
    next_cursor: str | None = Field(description="pass as `cursor` for the next page; null on the last one")


class CrawlUrlsQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=1000, ge=1, le=10_000)
    cursor: str | None = id_cursor()


# The crawls columns each model shows: its fields, each a column of the same name (the one list;
# mode, max_pages and urls_count are generated columns, 0120), but the health score, which is the
# crawl's summary's, and the settings of one crawl, which leave out the URL list (`-` drops the key;
# the list has its own route).
SUMMARY_COLUMNS: tuple[str, ...] = tuple(CrawlSummary.model_fields)
COLUMNS: tuple[str, ...] = tuple(Crawl.model_fields)
_SELECTS = {
    "health_score": "(SELECT cs.health_score FROM crawl_summaries cs WHERE cs.crawl_id = crawls.id) AS health_score",
    "settings": "settings - 'urls' AS settings",
}
_SUMMARY_COLUMNS = ", ".join(_SELECTS.get(c, c) for c in SUMMARY_COLUMNS)
CRAWL_COLUMNS = ", ".join(_SELECTS.get(c, c) for c in COLUMNS)
_GET = f"SELECT {CRAWL_COLUMNS} FROM crawls WHERE id = $1"
# The list reads the summary columns only (0120 computes mode, max_pages and urls_count on write),
# so a page of list-mode crawls never detoasts their URL lists. The cursor is the last crawl's id.
_LIST = f"""SELECT {_SUMMARY_COLUMNS} FROM crawls
            WHERE ($1::uuid IS NULL OR (created_at, id) < ((SELECT created_at FROM crawls WHERE id = $1), $1))
              AND ($3::text IS NULL OR status = $3)
              AND ($4::uuid IS NULL OR site_id = $4)
            ORDER BY created_at DESC, id DESC LIMIT $2"""
# Positions are 1-based; the cursor is the position of the last URL returned.
_URLS = """SELECT u.url, u.position FROM crawls c,
                  jsonb_array_elements_text(CASE WHEN jsonb_typeof(c.settings->'urls') = 'array'
                                                 THEN c.settings->'urls' ELSE '[]' END)
                      WITH ORDINALITY AS u(url, position)
           WHERE c.id = $1 AND u.position > $2 ORDER BY u.position LIMIT $3"""
_URLS_COUNT = "SELECT urls_count FROM crawls WHERE id = $1"

CRAWL_ID = {"crawl_id": {"type": "string", "format": "uuid"}}


def crawl_links(source: str, *operation_ids: str) -> dict[str, dict[str, Any]]:
    """OpenAPI links passing a crawl id (``source``: a runtime expression) to each operation."""
    return {
        op: {"operationId": op, "parameters": {"crawl_id": source}, "description": f"{op} with this crawl's id"}
        for op in operation_ids
    }


# Where a new crawl's id leads (the live streams too, though they never end).
CRAWL_OPERATIONS = (
    "get_crawl", "crawl_urls", "cancel_crawl", "pause_crawl", "resume_crawl", "list_pages", "crawl_issues",
    "export_crawl", "crawl_sitemap",
)  # fmt: skip


# What the model validator enforces about the mode, said in the schema: spider mode (the default)
# needs `url`; list mode needs `urls` (and `url`, when given, must be a URL like any other).
MODE_ONE_OF = [
    {"title": "spider", "properties": {"mode": {"const": "spider"}}, "required": ["url"]},
    {
        "title": "list",
        "properties": {"mode": {"const": "list"}, "urls": {"minItems": 1}},
        "required": ["mode", "urls"],
    },
]


def _spider_or_list(schema: dict[str, Any]) -> None:
    schema["oneOf"] = MODE_ONE_OF


class CrawlRequest(CrawlSettings):
    """The body of POST /api/crawls: the crawl's settings (validated exactly as the worker reads them)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_spider_or_list)

    auth: CrawlAuth | None = Field(  # type: ignore[assignment]
        default=None,
        description="credentials for the crawl's origin (write-only: stored encrypted, never returned; the crawl's "
        "settings show their reference): `basic`, `headers`, `cookies`, `form`, or the `secret_ref` of stored ones",
    )

    def settings(self) -> CrawlSettings:
        """The settings without ``auth`` (sealed on its own, into the crawl's reference)."""
        return CrawlSettings.model_validate(self.model_dump(exclude={"auth"}))


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
    checks = [("url" if settings.mode == "spider" else "urls", u) for u in urls]
    if settings.proxy is not None:
        checks.append(("proxy", settings.proxy))  # a proxy on a private network would reach it for us
    for field, url in checks:
        reason = await netguard.check_url(url, allow_private=False, allowlist=config.private_allowlist, timeout=5.0)
        if reason is not None:
            raise Problem(422, f"{url} cannot be crawled: {reason}.", errors=[{"field": field, "message": reason}])


@routes.operation(
    "POST",
    "/api/crawls",
    summary="Start a crawl",
    body=CrawlRequest,
    response=Crawl,
    status=201,
    errors=(413, 422),
    links=crawl_links("$response.body#/id", *CRAWL_OPERATIONS),
)
async def start_crawl(request: web.Request, body: CrawlRequest) -> web.Response:
    """Queue a crawl. Only `url` (or `urls` in list mode) is required; a worker picks it up at once.
    `include`/`exclude` are regular expressions matched against the whole URL (the start URL must pass them).
    The crawl belongs to the site of its URL's origin (made by the origin's first crawl) and starts from that
    site's default settings; the body's own fields win."""
    settings = body.settings()
    await ssrf_check(request, settings)
    given = body.model_dump(exclude_unset=True)
    crawl_id = uuid.uuid4()
    causation = request.headers.get("X-Request-Id")

    async def append(site_id: uuid.UUID, defaults: dict[str, Any]) -> ev.CrawlRequested:
        final = sitelookup.settings_for_site(defaults, given) if defaults else settings
        # The request's credentials, else the site's: sealed (or copied) into the crawl's own reference.
        auth = body.auth if "auth" in body.model_fields_set else defaults.get("auth")
        sealed = await credentials.seal(conn, request.app[credentials.VAULT], auth, origin_of(final.url))
        final = final.model_copy(update={"auth": sealed})
        event = ev.CrawlRequested(crawl_id=crawl_id, settings=final, site_id=site_id)
        await crawlstream.start(conn, event, actor="api", causation_id=causation)
        return event

    async with request.app[POOL].acquire() as conn:
        event = await sitelookup.in_site_of(conn, settings.url, append)
        crawl = await load_crawl(conn, crawl_id)
    request.app[METRICS].events_appended.labels(type=event.type_name()).inc()
    response = dump(crawl, status=201)
    response.headers["Location"] = f"/api/crawls/{crawl_id}"
    return response


@routes.operation(
    "GET",
    "/api/crawls",
    summary="List crawls, newest first",
    query=CrawlListQuery,
    response=CrawlList,
    errors=(422,),
)
async def list_crawls(request: web.Request, query: CrawlListQuery) -> web.Response:
    """A summary of each crawl (status, counters, times, `mode`, `max_pages`, `urls_count`, health score);
    GET /api/crawls/{id} has the settings. Cursor-paginated: follow `next_cursor` until it is null. Filter by
    `status` and `site_id`."""
    after_id = uuid.UUID(query.cursor) if query.cursor else None
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(_LIST, after_id, query.limit + 1, query.status, query.site_id)
    items = [CrawlSummary.model_validate(dict(r)) for r in rows[: query.limit]]
    next_cursor = str(items[-1].id) if len(rows) > query.limit else None
    return dump(CrawlList(items=items, next_cursor=next_cursor))


@routes.operation(
    "GET", "/api/crawls/{crawl_id}", summary="One crawl", response=Crawl, errors=(404,), path_params=CRAWL_ID
)
async def get_crawl(request: web.Request) -> web.Response:
    """Status, counters, times and settings of one crawl (a list-mode crawl's URLs: GET /api/crawls/{id}/urls)."""
    async with request.app[POOL].acquire() as conn:
        return dump(await load_crawl(conn, crawl_id_of(request)))


@routes.operation(
    "GET",
    "/api/crawls/{crawl_id}/urls",
    summary="The URLs of a list-mode crawl",
    query=CrawlUrlsQuery,
    response=CrawlUrls,
    errors=(404, 422),
    path_params=CRAWL_ID,
)
async def crawl_urls(request: web.Request, query: CrawlUrlsQuery) -> web.Response:
    """The URLs a list-mode crawl was given, in order, `limit` at a time (empty in spider mode);
    follow `next_cursor` until it is null."""
    crawl_id = crawl_id_of(request)
    after = int(query.cursor) if query.cursor else 0
    async with request.app[POOL].acquire() as conn:
        total = await conn.fetchval(_URLS_COUNT, crawl_id)
        if total is None:
            raise Problem(404, f"No crawl has the id {crawl_id}.")
        rows = await conn.fetch(_URLS, crawl_id, after, query.limit + 1)
    items = [r["url"] for r in rows[: query.limit]]
    next_cursor = str(rows[query.limit - 1]["position"]) if len(rows) > query.limit else None
    return dump(CrawlUrls(items=items, total=total, next_cursor=next_cursor))


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
