"""Live streams: progress arrives as it is appended, Last-Event-ID resumes, vanished clients leak nothing."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from services.api.app import create_app
from services.api.routes.events import HUB, RESUME_MAX_EVENTS
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.platform.settings import Settings

TOKEN = "test-token-sse-0123456789abcdef0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


class SSEReader:
    """Reads Server-Sent Events messages from a streaming response."""

    def __init__(self, response: aiohttp.ClientResponse) -> None:
        self.response = response

    async def next(self, timeout: float = 10.0) -> dict[str, Any]:
        message: dict[str, Any] = {}
        data: list[str] = []
        async with asyncio.timeout(timeout):
            while True:
                raw = await self.response.content.readline()
                if not raw:
                    raise EOFError("stream ended")
                line = raw.decode().rstrip("\n")
                if line == "":
                    if data or "event" in message:
                        message["data"] = json.loads("\n".join(data)) if data else None
                        return message
                    continue
                if line.startswith(":") or line.startswith("retry:"):
                    message.setdefault("comments", []).append(line)
                    continue
                name, _, value = line.partition(": ")
                if name == "data":
                    data.append(value)
                else:
                    message[name] = value


def app_for(dsn: str, **overrides: Any) -> web.Application:
    return create_app(Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True, **overrides))


async def _append(pool, crawl_id: uuid.UUID, *events: ev.Event) -> list[eventstore.Recorded]:  # type: ignore[no-untyped-def]
    async with pool.acquire() as conn:
        return await streams.append(conn, ev.crawl_stream(crawl_id), list(events))


def _progress(crawl_id: uuid.UUID, n: int) -> ev.CrawlProgressed:
    return ev.CrawlProgressed(crawl_id=crawl_id, pages_crawled=n, pages_discovered=n * 2, errors_count=0)


async def test_live_progress_and_resume(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn), headers=AUTH)
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()
    crawl_id = uuid.UUID(crawl["id"])

    resp = await client.get(f"/api/crawls/{crawl_id}/events")
    assert resp.status == 200 and resp.content_type == "text/event-stream"
    assert resp.headers["X-Content-Type-Options"] == "nosniff"
    reader = SSEReader(resp)
    snapshot = await reader.next()
    assert snapshot["event"] == "snapshot" and snapshot["data"]["status"] == "queued"

    first = await _append(pool, crawl_id, _progress(crawl_id, 3))
    message = await reader.next()
    assert message["event"] == "CrawlProgressed" and message["data"]["data"]["pages_crawled"] == 3
    assert int(message["id"]) == first[0].position
    resp.close()

    # While nobody listens, two more events; a reconnect with Last-Event-ID gets exactly those, then live ones.
    missed = await _append(pool, crawl_id, _progress(crawl_id, 5), _progress(crawl_id, 8))
    resumed = await client.get(f"/api/crawls/{crawl_id}/events", headers={"Last-Event-ID": str(first[0].position)})
    reader = SSEReader(resumed)
    got = [await reader.next(), await reader.next()]
    assert [int(m["id"]) for m in got] == [e.position for e in missed]
    assert [m["data"]["data"]["pages_crawled"] for m in got] == [5, 8]
    done = await _append(pool, crawl_id, ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=8))
    final = await reader.next()
    assert final["event"] == "CrawlCompleted" and int(final["id"]) == done[0].position
    resumed.close()

    # The crawl-list stream sees every crawl's lifecycle events.
    listing = await client.get("/api/crawls/events")
    reader = SSEReader(listing)
    urls = [f"https://example.org/{i}" for i in range(3)]
    other = await (await client.post("/api/crawls", json={"mode": "list", "urls": urls})).json()
    message = await reader.next()
    assert message["event"] == "CrawlRequested" and message["data"]["data"]["crawl_id"] == other["id"]
    # A list-mode crawl's URLs stay out of the stream (up to 100,000 of them): their count comes instead.
    assert "urls" not in message["data"]["data"]["settings"] and message["data"]["data"]["urls_count"] == 3
    listing.close()
    again = await client.get("/api/crawls/events", headers={"Last-Event-ID": str(first[0].position)})
    reader = SSEReader(again)
    replayed = [await reader.next() for _ in range(4)]
    assert [m["event"] for m in replayed] == ["CrawlProgressed", "CrawlProgressed", "CrawlCompleted", "CrawlRequested"]
    again.close()


async def test_stream_errors(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn), headers=AUTH)
    resp = await client.get(f"/api/crawls/{uuid.uuid4()}/events")
    assert resp.status == 404 and resp.content_type == "application/problem+json"
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()
    resp = await client.get(f"/api/crawls/{crawl['id']}/events", headers={"Last-Event-ID": "abc"})
    assert resp.status == 422
    anonymous = await client.get(f"/api/crawls/{crawl['id']}/events", headers={"Authorization": "Bearer wrong"})
    assert anonymous.status == 401
    client.app[HUB].max_subscribers = 0  # a full house: new streams are refused, not queued up
    full = await client.get("/api/crawls/events")
    assert full.status == 503 and full.headers["Retry-After"] == "5"
    assert len(client.app[HUB].subscribers) == 0


async def _wait_for(condition, hub, timeout: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    async with asyncio.timeout(timeout):
        while not condition():
            hub.changed.clear()
            if condition():
                return
            await hub.changed.wait()


async def test_vanished_clients_leak_nothing(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn, sse_heartbeat_seconds=0.2), headers=AUTH)
    hub = client.app[HUB]
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()

    async def backends() -> int:
        async with pool.acquire() as conn:
            return await conn.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )

    tasks_before = len(asyncio.all_tasks())
    backends_before = await backends()
    sessions = []
    for _ in range(8):
        session = aiohttp.ClientSession(headers=AUTH)
        resp = await session.get(client.make_url(f"/api/crawls/{crawl['id']}/events"))
        assert (await SSEReader(resp).next())["event"] == "snapshot"
        sessions.append((session, resp))
    assert len(hub.subscribers) == 8
    # Eight clients, no extra database connections held for them (one LISTEN connection serves all).
    assert await backends() <= backends_before + 1
    # A heartbeat arrives on an idle stream.
    raw = await asyncio.wait_for(sessions[0][1].content.readline(), 5)
    assert raw.startswith(b":") or raw.startswith(b"retry")

    for session, resp in sessions:  # the clients vanish mid-stream, without a goodbye
        resp.connection.transport.abort()  # type: ignore[union-attr]
        await session.close()
    await _wait_for(lambda: len(hub.subscribers) == 0, hub)

    async with asyncio.timeout(10):
        while len(asyncio.all_tasks()) > tasks_before:
            await asyncio.sleep(0.05)  # handler tasks finish right after their last write fails
    assert len(asyncio.all_tasks()) <= tasks_before
    metrics = await (await client.get("/metrics")).text()
    assert "seo_live_streams 0.0" in metrics


async def test_far_behind_resumes_with_a_snapshot(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn), headers=AUTH)
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()
    crawl_id = uuid.UUID(crawl["id"])
    first = await _append(pool, crawl_id, _progress(crawl_id, 1))
    await _append(pool, crawl_id, *(_progress(crawl_id, n) for n in range(2, 2 + RESUME_MAX_EVENTS + 5)))
    resp = await client.get(f"/api/crawls/{crawl_id}/events", headers={"Last-Event-ID": str(first[0].position)})
    message = await SSEReader(resp).next()
    # Hundreds of missed events: one snapshot of the current state instead of the whole history.
    assert message["event"] == "snapshot" and message["data"]["pages_discovered"] == 2 * (1 + RESUME_MAX_EVENTS + 5)
    resp.close()


async def test_times_in_event_payloads_use_the_one_format(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(app_for(dsn), headers=AUTH)
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()
    crawl_id = uuid.UUID(crawl["id"])
    reader = SSEReader(await client.get(f"/api/crawls/{crawl_id}/events"))
    assert (await reader.next())["event"] == "snapshot"
    lease = datetime(2030, 1, 1, tzinfo=UTC)
    started = await _append(pool, crawl_id, ev.CrawlStarted(crawl_id=crawl_id, worker_id="w", attempt=1,
                                                            lease_expires_at=lease))  # fmt: skip
    message = await reader.next()
    assert int(message["id"]) == started[0].position
    assert message["data"]["data"]["lease_expires_at"] == "2030-01-01T00:00:00.000000+00:00"
    assert message["data"]["recorded_at"].endswith("+00:00") and "." in message["data"]["recorded_at"]


async def test_every_message_matches_its_documented_schema(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """Each event a stream sends validates against the schema the OpenAPI document names for it (`x-events`)."""
    from jsonschema import Draft202012Validator

    from services.api.openapi import document
    from services.api.routes.events import LIST_TYPES
    from services.api.routing import OPERATIONS
    from shared.model.pages import PageRecord
    from shared.model.resources import ResourceCheck
    from shared.model.sitefiles import SiteFile

    client = await aiohttp_client(app_for(dsn), headers=AUTH)
    doc = document(client.app[OPERATIONS])

    def validator(path: str, name: str) -> Draft202012Validator:
        media = doc["paths"][path]["get"]["responses"]["200"]["content"]["text/event-stream"]
        return Draft202012Validator({**media["x-events"][name], "components": doc["components"]})

    crawl = await (await client.post("/api/crawls", json={"mode": "list", "urls": ["https://example.com/"]})).json()
    crawl_id = uuid.UUID(crawl["id"])
    per_crawl = SSEReader(await client.get(f"/api/crawls/{crawl_id}/events"))
    listing = SSEReader(await client.get("/api/crawls/events", headers={"Last-Event-ID": "0"}))
    now = datetime.now(UTC)
    page = PageRecord(id=1, url="https://example.com/", status_code=200, crawled_at=now)
    lifecycle: list[ev.Event] = [
        ev.CrawlStarted(crawl_id=crawl_id, worker_id="w1", attempt=1, lease_expires_at=now),
        _progress(crawl_id, 1),
        ev.PagesCrawled(crawl_id=crawl_id, pages=[page], pages_discovered=1),
        ev.IssuesDetected(
            crawl_id=crawl_id, issues=[{"page_id": 1, "code": "h1_missing", "severity": "warning", "details": {}}]
        ),  # fmt: skip
        ev.ResourcesChecked(
            crawl_id=crawl_id,
            resources=[ResourceCheck(url="https://example.com/a.png", status_code=404, checked_at=now)],
        ),  # fmt: skip
        ev.CrawlAttemptFailed(crawl_id=crawl_id, error="timeout", attempt=1, retry_at=now),
        ev.CrawlRequeued(crawl_id=crawl_id, reason="retry"),
        ev.CrawlStarted(crawl_id=crawl_id, worker_id="w2", attempt=2, lease_expires_at=now),
        ev.CrawlReleased(crawl_id=crawl_id, worker_id="w2"),
        ev.CrawlStarted(crawl_id=crawl_id, worker_id="w3", attempt=3, lease_expires_at=now),
        ev.LeaseExpired(crawl_id=crawl_id, worker_id="w3"),
        ev.CrawlPaused(crawl_id=crawl_id),
        ev.CrawlResumed(crawl_id=crawl_id),
        ev.SiteFilesRead(
            crawl_id=crawl_id,
            sitemap_urls=0,
            files=[
                SiteFile(
                    kind="robots.txt",
                    origin="https://example.com",
                    url="https://example.com/robots.txt",
                    status=200,
                    exists=True,
                    outcome="rules",
                    text="User-agent: *\nDisallow:\n",
                )
            ],
        ),  # fmt: skip
        ev.LinkScoresComputed(crawl_id=crawl_id, page_ids=[1], scores=[100.0], replace=True),
        ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=1),
        ev.CrawlSummarized(
            crawl_id=crawl_id,
            health_score=100.0,
            pages_crawled=1,
            pages_in_scope=1,
            pages_with_errors=0,
            errors=0,
            warnings=1,
            notices=0,
            indexable_pages=1,
        ),  # fmt: skip
        ev.CrawlPurged(
            crawl_id=crawl_id,
            bytes_freed=1,
            rows_deleted=1,
            events_deleted=0,
            pages_crawled=1,
            pages_discovered=1,
            issues_count=1,
            errors_count=0,
        ),  # fmt: skip
    ]
    for event in lifecycle:
        await _append(pool, crawl_id, event)
    others = [uuid.uuid4(), uuid.uuid4()]
    for other, end in zip(others, (ev.CrawlFailed(crawl_id=others[0], error="no"),
                                   ev.CrawlCancelled(crawl_id=others[1])), strict=True):  # fmt: skip
        requested = ev.CrawlRequested(crawl_id=other, settings={"url": "https://example.org/"})
        await _append(pool, other, requested, end)

    seen: dict[str, set[str]] = {"crawl": set(), "list": set()}
    for reader, path, kind, count in (
        (per_crawl, "/api/crawls/{crawl_id}/events", "crawl", 1 + len(lifecycle)),
        (listing, "/api/crawls/events", "list", 1 + sum(e.type_name() in LIST_TYPES for e in lifecycle) + 4),
    ):
        for _ in range(count):
            message = await reader.next()
            errors = [e.message for e in validator(path, message["event"]).iter_errors(message["data"])]
            assert not errors, (message["event"], errors, message["data"])
            seen[kind].add(message["event"])
    streamed = ("Crawl", "Pages", "Issues", "Lease", "Resources")  # every event of a crawl's stream
    every = {t.type_name() for t in ev.registered().values() if t.type_name().startswith(streamed)}
    assert seen["crawl"] | seen["list"] >= every | {"snapshot"}, every - seen["crawl"] - seen["list"]
