"""The crawl routes of the api: start, read, list, cancel, and their errors."""

from __future__ import annotations

from datetime import datetime

from services.api.app import create_app
from shared.settings import Settings

TOKEN = "test-token-crawls"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_start_read_list_cancel(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, allow_private_networks=True, api_token=TOKEN)), headers=AUTH
    )
    resp = await client.post("/api/crawls", json={"url": "https://example.com/", "max_pages": 5})
    assert resp.status == 201, await resp.text()
    crawl = await resp.json()
    assert crawl["status"] == "queued" and crawl["settings"]["max_pages"] == 5
    created = datetime.fromisoformat(crawl["created_at"])
    assert created.tzinfo is not None and "." in crawl["created_at"]

    resp = await client.get(f"/api/crawls/{crawl['id']}")
    assert resp.status == 200 and (await resp.json())["id"] == crawl["id"]
    listing = await (await client.get("/api/crawls")).json()
    assert [c["id"] for c in listing["items"]] == [crawl["id"]]

    resp = await client.post(f"/api/crawls/{crawl['id']}/cancel")
    assert resp.status == 200 and (await resp.json())["status"] == "cancelled"
    resp = await client.post(f"/api/crawls/{crawl['id']}/cancel")
    assert resp.status == 409


async def test_errors_are_problem_json(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    resp = await client.get("/api/crawls/6a1f0f3c-3c1e-4a53-9f57-3f8f7a0b9f11")
    assert resp.status == 404 and resp.content_type == "application/problem+json"
    resp = await client.post("/api/crawls", json={"url": "https://example.com/", "max_pages": 0})
    body = await resp.json()
    assert resp.status == 422 and resp.content_type == "application/problem+json"
    assert body["errors"][0]["field"] == "max_pages"
    resp = await client.post("/api/crawls", json={"url": "ftp://example.com/"})
    assert resp.status == 422 and "http" in (await resp.json())["detail"]
