"""Server-Sent Events: one crawl's live progress, and the crawl list's changes.

Each message's ``id`` is the event's log position. A crawl's stream resumes from
``Last-Event-ID`` by reading that stream after the position (per-stream positions follow commit
order); the list's stream resumes with the log's ``(txid, position)`` cursor. A client that
vanishes is noticed at the next write (a heartbeat comment at the latest) and unsubscribed.
"""

from __future__ import annotations

import asyncio
import json
import re
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal

from aiohttp import web
from pydantic import BaseModel, Field, create_model

from services.api.livestream import LiveHub, Subscriber, TooManyStreams
from services.api.models import iso_time
from services.api.problems import Problem
from services.api.routes.crawls import CRAWL_COLUMNS, CRAWL_ID, Crawl, crawl_id_of
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
_SNAPSHOT = f"""SELECT {CRAWL_COLUMNS}, (SELECT max(position) FROM events WHERE stream_id = $2) AS last_position
FROM crawls WHERE id = $1"""

URL_SAMPLE = 20
ERROR_SAMPLE = 10

# --- what each message's `data` holds (the OpenAPI document's `x-events`, checked by a test) -----


class PageSample(BaseModel):
    id: int
    url: str
    status_code: int | None


class BatchError(BaseModel):
    page_id: int
    url: str
    status_code: int | None
    error: str | None


class LinkScoresComputedData(BaseModel):
    """Internal link scores were computed (the scores are in the pages' `link_score`), as a count."""

    crawl_id: uuid.UUID
    scores_count: int
    replace: bool


class PagesCrawledData(BaseModel):
    """A batch of pages, as a count and a sample (the pages themselves are at /pages)."""

    crawl_id: uuid.UUID
    pages_count: int
    pages_discovered: int
    pages: list[PageSample] = Field(description=f"the first {URL_SAMPLE} pages of the batch")
    status_counts: dict[str, int] = Field(description="the batch's pages per status code (`error`: no answer)")
    errors: list[BatchError] = Field(
        description=f"up to {ERROR_SAMPLE} pages of the batch that failed or answered 4xx/5xx"
    )


class IssuesDetectedData(BaseModel):
    """Audit findings, as a count (the issues are at /issues)."""

    crawl_id: uuid.UUID
    issues_count: int
    replace_codes: list[str]


class ResourcesCheckedData(BaseModel):
    """Resource checks (images, stylesheets, scripts, ...), as counts."""

    crawl_id: uuid.UUID
    resources_count: int
    failed_count: int = Field(description="answered 4xx/5xx or failed")


class SiteFileSummary(BaseModel):
    kind: str
    origin: str
    status: int | None
    exists: bool
    problem_count: int


class SiteFilesReadData(BaseModel):
    """robots.txt and llms.txt as read, in short (the report is at /robots)."""

    crawl_id: uuid.UUID
    files: list[SiteFileSummary]
    sitemap_urls: int | None


class CrawlRequestedData(BaseModel):
    """A new crawl, its settings as GET /api/crawls/{id} shows them (no list-mode URLs: their count)."""

    crawl_id: uuid.UUID
    settings: dict[str, Any]
    schedule_id: uuid.UUID | None
    urls_count: int


CRAWL_EVENT_TYPES = (
    ev.CrawlRequested, ev.CrawlStarted, ev.CrawlProgressed, ev.PagesCrawled, ev.IssuesDetected, ev.CrawlCompleted,
    ev.CrawlFailed, ev.CrawlAttemptFailed, ev.CrawlRequeued, ev.CrawlReleased, ev.LeaseExpired, ev.CrawlPaused,
    ev.CrawlResumed, ev.CrawlCancelled, ev.ResourcesChecked, ev.LinkScoresComputed, ev.SiteFilesRead,
    ev.CrawlSummarized, ev.CrawlPurged,
)  # fmt: skip
_DATA: dict[type[ev.Event], type[BaseModel]] = {
    ev.CrawlRequested: CrawlRequestedData,
    ev.PagesCrawled: PagesCrawledData,
    ev.IssuesDetected: IssuesDetectedData,
    ev.ResourcesChecked: ResourcesCheckedData,
    ev.LinkScoresComputed: LinkScoresComputedData,
    ev.SiteFilesRead: SiteFilesReadData,
}


def _message_model(event: type[ev.Event]) -> type[BaseModel]:
    """The `data` of an SSE message carrying ``event``: its place in the log and its payload."""
    name = event.type_name()
    model: type[BaseModel] = create_model(  # type: ignore[call-overload]
        f"Live{name}",
        __doc__=f"`event: {name}`: {(event.__doc__ or name).strip().splitlines()[0]}",
        position=(int, Field(description="the event's position in the log (also the message's `id`)")),
        stream_id=(str, ...),
        version=(int, ...),
        type=(Literal[name], ...),  # type: ignore[valid-type, arg-type]
        data=(_DATA.get(event, event), ...),
        metadata=(dict[str, Any] | None, Field(default=None, description="correlation and causation ids, actor")),
        recorded_at=(str, Field(json_schema_extra={"format": "date-time"})),
    )
    return model


_MESSAGES = {t: _message_model(t) for t in CRAWL_EVENT_TYPES}


def event_messages(*, snapshot: bool) -> dict[str, type[BaseModel]]:
    """Event name -> the schema of its message's `data`, for the OpenAPI document."""
    messages: dict[str, type[BaseModel]] = {"snapshot": Crawl} if snapshot else {}
    types = CRAWL_EVENT_TYPES if snapshot else [t for t in CRAWL_EVENT_TYPES if t.type_name() in LIST_TYPES]
    messages.update({t.type_name(): _MESSAGES[t] for t in types})
    return messages


RESUME_MAX_EVENTS = 200  # a crawl stream further behind than this resumes with a fresh snapshot
BACKLOG_BATCH = 50  # events read at a time when the list stream catches up

_MISSED = "SELECT count(*) FROM (SELECT 1 FROM events WHERE stream_id = $1 AND position > $2 LIMIT $3) AS x"


def summary(item: Recorded) -> dict[str, Any]:
    """The event as streamed: page batches, issue lists and resource checks shrink to counts (pages: /pages)."""
    if item.type in ("PagesCrawled", "IssuesDetected", "ResourcesChecked", "LinkScoresComputed", "SiteFilesRead"):
        return _light(item)
    body: dict[str, Any] = {
        "position": item.position,
        "stream_id": item.stream_id,
        "version": item.version,
        "type": item.type,
        "metadata": item.metadata.model_dump(mode="json", exclude_none=True),
        "recorded_at": iso_time(item.recorded_at),
    }
    if isinstance(item.data, ev.CrawlRequested):
        # As GET /api/crawls/{id} shows it: the settings without a list-mode crawl's URLs, and their count.
        body["data"] = _times(item.data.model_dump(mode="python", exclude={"settings": {"urls"}}))
        body["data"]["urls_count"] = len(item.data.settings.urls)
    else:
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
        # What a live progress view adds up: the batch's status codes and its failures.
        status_counts: dict[str, int] = {}
        errors: list[dict[str, Any]] = []
        for p in item.data.pages:
            if p.blocked_by_robots:
                continue
            key = str(p.status_code) if p.status_code is not None else "error"
            status_counts[key] = status_counts.get(key, 0) + 1
            if (p.error is not None or (p.status_code or 0) >= 400) and len(errors) < ERROR_SAMPLE:
                errors.append({"page_id": p.id, "url": p.url, "status_code": p.status_code, "error": p.error})
        data = {
            "crawl_id": str(item.data.crawl_id),
            "pages_count": len(item.data.pages),
            "pages_discovered": item.data.pages_discovered,
            "pages": [{"id": p.id, "url": p.url, "status_code": p.status_code} for p in item.data.pages[:URL_SAMPLE]],
            "status_counts": status_counts,
            "errors": errors,
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
    elif isinstance(item.data, ev.LinkScoresComputed):  # up to 50,000 scores: the count is what a client needs
        data = {"crawl_id": str(item.data.crawl_id), "scores_count": len(item.data.page_ids),
                "replace": item.data.replace}  # fmt: skip
    elif isinstance(item.data, ev.SiteFilesRead):  # robots.txt's text may be 500 KiB: the report has it
        data = {
            "crawl_id": str(item.data.crawl_id),
            "files": [{"kind": f.kind, "origin": f.origin, "status": f.status, "exists": f.exists,
                       "problem_count": f.problem_count} for f in item.data.files],
            "sitemap_urls": item.data.sitemap_urls,
        }  # fmt: skip
    else:  # pragma: no cover - only the types above come here
        data = item.data.model_dump(mode="json")
    return {
        "position": item.position,
        "stream_id": item.stream_id,
        "version": item.version,
        "type": item.type,
        "data": data,
        "metadata": item.metadata.model_dump(mode="json", exclude_none=True),
        "recorded_at": iso_time(item.recorded_at),
    }


def _message(event: str, data: str, event_id: int | None = None) -> bytes:
    lines = []
    if event_id is not None:
        lines.append(f"id: {event_id}")
    lines.append(f"event: {event}")
    lines.extend(f"data: {line}" for line in data.splitlines() or [""])
    return ("\n".join(lines) + "\n\n").encode()


# An event position: ASCII digits, at most 18 of them, so always an int64 (Python's int() would
# also take "1_000", " 5" or Arabic-Indic digits, and 19 digits overflow the database's bigint).
POSITION_PATTERN = r"^[0-9]{1,18}$"
_POSITION = re.compile(POSITION_PATTERN)


def _last_event_id(request: web.Request) -> int | None:
    raw = request.headers.get("Last-Event-ID") or request.query.get("last_event_id")
    if raw is None or raw == "":
        return None
    if not _POSITION.fullmatch(raw):
        raise Problem(
            422, "Last-Event-ID must be an event position (up to 18 digits).",
            errors=[{"field": "Last-Event-ID", "message": "not an event position"}],
        )  # fmt: skip
    return int(raw)


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
        headers={
            "Last-Event-ID": {
                "description": "resume after this event position (`?last_event_id=` works too)",
                "schema": {"type": "string", "pattern": POSITION_PATTERN, "maxLength": 18},
            }
        },
        **options,
    )


@_sse_operation(
    "Live progress of one crawl (Server-Sent Events)",
    path="/api/crawls/{crawl_id}/events",
    errors=(404, 422, 503),
    path_params=CRAWL_ID,
    events=event_messages(snapshot=True),
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
    events=event_messages(snapshot=False),
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
