"""The crawl routes of the api: start, read, list, cancel, and their errors."""

from __future__ import annotations

from datetime import datetime

from services.api.app import create_app
from shared.platform.settings import Settings

TOKEN = "test-token-crawls-0123456789abcdef0123"
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


async def test_input_limits_and_ssrf(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, api_token=TOKEN, max_body_bytes=4096)), headers=AUTH
    )
    resp = await client.post(
        "/api/crawls", data=b"{" + b" " * 10_000 + b"}", headers={"Content-Type": "application/json"}
    )
    assert resp.status == 413 and resp.content_type == "application/problem+json"

    async def chunked():  # type: ignore[no-untyped-def]  # no Content-Length: the limit bites while reading
        yield b'{"url": "https://example.com/", "exclude": ["'
        for _ in range(10):
            yield b"x" * 1000
        yield b'"]}'

    resp = await client.post("/api/crawls", data=chunked(), headers={"Content-Type": "application/json"})
    assert resp.status == 413 and "4096" in (await resp.json())["detail"]
    for body, field in (
        ({"url": "https://example.com/", "concurrency": 65}, "concurrency"),
        ({"url": "https://example.com/", "max_rps": 0}, "max_rps"),
        ({"url": "https://example.com/" + "a" * 3000}, "url"),
        ({"url": "https://example.com/", "include": ["("]}, "include.0"),
        ({"url": "https://example.com/", "surprise": 1}, "surprise"),
    ):
        resp = await client.post("/api/crawls", json=body)
        assert resp.status == 422, body
        assert field in {e["field"] for e in (await resp.json())["errors"]}, body
    resp = await client.post("/api/crawls", data=b"not json", headers={"Content-Type": "application/json"})
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "body"
    # Private targets are refused up front unless ALLOW_PRIVATE_NETWORKS says otherwise.
    for url in ("http://127.0.0.1:8000/", "http://169.254.169.254/latest/meta-data/", "http://[::1]/"):
        resp = await client.post("/api/crawls", json={"url": url})
        problem = await resp.json()
        assert resp.status == 422 and problem["errors"][0]["field"] == "url", url
        assert "private networks" in problem["detail"] or "address" in problem["detail"], problem


async def test_pause_resume_and_unknown_ids(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True)), headers=AUTH
    )
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()
    assert (await (await client.post(f"/api/crawls/{crawl['id']}/pause")).json())["status"] == "paused"
    assert (await client.post(f"/api/crawls/{crawl['id']}/pause")).status == 409
    assert (await (await client.post(f"/api/crawls/{crawl['id']}/resume")).json())["status"] == "queued"
    for action in ("cancel", "pause", "resume"):
        assert (await client.post(f"/api/crawls/6a1f0f3c-3c1e-4a53-9f57-3f8f7a0b9f11/{action}")).status == 404
    assert (await client.get("/api/crawls/not-a-uuid")).status == 404
    listing = await (await client.get("/api/crawls?status=queued&limit=1")).json()
    assert [c["id"] for c in listing["items"]] == [crawl["id"]] and listing["next_cursor"] is None


async def test_cancel_racing_a_worker_batch_waits_for_it_instead_of_deadlocking(dsn: str, aiohttp_client, pool) -> None:  # type: ignore[no-untyped-def]
    """A worker's write locks the queue row, then appends; a cancel arriving mid-write must not deadlock with it."""
    import asyncio
    import uuid

    from shared.eventlog import events as ev
    from shared.eventlog import streams

    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True)), headers=AUTH
    )
    crawl = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()
    crawl_id = uuid.UUID(crawl["id"])
    async with pool.acquire() as worker, pool.acquire() as observer:
        lease = await worker.fetchval("SELECT now() + interval '30 seconds'")
        started = ev.CrawlStarted(crawl_id=crawl_id, worker_id="w", attempt=1, lease_expires_at=lease)
        await streams.append(worker, ev.crawl_stream(crawl_id), [started])
        tx = worker.transaction()
        await tx.start()
        await worker.execute("SELECT 1 FROM parsequeue WHERE crawl_id = $1 FOR UPDATE", crawl_id)  # assert_lease
        cancel = asyncio.create_task(client.post(f"/api/crawls/{crawl_id}/cancel"))
        for _ in range(200):  # until the api's request is waiting on a lock
            waiting = await observer.fetchval(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            if waiting:
                break
            await asyncio.sleep(0.025)
        assert waiting, "the cancel never reached the database"
        progressed = ev.CrawlProgressed(crawl_id=crawl_id, pages_crawled=1, pages_discovered=2, errors_count=0)
        await streams.append(worker, ev.crawl_stream(crawl_id), [progressed])
        await tx.commit()
        resp = await asyncio.wait_for(cancel, 10)
    assert resp.status == 200, await resp.text()
    assert (await resp.json())["status"] == "cancelled"


async def test_lists_are_summaries_and_list_mode_urls_are_their_own_resource(dsn: str, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    """A list-mode crawl's URLs (up to 100,000) appear in no list and no crawl: they are paged on their own."""
    client = await aiohttp_client(
        create_app(Settings(database_url=dsn, allow_private_networks=True, api_token=TOKEN)), headers=AUTH
    )
    given = [f"https://example.com/p/{i}" for i in range(2500)]
    resp = await client.post("/api/crawls", json={"mode": "list", "urls": given, "max_pages": 3000})
    assert resp.status == 201, await resp.text()
    created = await resp.json()
    assert "urls" not in created["settings"] and created["urls_count"] == 2500
    spider = await (await client.post("/api/crawls", json={"url": "https://example.com/"})).json()

    listing = await (await client.get("/api/crawls")).json()
    by_id = {c["id"]: c for c in listing["items"]}
    listed = by_id[created["id"]]
    assert "settings" not in listed
    assert (listed["mode"], listed["max_pages"], listed["urls_count"]) == ("list", 3000, 2500)
    assert (by_id[spider["id"]]["mode"], by_id[spider["id"]]["urls_count"]) == ("spider", 0)

    crawl = await (await client.get(f"/api/crawls/{created['id']}")).json()
    assert "urls" not in crawl["settings"] and crawl["settings"]["max_pages"] == 3000 and crawl["urls_count"] == 2500

    pages, cursor = [], None
    while True:
        params = {"limit": "1000", **({"cursor": cursor} if cursor else {})}
        page = await (await client.get(f"/api/crawls/{created['id']}/urls", params=params)).json()
        assert page["total"] == 2500
        pages.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert [len(p) for p in pages] == [1000, 1000, 500] and sum(pages, []) == given
    empty = await (await client.get(f"/api/crawls/{spider['id']}/urls")).json()
    assert empty == {"items": [], "total": 0, "next_cursor": None}
    missing = await client.get("/api/crawls/6a1f0f3c-3c1e-4a53-9f57-3f8f7a0b9f11/urls")
    assert missing.status == 404
