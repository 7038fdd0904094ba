"""Hostile input to the api: each case the issue reproduced as a 500 or a stall is a 422 naming the field."""

from __future__ import annotations

import base64
import json
import uuid

import pytest

from services.api.app import create_app
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.platform.settings import Settings

TOKEN = "test-token-input-0123456789abcdef-0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture
async def client(dsn: str, aiohttp_client):  # type: ignore[no-untyped-def]
    return await aiohttp_client(
        create_app(Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True)), headers=AUTH
    )


@pytest.fixture
async def crawl_id(pool) -> uuid.UUID:  # type: ignore[no-untyped-def]
    crawl_id = uuid.uuid4()
    async with pool.acquire() as conn:
        requested = ev.CrawlRequested(crawl_id=crawl_id, settings={"url": "https://shop.example/"})
        await streams.append(conn, ev.crawl_stream(crawl_id), [requested])
    return crawl_id


def _cursor(values: list[object]) -> str:
    raw = json.dumps(values, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


async def _fields(resp) -> set[str]:  # type: ignore[no-untyped-def]
    assert resp.status == 422, (resp.status, await resp.text())
    assert resp.content_type == "application/problem+json"
    return {e["field"] for e in (await resp.json())["errors"]}


@pytest.mark.timeout(60)
async def test_a_catastrophic_include_pattern_cannot_stall_the_api(client) -> None:  # type: ignore[no-untyped-def]
    """The issue's ReDoS: (a+)+$ with a start URL of a's and a `!` kept the api busy for 20 s (30 a's: hours)."""
    url = "https://example.com/" + "a" * 2000 + "!"
    resp = await client.post("/api/crawls", json={"url": url, "include": ["(a+)+$"]})
    assert "include" in await _fields(resp)
    resp = await client.post("/api/crawls", json={"url": url, "exclude": ["(a+)+$"]})
    assert resp.status == 201, await resp.text()  # not excluded: the URL does not end in a's
    assert (await client.get("/health")).status == 200


async def test_patterns_re2_cannot_express_are_refused_with_the_reason(client) -> None:  # type: ignore[no-untyped-def]
    resp = await client.post("/api/crawls", json={"url": "https://example.com/", "exclude": ["x", "/(?=private)"]})
    assert "exclude.1" in await _fields(resp)
    detail = (await resp.json())["detail"]
    assert "RE2" in detail and "lookaround" in detail
    resp = await client.post("/api/crawls", json={"url": "https://example.com/", "include": [r"(\w+)/\1"]})
    assert "include.0" in await _fields(resp)
    assert "backreference" in (await resp.json())["detail"]
    resp = await client.post("/api/schedules", json={"url": "https://example.com/", "cron": "0 3 * * *",
                                                     "settings": {"include": ["(?<=a)b"]}})  # fmt: skip
    assert "settings.include.0" in await _fields(resp)


async def test_user_agent_with_control_characters_is_refused(client) -> None:  # type: ignore[no-untyped-def]
    for agent in ("bot\r\nX-Evil: 1", "bot\n", "bot\x00"):
        resp = await client.post("/api/crawls", json={"url": "https://example.com/", "user_agent": agent})
        assert await _fields(resp) == {"user_agent"}, agent


async def test_json_nested_200000_deep_is_a_422(client) -> None:  # type: ignore[no-untyped-def]
    body = b"[" * 200_000 + b"]" * 200_000
    resp = await client.post("/api/crawls", data=body, headers={"Content-Type": "application/json"})
    assert await _fields(resp) == {"body"}
    assert "nested" in (await resp.json())["detail"]


async def test_nul_bytes_in_text_are_a_422(client, crawl_id) -> None:  # type: ignore[no-untyped-def]
    resp = await client.get(f"/api/crawls/{crawl_id}/pages", params={"q": "a\x00b"})
    assert await _fields(resp) == {"q"}
    resp = await client.post("/api/crawls", json={"url": "https://example.com/", "include": ["a\x00"]})
    assert await _fields(resp) == {"include.0"}
    resp = await client.post("/api/schedules", json={"url": "https://example.com/", "cron": "0 3 * * *",
                                                     "timezone": "UTC\x00"})  # fmt: skip
    assert await _fields(resp) == {"timezone"}
    resp = await client.post("/api/session", json={"token": "\x00"})
    assert await _fields(resp) == {"token"}
    # A lone surrogate is valid JSON but no text Postgres can store.
    resp = await client.post(
        "/api/crawls", data=b'{"url": "https://example.com/", "user_agent": "a\\ud800"}',
        headers={"Content-Type": "application/json"},
    )  # fmt: skip
    assert await _fields(resp) == {"user_agent"}


async def test_cursors_holding_numbers_past_int64_are_a_422(client, crawl_id) -> None:  # type: ignore[no-untyped-def]
    base = f"/api/crawls/{crawl_id}/pages"
    for sort, values in (
        ("id", [2**63, 1]),
        ("id", [1, -(2**63) - 1]),
        ("status_code", [2**31, 1]),
        ("word_count", [1e308 * 10, 1]),  # json writes Infinity
        ("response_time_ms", ["NaN", 1]),
        ("url", ["a\x00", 1]),
        ("crawled_at", ["0001-01-01T00:00:00+14:00", 1]),
        ("id", [10**400, 1]),
    ):
        resp = await client.get(base, params={"sort": sort, "cursor": _cursor(values)})
        assert await _fields(resp) == {"cursor"}, (sort, values)
    for values in (["9999-12-31T23:59:59-14:00", str(uuid.uuid4())], ["0001-01-01T00:00:00+14:00", str(uuid.uuid4())]):
        resp = await client.get("/api/crawls", params={"cursor": _cursor(values)})
        assert await _fields(resp) == {"cursor"}, values
    # Cursors are now the shape the document states; every string of that shape is a position.
    resp = await client.get(base, params={"sort": "word_count", "cursor": "9" * 18})
    assert resp.status == 200 and (await resp.json())["items"] == []
    assert await _fields(await client.get(base, params={"cursor": "9" * 19})) == {"cursor"}
    resp = await client.get("/api/crawls", params={"cursor": str(uuid.uuid4())})
    assert resp.status == 200 and (await resp.json())["items"] == []


async def test_event_positions_past_int64_are_a_422(client, crawl_id) -> None:  # type: ignore[no-untyped-def]
    for path in (f"/api/crawls/{crawl_id}/events", "/api/crawls/events"):
        for value in ("9" * 30, str(2**63), "1_000", "+5", "\u0661"):
            resp = await client.get(path, headers={"Last-Event-ID": value})
            assert resp.status == 422, (path, value, resp.status)  # (a stream's body never ends: not read)
            assert await _fields(resp) == {"Last-Event-ID"}, (path, value)
        resp = await client.get(path, params={"last_event_id": "9" * 30})
        assert resp.status == 422, (path, resp.status)
        assert await _fields(resp) == {"Last-Event-ID"}, path


async def test_405s_list_exactly_the_documented_methods(client, crawl_id) -> None:  # type: ignore[no-untyped-def]
    """The UI's catch-all GET made the action routes answer `Allow: GET,HEAD,POST`; a schedule id took "preview"."""
    for method, path, allowed in (
        ("OPTIONS", f"/api/crawls/{crawl_id}/cancel", {"POST"}),
        ("GET", f"/api/crawls/{crawl_id}/pause", {"POST"}),
        ("DELETE", "/api/schedules/preview", {"GET"}),
        ("POST", "/health", {"GET"}),
        ("PUT", "/api/crawls", {"GET", "POST"}),
    ):
        resp = await client.request(method, path)
        assert resp.status == 405, (method, path, resp.status)
        assert {m.strip() for m in resp.headers["Allow"].split(",")} == allowed, (method, path, resp.headers["Allow"])
