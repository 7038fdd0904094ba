"""Crawl routes: start, list, read, and state changes (each one an appended event)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any, Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ValidationError

from services.api.problems import Problem, validation_problem
from shared import events as ev
from shared import eventstore
from shared.crawlsettings import CrawlSettings
from shared.service import METRICS, POOL

CrawlStatus = Literal["queued", "running", "paused", "completed", "failed", "cancelled"]


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
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None
    updated_at: datetime
    settings: dict[str, Any]


class CrawlList(BaseModel):
    items: list[Crawl]
    next_cursor: str | None


_COLUMNS = """id, url, status, pages_crawled, pages_discovered, errors_count, issues_count, attempts, error,
              schedule_id, created_at, started_at, finished_at, updated_at, settings"""
_GET = f"SELECT {_COLUMNS} FROM crawls WHERE id = $1"
_LIST = f"""SELECT {_COLUMNS} FROM crawls
            WHERE ($1::timestamptz IS NULL OR (created_at, id) < ($1, $2::uuid))
            ORDER BY created_at DESC, id DESC LIMIT $3"""


def dump(model: BaseModel, status: int = 200) -> web.Response:
    return web.json_response(text=model.model_dump_json(), status=status, dumps=json.dumps)


async def read_json(request: web.Request) -> Any:
    if not request.can_read_body:
        raise Problem(422, "The request needs a JSON body.", errors=[{"field": "body", "message": "missing"}])
    try:
        return await request.json(loads=json.loads)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise Problem(
            422, f"The body is not valid JSON: {exc}", errors=[{"field": "body", "message": str(exc)}]
        ) from None


def crawl_id_of(request: web.Request) -> uuid.UUID:
    try:
        return uuid.UUID(request.match_info["crawl_id"])
    except ValueError:
        raise Problem(404, "No crawl has this id.") from None


async def load_crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> Crawl:
    row = await conn.fetchrow(_GET, crawl_id)
    if row is None:
        raise Problem(404, f"No crawl has the id {crawl_id}.")
    return Crawl.model_validate(dict(row))


async def start_crawl(request: web.Request) -> web.Response:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise Problem(422, "The body must be a JSON object.", errors=[{"field": "body", "message": "not an object"}])
    try:
        settings = CrawlSettings.model_validate(body)
    except ValidationError as exc:
        raise validation_problem(exc) from None
    crawl_id = uuid.uuid4()
    event = ev.CrawlRequested(crawl_id=crawl_id, settings=settings)
    meta = ev.Metadata(correlation_id=str(crawl_id), causation_id=request.headers.get("X-Request-Id"), actor="api")
    async with request.app[POOL].acquire() as conn:
        await eventstore.append(conn, ev.crawl_stream(crawl_id), [event], expected_version=0, metadata=meta)
        crawl = await load_crawl(conn, crawl_id)
    request.app[METRICS].events_appended.labels(type=event.type_name()).inc()
    response = dump(crawl, status=201)
    response.headers["Location"] = f"/api/crawls/{crawl_id}"
    return response


async def list_crawls(request: web.Request) -> web.Response:
    try:
        limit = min(max(int(request.query.get("limit", "50")), 1), 200)
    except ValueError:
        raise Problem(
            422, "limit must be an integer", errors=[{"field": "limit", "message": "not an integer"}]
        ) from None
    after_time, after_id = None, None
    if cursor := request.query.get("cursor"):
        try:
            stamp, cid = cursor.split("|", 1)
            after_time, after_id = datetime.fromisoformat(stamp), uuid.UUID(cid)
        except ValueError:
            raise Problem(422, "cursor is not valid", errors=[{"field": "cursor", "message": "malformed"}]) from None
    async with request.app[POOL].acquire() as conn:
        rows = await conn.fetch(_LIST, after_time, after_id, limit + 1)
    items = [Crawl.model_validate(dict(r)) for r in rows[:limit]]
    next_cursor = None
    if len(rows) > limit:
        last = items[-1]
        next_cursor = f"{last.created_at.isoformat()}|{last.id}"
    return dump(CrawlList(items=items, next_cursor=next_cursor))


async def get_crawl(request: web.Request) -> web.Response:
    async with request.app[POOL].acquire() as conn:
        return dump(await load_crawl(conn, crawl_id_of(request)))


# state change -> (allowed from, event class)
_TRANSITIONS: dict[str, tuple[set[str], type[ev.Event]]] = {
    "cancel": ({"queued", "running", "paused"}, ev.CrawlCancelled),
    "pause": ({"queued", "running"}, ev.CrawlPaused),
    "resume": ({"paused"}, ev.CrawlResumed),
}


async def change_state(request: web.Request) -> web.Response:
    action = request.match_info["action"]
    allowed, event_class = _TRANSITIONS[action]
    crawl_id = crawl_id_of(request)
    async with request.app[POOL].acquire() as conn:
        for _ in range(5):  # a concurrent append (a page batch) only means: read again and retry
            crawl = await load_crawl(conn, crawl_id)
            if crawl.status not in allowed:
                raise Problem(409, f"A {crawl.status} crawl cannot be {action}ed.", crawl_status=crawl.status)
            version = await eventstore.stream_version(conn, ev.crawl_stream(crawl_id))
            try:
                await eventstore.append(
                    conn,
                    ev.crawl_stream(crawl_id),
                    [event_class(crawl_id=crawl_id)],  # type: ignore[call-arg]
                    expected_version=version,
                    metadata=ev.Metadata(correlation_id=str(crawl_id), actor="api"),
                )
                break
            except eventstore.StreamConflict:
                continue
        else:
            raise Problem(409, "The crawl kept changing; try again.")
        request.app[METRICS].events_appended.labels(type=event_class.type_name()).inc()
        return dump(await load_crawl(conn, crawl_id))


def setup(app: web.Application) -> None:
    app.router.add_post("/api/crawls", start_crawl)
    app.router.add_get("/api/crawls", list_crawls)
    app.router.add_get("/api/crawls/{crawl_id}", get_crawl)
    app.router.add_post("/api/crawls/{crawl_id}/{action:cancel|pause|resume}", change_state)
