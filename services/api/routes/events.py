"""Server-Sent Events: one crawl's live progress, and the crawl list's changes.

Each message's ``id`` is the event's log position. A crawl's stream resumes from
``Last-Event-ID`` by reading that stream after the position (per-stream positions follow commit
order); the list's stream resumes with the log's ``(txid, position)`` cursor. A client that
vanishes is noticed at the next write (a heartbeat comment at the latest) and unsubscribed.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from aiohttp import web

from services.api.livestream import LiveHub, Subscriber, TooManyStreams
from services.api.models import iso_time
from services.api.problems import Problem
from services.api.routes.crawls import COLUMNS as CRAWL_COLUMNS
from services.api.routes.crawls import CRAWL_ID, Crawl, crawl_id_of
from services.api.routing import RouteTable
from services.api.security import add_stream_headers
from shared.eventlog import events as ev
from shared.eventlog import eventstore
from shared.eventlog.eventstore import Recorded
from shared.platform.service import POOL, SETTINGS

routes = RouteTable("live")

HUB = web.AppKey("live_hub", LiveHub)

# Events the crawl list cares about (not the per-page detail).
LIST_TYPES = frozenset(
    t.type_name()
    for t in (
        ev.CrawlRequested, ev.CrawlStarted, ev.CrawlProgressed, ev.PagesCrawled, ev.CrawlCompleted, ev.CrawlFailed,
        ev.CrawlAttemptFailed, ev.CrawlRequeued, ev.CrawlReleased, ev.LeaseExpired, ev.CrawlPaused, ev.CrawlResumed,
        ev.CrawlCancelled, ev.IssuesDetected, ev.ResourcesChecked,
    )
)  # fmt: skip

# The crawl as GET /api/crawls/{id} shows it, and the stream position it was read at.
_SNAPSHOT = f"""SELECT {", ".join(f"c.{column}" for column in CRAWL_COLUMNS)},
       (SELECT cs.health_score FROM crawl_summaries cs WHERE cs.crawl_id = c.id) AS health_score,
       (SELECT max(position) FROM events WHERE stream_id = $2) AS last_position
FROM crawls c WHERE c.id = $1"""

URL_SAMPLE = 20
RESUME_MAX_EVENTS = 200  # a crawl stream further behind than this resumes with a fresh snapshot
BACKLOG_BATCH = 50  # events read at a time when the list stream catches up

_MISSED = "SELECT count(*) FROM (SELECT 1 FROM events WHERE stream_id = $1 AND position > $2 LIMIT $3) AS x"


def summary(item: Recorded) -> dict[str, Any]:
    """The event as streamed: page batches, issue lists and resource checks shrink to counts (pages: /pages)."""
    if item.type in ("PagesCrawled", "IssuesDetected", "ResourcesChecked"):
        return _light(item)
    body = eventstore.serialize(item)
    body["data"] = _times(item.data.model_dump(mode="python"))
    return body


def _times(value: Any) -> Any:
    """JSON-ready, with every time in the api's one format (pydantic would write `...Z`, without microseconds)."""
    if isinstance(value, dict):
        return {k: _times(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_times(v) for v in value]
    if isinstance(value, datetime):
        return iso_time(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def _light(item: Recorded) -> dict[str, Any]:
    data: dict[str, Any]
    if isinstance(item.data, ev.PagesCrawled):
        data = {
            "crawl_id": str(item.data.crawl_id),
            "pages_count": len(item.data.pages),
            "pages_discovered": item.data.pages_discovered,
            "pages": [{"id": p.id, "url": p.url, "status_code": p.status_code} for p in item.data.pages[:URL_SAMPLE]],
        }
    elif isinstance(item.data, ev.IssuesDetected):
        data = {
            "crawl_id": str(item.data.crawl_id),
            "issues_count": len(item.data.issues),
            "replace_codes": item.data.replace_codes,
        }
    elif isinstance(item.data, ev.ResourcesChecked):
        data = {
            "crawl_id": str(item.data.crawl_id),
            "resources_count": len(item.data.resources),
            "failed_count": sum(1 for r in item.data.resources if r.error or (r.status_code or 0) >= 400),
        }
    else:  # pragma: no cover - only the types above come here
        data = item.data.model_dump(mode="json")
    return {
        "position": item.position,
        "stream_id": item.stream_id,
        "version": item.version,
        "type": item.type,
        "data": data,
        "recorded_at": item.recorded_at.isoformat(timespec="microseconds"),
    }


def _message(event: str, data: str, event_id: int | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return ("\n".join(lines) + "\n\n").encode()


def _last_event_id(request: web.Request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if raw is None or raw == "":
        return None
    try:
        value = int(raw)
    except ValueError:
        raise Problem(
            422, "Last-Event-ID must be an event position (an integer).",
            errors=[{"field": "Last-Event-ID", "message": "not an integer"}],
        ) from None  # fmt: skip
    if value < 0:
        raise Problem(422, "Last-Event-ID must not be negative.", errors=[{"field": "Last-Event-ID", "message": "< 0"}])
    return value


def _subscribe(hub: LiveHub, matches: Callable[[Recorded], bool]) -> Subscriber:
    try:
        return hub.subscribe(matches)
    except TooManyStreams:
        raise Problem(
            503, "The server has as many live streams open as it serves; try again shortly.",
            headers={"Retry-After": "5"},
        ) from None  # fmt: skip


async def _open(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(
        headers={
            "Content-Type": "text/event-stream; charset=utf-8",
            "Cache-Control": "no-cache, no-transform",
            "X-Accel-Buffering": "no",  # nginx: pass each message through at once
        }
    )
    add_stream_headers(request, response)
    await response.prepare(request)
    await response.write(b"retry: 2000\n\n")
    return response


async def _pump(
    request: web.Request,
    response: web.StreamResponse,
    sub: Subscriber,
    already_sent: Callable[[Recorded], bool],
) -> None:
    """Write live events until the client goes away, the hub stops, or the subscriber overflowed."""
    heartbeat = request.app[SETTINGS].sse_heartbeat_seconds
    while True:
        if sub.overflowed and sub.queue.empty():
            return  # the client reconnects with Last-Event-ID and catches up from the log
        try:
            item = await asyncio.wait_for(sub.queue.get(), heartbeat)
        except TimeoutError:
            await response.write(b": heartbeat\n\n")
            continue
        if item is None:
            return
        if already_sent(item):
            continue
        await response.write(
            _message(item.type, json.dumps(summary(item), ensure_ascii=False, default=str), item.position)
        )


def _sse_operation(summary_text: str, **options: Any) -> Any:
    return routes.operation(
        "GET",
        options.pop("path"),
        summary=summary_text,
        media_types=("text/event-stream",),
        headers={"Last-Event-ID": {"description": "resume after this event position"}},
        **options,
    )


@_sse_operation(
    "Live progress of one crawl (Server-Sent Events)",
    path="/api/crawls/{crawl_id}/events",
    errors=(404, 422, 503),
    path_params=CRAWL_ID,
)
async def crawl_events(request: web.Request) -> web.StreamResponse:
    """First a `snapshot` event (the crawl as GET /api/crawls/{id} shows it), then every event of the crawl as
    it happens (`CrawlStarted`, `PagesCrawled` with a count and a sample of URLs, `CrawlProgressed`,
    `CrawlCompleted`, ...). With `Last-Event-ID` (or `?last_event_id=`) the missed events come instead of the
    snapshot. A `: heartbeat` comment keeps idle connections open."""
    crawl_id = crawl_id_of(request)
    last_id = _last_event_id(request)
    stream_id = ev.crawl_stream(crawl_id)
    hub = request.app[HUB]
    # Subscribe before reading the log: whatever commits in between arrives twice, never zero times.
    sub = _subscribe(hub, lambda item: item.stream_id == stream_id)
    response = web.StreamResponse()
    try:
        async with request.app[POOL].acquire() as conn:
            snapshot = await conn.fetchrow(_SNAPSHOT, crawl_id, stream_id)
            if snapshot is None:
                raise Problem(404, f"No crawl has the id {crawl_id}.")
            backlog: list[Recorded] = []
            if last_id is not None:
                missed = await conn.fetchval(_MISSED, stream_id, last_id, RESUME_MAX_EVENTS + 1)
                if missed > RESUME_MAX_EVENTS:
                    last_id = None  # far behind: a fresh snapshot is smaller than the history
                else:
                    backlog = await eventstore.read_stream(conn, stream_id, after_position=last_id)
        response = await _open(request)
        sent = last_id or 0
        if last_id is None:
            crawl = Crawl.model_validate({k: v for k, v in dict(snapshot).items() if k != "last_position"})
            sent = snapshot["last_position"] or 0
            await response.write(_message("snapshot", crawl.model_dump_json(), sent))
        for item in backlog:
            await response.write(
                _message(item.type, json.dumps(summary(item), ensure_ascii=False, default=str), item.position)
            )
            sent = item.position
        await _pump(request, response, sub, lambda item: item.position <= sent)
    except ConnectionResetError:
        pass  # the client went away; nothing to clean up but the subscription
    finally:
        hub.unsubscribe(sub)
    return response


@_sse_operation(
    "Live changes to the crawl list (Server-Sent Events)",
    path="/api/crawls/events",
    errors=(422, 503),
    operation_id="list_events",
)
async def list_events(request: web.Request) -> web.StreamResponse:
    """Every crawl's lifecycle and progress events (`CrawlRequested`, `CrawlStarted`, `CrawlProgressed`,
    `PagesCrawled` as a count, `CrawlCompleted`, ...), as they happen. Resumable with `Last-Event-ID`.
    Refetch GET /api/crawls to render; use these to know when."""
    last_id = _last_event_id(request)
    hub = request.app[HUB]
    sub = _subscribe(hub, lambda item: item.type in LIST_TYPES)
    response = web.StreamResponse()
    try:
        cursor = eventstore.START
        if last_id is not None:
            async with request.app[POOL].acquire() as conn:
                cursor = await eventstore.cursor_at(conn, last_id)
            if cursor == eventstore.START and last_id > 0:
                raise Problem(
                    422, f"No event has the position {last_id}.",
                    errors=[{"field": "Last-Event-ID", "message": "unknown position"}],
                )  # fmt: skip
        response = await _open(request)
        if last_id is not None:
            # The missed events, a bounded batch at a time: never the whole history in memory.
            while True:
                async with request.app[POOL].acquire() as conn:
                    batch = await eventstore.read_all(conn, cursor, limit=BACKLOG_BATCH)
                for item in batch:
                    if item.type in LIST_TYPES:
                        payload = json.dumps(summary(item), ensure_ascii=False, default=str)
                        await response.write(_message(item.type, payload, item.position))
                if batch:
                    cursor = eventstore.cursor_of(batch[-1])
                if len(batch) < BACKLOG_BATCH:
                    break
        done = cursor
        await _pump(request, response, sub, lambda item: eventstore.cursor_of(item) <= done)
    except ConnectionResetError:
        pass
    finally:
        hub.unsubscribe(sub)
    return response
