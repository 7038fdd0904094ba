"""Site routes: the sites (origins) crawls belong to, their dashboard figures and their history.

A site is made by ``POST /api/sites`` or by the first crawl (or schedule) of its origin
(``site_for``); each change is an event on the site's own stream.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from services.api import credentials
from services.api.models import Timestamp
from services.api.problems import Problem
from services.api.routes.schedules import forget_credentials, next_fire_times
from services.api.routing import RouteTable, dump
from services.api.sitelookup import name_of
from shared import vault
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.eventlog.projections import sites as siteprojections
from shared.model.crawlsettings import CrawlSettings
from shared.model.sites import MAX_NAME_LENGTH, SiteSettings, origin_of, without_auth
from shared.platform.service import METRICS, POOL

routes = RouteTable("sites")

SITE_ID = {"site_id": {"type": "string", "format": "uuid"}}
TREND_POINTS = 30
MAX_HISTORY = 5000


def _start_url(value: str) -> str:
    try:
        return CrawlSettings(url=value).url
    except ValidationError as exc:
        raise ValueError(exc.errors()[0]["msg"].removeprefix("Value error, ")) from None


class SiteCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str = Field(min_length=1, max_length=2048, description="the start URL of the site's crawls; its origin "
                     "(scheme, host, port) names the site")  # fmt: skip
    name: str | None = Field(default=None, max_length=MAX_NAME_LENGTH, description="defaults to the host")
    settings: SiteSettings = Field(default_factory=SiteSettings)

    _url = field_validator("url")(classmethod(lambda cls, v: _start_url(v)))


class SitePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    url: str | None = Field(default=None, min_length=1, max_length=2048, description="a URL of the same origin")
    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME_LENGTH)
    settings: SiteSettings | None = Field(default=None, description="replaces the settings as a whole")

    _url = field_validator("url")(classmethod(lambda cls, v: v if v is None else _start_url(v)))


class SeverityCounts(BaseModel):
    error: int
    warning: int
    notice: int


class LatestCrawl(BaseModel):
    id: uuid.UUID
    status: str
    created_at: Timestamp
    finished_at: Timestamp | None
    pages_crawled: int


class Site(BaseModel):
    """A site with the figures of its dashboard card."""

    id: uuid.UUID
    url: str
    origin: str
    name: str
    settings: SiteSettings
    created_at: Timestamp
    updated_at: Timestamp
    crawls_count: int
    latest_crawl: LatestCrawl | None = Field(description="the newest crawl, whatever its status")
    last_completed_crawl_id: uuid.UUID | None
    previous_completed_crawl_id: uuid.UUID | None = Field(description="what the last completed crawl compares with")
    health_score: float | None = Field(description="0-100, of the last completed crawl (docs/AUDIT.md)")
    health_change: float | None = Field(description="points up or down since the completed crawl before it")
    issues: SeverityCounts | None = Field(description="issue rows by severity in the last completed crawl")
    pages_crawled: int | None = Field(description="pages of the last completed crawl")
    next_run_at: Timestamp | None = Field(description="the next fire of the site's schedules")
    purged_crawls: int = Field(description="crawls whose pages retention deleted")
    bytes_freed: int = Field(description="what retention deleted, in stored bytes (docs/OPERATIONS.md, Disk)")
    health_trend: list[float | None] = Field(
        description=f"health of the last {TREND_POINTS} completed crawls, oldest first (the sparkline)"
    )


class SiteList(BaseModel):
    items: list[Site]


class HistoryRow(BaseModel):
    crawl_id: uuid.UUID
    created_at: Timestamp
    finished_at: Timestamp | None
    pages_crawled: int
    health_score: float | None
    issues: SeverityCounts
    indexable_pages: int
    response_time_p50: float | None = Field(description="milliseconds")
    response_time_p95: float | None = Field(description="milliseconds")
    purged: bool = Field(description="retention deleted its pages, links and issues (this row stays)")


class History(BaseModel):
    """One row per completed crawl, oldest first: what the trend charts draw."""

    site_id: uuid.UUID
    items: list[HistoryRow]


class HistoryQuery(BaseModel):
    model_config = ConfigDict(extra="ignore")

    limit: int = Field(default=1000, ge=1, le=MAX_HISTORY, description="the most recent completed crawls")


# One row per site with its newest crawl, its last two completed crawls' figures and its trend.
_SITES = f"""
SELECT s.id, s.url, s.origin, s.name, s.crawl_defaults, s.retention, s.created_at, s.updated_at,
       (SELECT count(*) FROM crawls c WHERE c.site_id = s.id) AS crawls_count,
       purges.n AS purged_crawls, purges.bytes AS bytes_freed,
       latest.id AS latest_id, latest.status AS latest_status, latest.created_at AS latest_created_at,
       latest.finished_at AS latest_finished_at, latest.pages_crawled AS latest_pages_crawled,
       done.ids, done.scores, done.errors, done.warnings, done.notices, done.pages
FROM sites s
CROSS JOIN LATERAL (
    SELECT count(*) AS n, coalesce(sum(p.bytes_freed), 0)::bigint AS bytes
    FROM crawl_purges p JOIN crawls c ON c.id = p.crawl_id WHERE c.site_id = s.id
) AS purges
LEFT JOIN LATERAL (
    SELECT c.id, c.status, c.created_at, c.finished_at, c.pages_crawled FROM crawls c
    WHERE c.site_id = s.id ORDER BY c.created_at DESC, c.id DESC LIMIT 1
) AS latest ON true
LEFT JOIN LATERAL (
    SELECT array_agg(t.id ORDER BY t.created_at) AS ids, array_agg(t.health_score ORDER BY t.created_at) AS scores,
           array_agg(t.errors ORDER BY t.created_at) AS errors, array_agg(t.warnings ORDER BY t.created_at) AS warnings,
           array_agg(t.notices ORDER BY t.created_at) AS notices,
           array_agg(t.pages_crawled ORDER BY t.created_at) AS pages
    FROM (SELECT c.id, c.created_at, cs.health_score, cs.errors, cs.warnings, cs.notices, cs.pages_crawled
          FROM crawls c JOIN crawl_summaries cs ON cs.crawl_id = c.id
          WHERE c.site_id = s.id AND c.status = 'completed'
          ORDER BY c.created_at DESC, c.id DESC LIMIT {TREND_POINTS}) AS t
) AS done ON true
"""
_LIST = _SITES + " ORDER BY lower(s.name), s.id"
_GET = _SITES + " WHERE s.id = $1"
_SCHEDULES = "SELECT site_id, cron, timezone FROM schedules WHERE site_id = ANY($1::uuid[])"
_SITE_ROW = "SELECT id, origin, url, name, crawl_defaults, retention FROM sites WHERE id = $1"
_HISTORY = """
SELECT * FROM (
    SELECT c.id AS crawl_id, c.created_at, c.finished_at, cs.pages_crawled, cs.health_score, cs.errors,
           cs.warnings, cs.notices, cs.indexable_pages, cs.response_time_p50, cs.response_time_p95,
           EXISTS (SELECT 1 FROM crawl_purges p WHERE p.crawl_id = c.id) AS purged
    FROM crawls c JOIN crawl_summaries cs ON cs.crawl_id = c.id
    WHERE c.site_id = $1 AND c.status = 'completed'
    ORDER BY c.created_at DESC, c.id DESC LIMIT $2
) AS recent ORDER BY created_at, crawl_id
"""
_SITE_SCHEDULES = "SELECT id, own_settings->'auth' AS auth FROM schedules WHERE site_id = $1"


def _site(row: asyncpg.Record, next_run: datetime | None) -> Site:
    ids: list[uuid.UUID] = row["ids"] or []
    scores: list[float | None] = row["scores"] or []
    last = len(ids) - 1
    latest = None
    if row["latest_id"] is not None:
        latest = LatestCrawl(
            id=row["latest_id"],
            status=row["latest_status"],
            created_at=row["latest_created_at"],
            finished_at=row["latest_finished_at"],
            pages_crawled=row["latest_pages_crawled"],
        )
    change = None
    if last >= 1 and scores[last] is not None and scores[last - 1] is not None:
        change = round(scores[last] - scores[last - 1], 1)  # type: ignore[operator]
    return Site(
        id=row["id"],
        url=row["url"],
        origin=row["origin"],
        name=row["name"],
        settings=SiteSettings(crawl=row["crawl_defaults"], retention=row["retention"]),
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        crawls_count=row["crawls_count"],
        latest_crawl=latest,
        last_completed_crawl_id=ids[last] if ids else None,
        previous_completed_crawl_id=ids[last - 1] if last >= 1 else None,
        health_score=scores[last] if ids else None,
        health_change=change,
        issues=SeverityCounts(error=row["errors"][last], warning=row["warnings"][last], notice=row["notices"][last])
        if ids
        else None,
        pages_crawled=row["pages"][last] if ids else None,
        next_run_at=next_run,
        purged_crawls=row["purged_crawls"],
        bytes_freed=row["bytes_freed"],
        health_trend=scores,
    )


async def _next_runs(conn: asyncpg.Connection, site_ids: list[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    now = await conn.fetchval("SELECT now()")
    runs: dict[uuid.UUID, datetime] = {}
    for row in await conn.fetch(_SCHEDULES, site_ids):
        fire = next_fire_times(row["cron"], row["timezone"], now, 1)[0]
        if row["site_id"] not in runs or fire < runs[row["site_id"]]:
            runs[row["site_id"]] = fire
    return runs


def site_id_of(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["site_id"])
    except ValueError:
        raise Problem(404, f"No site has the id {request.match_info['site_id']!r}.") from None


async def load_site(conn: asyncpg.Connection, site_id: uuid.UUID) -> Site:
    row = await conn.fetchrow(_GET, site_id)
    if row is None:
        raise Problem(404, f"No site has the id {site_id}.")
    runs = await _next_runs(conn, [site_id])
    return _site(row, runs.get(site_id))


async def _sealed(
    conn: asyncpg.Connection, request: web.Request, settings: SiteSettings, origin: str, *, keep: uuid.UUID | None
) -> SiteSettings:
    """``settings`` with the crawl defaults' credentials sealed into the site's own reference."""
    auth = settings.crawl.get("auth")
    sealed = await credentials.seal(
        conn, request.app[credentials.VAULT], auth, origin, field="settings.crawl.auth", keep=keep
    )
    crawl = without_auth(settings.crawl)
    if sealed is not None:
        crawl["auth"] = sealed.model_dump(mode="json")
    return SiteSettings(crawl=crawl, retention=settings.retention)


def _meta(site_id: uuid.UUID) -> ev.Metadata:
    return ev.Metadata(correlation_id=str(site_id), actor="api")


@routes.operation("GET", "/api/sites", summary="List sites", response=SiteList)
async def list_sites(request: web.Request) -> web.Response:
    """Every site by name, each with its latest crawl, health score and its change, issues by severity,
    next scheduled run and health trend (the dashboard's cards)."""
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(_LIST)
        runs = await _next_runs(conn, [r["id"] for r in rows])
    return dump(SiteList(items=[_site(r, runs.get(r["id"])) for r in rows]))


@routes.operation(
    "POST", "/api/sites", summary="Create a site", body=SiteCreate, response=Site, status=201, errors=(409, 413, 422)
)
async def create_site(request: web.Request, body: SiteCreate) -> web.Response:
    """A site for the URL's origin (409 if the origin has one already, with its id). Crawls of the origin
    start from `settings.crawl` and keep their pages for the last `settings.retention` crawls."""
    origin = origin_of(body.url)
    site_id = uuid.uuid4()
    name = (body.name or "").strip() or name_of(origin)
    async with request.app[POOL].acquire() as conn:
        existing = await siteprojections.site_by_origin(conn, origin)
        if existing is None:
            try:
                async with conn.transaction():
                    settings = await _sealed(conn, request, body.settings, origin, keep=None)
                    event = ev.SiteCreated(site_id=site_id, origin=origin, url=body.url, name=name, settings=settings)
                    await streams.append(
                        conn,
                        ev.site_stream(site_id),
                        [event],
                        expected_version=eventstore.NO_STREAM,
                        metadata=_meta(site_id),
                    )
            except asyncpg.UniqueViolationError:
                existing = await siteprojections.site_by_origin(conn, origin)
        if existing is not None:
            raise Problem(
                409,
                f"{origin} is a site already.",
                errors=[{"field": "url", "message": "a site with this origin exists"}],
                site_id=str(existing["id"]),
            )
        site = await load_site(conn, site_id)
    request.app[METRICS].events_appended.labels(type=ev.SiteCreated.type_name()).inc()
    response = dump(site, status=201)
    response.headers["Location"] = f"/api/sites/{site_id}"
    return response


@routes.operation(
    "GET", "/api/sites/{site_id}", summary="One site", response=Site, errors=(404,), path_params=SITE_ID
)  # fmt: skip
async def get_site(request: web.Request) -> web.Response:
    """The site with its dashboard figures."""
    async with request.app[POOL].acquire() as conn:
        return dump(await load_site(conn, site_id_of(request)))


@routes.operation(
    "PATCH",
    "/api/sites/{site_id}",
    summary="Change a site",
    body=SitePatch,
    response=Site,
    errors=(404, 409, 413, 422),
    path_params=SITE_ID,
)
async def patch_site(request: web.Request, body: SitePatch) -> web.Response:
    """Rename, move the start URL within the origin, or replace the settings (appends SiteSettingsChanged)."""
    site_id = site_id_of(request)
    stream = ev.site_stream(site_id)
    async with request.app[POOL].acquire() as conn:
        for _ in range(5):
            row = await conn.fetchrow(_SITE_ROW, site_id)
            if row is None:
                raise Problem(404, f"No site has the id {site_id}.")
            if body.url is not None and origin_of(body.url) != row["origin"]:
                raise Problem(
                    422,
                    f"The start URL must stay on {row['origin']}; a new origin is a new site.",
                    errors=[{"field": "url", "message": f"not on {row['origin']}"}],
                )
            version = await eventstore.stream_version(conn, stream)
            try:
                async with conn.transaction():
                    settings = SiteSettings(crawl=row["crawl_defaults"], retention=row["retention"])
                    old_ref = credentials.reference_of(row["crawl_defaults"].get("auth"))
                    if body.settings is not None:  # replaces the settings, credentials included
                        settings = await _sealed(conn, request, body.settings, row["origin"], keep=old_ref)
                    event = ev.SiteSettingsChanged(
                        site_id=site_id, url=body.url or row["url"], name=(body.name or row["name"]).strip(),
                        settings=settings,
                    )  # fmt: skip
                    await streams.append(conn, stream, [event], expected_version=version, metadata=_meta(site_id))
                    if old_ref is not None and credentials.reference_of(settings.crawl.get("auth")) != old_ref:
                        await vault.forget(conn, old_ref)
                break
            except eventstore.StreamConflict:
                continue
        else:
            raise Problem(409, "The site kept changing; try again.")
        site = await load_site(conn, site_id)
    request.app[METRICS].events_appended.labels(type=ev.SiteSettingsChanged.type_name()).inc()
    return dump(site)


@routes.operation(
    "DELETE", "/api/sites/{site_id}", summary="Delete a site", status=204, errors=(404, 409), path_params=SITE_ID
)
async def delete_site(request: web.Request) -> web.Response:
    """Appends SiteDeleted (and ScheduleDeleted for each of its schedules): the site stops being crawled and
    its alert rules are deleted. Its crawls stay, with their pages and issues, belonging to no site
    (`site_id` null in the crawl list; retention no longer applies to them)."""
    site_id = site_id_of(request)
    stream = ev.site_stream(site_id)
    async with request.app[POOL].acquire() as conn:
        for _ in range(5):
            try:
                async with conn.transaction():
                    site = await conn.fetchrow(_SITE_ROW, site_id)
                    if site is None:
                        raise Problem(404, f"No site has the id {site_id}.")
                    await forget_credentials(conn, site["crawl_defaults"].get("auth"))
                    for schedule in await conn.fetch(_SITE_SCHEDULES, site_id):
                        await streams.append(
                            conn, ev.schedule_stream(schedule["id"]), [ev.ScheduleDeleted(schedule_id=schedule["id"])],
                            metadata=_meta(site_id),
                        )  # fmt: skip
                        await forget_credentials(conn, schedule["auth"])
                    version = await eventstore.stream_version(conn, stream)
                    await streams.append(
                        conn,
                        stream,
                        [ev.SiteDeleted(site_id=site_id)],
                        expected_version=version,
                        metadata=_meta(site_id),
                    )
                break
            except eventstore.StreamConflict:
                continue
        else:
            raise Problem(409, "The site kept changing; try again.")
    request.app[METRICS].events_appended.labels(type=ev.SiteDeleted.type_name()).inc()
    return web.Response(status=204)


@routes.operation(
    "GET",
    "/api/sites/{site_id}/history",
    summary="A site's completed crawls over time",
    query=HistoryQuery,
    response=History,
    errors=(404, 422),
    path_params=SITE_ID,
)
async def site_history(request: web.Request, query: HistoryQuery) -> web.Response:
    """One row per completed crawl, oldest first: pages, health score, issues by severity, indexable
    pages and response-time p50/p95 (what the trend charts draw). Crawls whose pages retention
    deleted keep their row."""
    site_id = site_id_of(request)
    async with request.app[POOL].acquire() as conn:
        if await conn.fetchrow(_SITE_ROW, site_id) is None:
            raise Problem(404, f"No site has the id {site_id}.")
        rows = await conn.fetch(_HISTORY, site_id, query.limit)
    items = [
        HistoryRow(
            crawl_id=r["crawl_id"],
            created_at=r["created_at"],
            finished_at=r["finished_at"],
            pages_crawled=r["pages_crawled"],
            health_score=r["health_score"],
            issues=SeverityCounts(error=r["errors"], warning=r["warnings"], notice=r["notices"]),
            indexable_pages=r["indexable_pages"],
            response_time_p50=r["response_time_p50"],
            response_time_p95=r["response_time_p95"],
            purged=r["purged"],
        )
        for r in rows
    ]
    return dump(History(site_id=site_id, items=items))
