"""Page routes: filters, sorting, cursor pagination, one page with links and issues; issue summary."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from services.api.app import create_app
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.pages import Link, PageRecord, RedirectHop, StructuredItem
from shared.platform.settings import Settings

TOKEN = "test-token-pages-0123456789abcdef0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SITE = "https://shop.example"


def _pages() -> list[PageRecord]:
    now = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    return [
        PageRecord(id=1, url=f"{SITE}/", status_code=200, indexable=True, title="Home of the shop", depth=0,
                   response_time_ms=120.0, word_count=400, crawled_at=now,
                   structured_data=[StructuredItem(format="json-ld", type=["Organization"],
                                                   properties={"name": "Shop", "logo": {"type": ["ImageObject"],
                                                               "properties": {"url": "/logo.png"}}})],
                   links=[Link(url=f"{SITE}/a", anchor="A"), Link(url=f"{SITE}/missing", anchor="gone"),
                          Link(url="https://other.example/", internal=False)]),
        PageRecord(id=2, url=f"{SITE}/a", status_code=200, indexable=True, title="Alpha product 100% cotton",
                   depth=1, response_time_ms=90.0, word_count=50, crawled_at=now,
                   links=[Link(url=f"{SITE}/", anchor="home")]),
        PageRecord(id=3, url=f"{SITE}/missing", status_code=404, indexable=False, depth=1, crawled_at=now),
        PageRecord(id=4, url=f"{SITE}/old", status_code=301, final_url=f"{SITE}/a", depth=2, crawled_at=now,
                   redirect_chain=[RedirectHop(url=f"{SITE}/old", status_code=301)]),
        PageRecord(id=5, url=f"{SITE}/down", error="timeout", depth=2, crawled_at=now),
    ]  # fmt: skip


async def _crawl_with_pages(pool) -> uuid.UUID:  # type: ignore[no-untyped-def]
    crawl_id = uuid.uuid4()
    stream = ev.crawl_stream(crawl_id)
    async with pool.acquire() as conn:
        await streams.append(conn, stream, [ev.CrawlRequested(crawl_id=crawl_id, settings={"url": f"{SITE}/"})])
        await streams.append(conn, stream, [ev.PagesCrawled(crawl_id=crawl_id, pages=_pages(), pages_discovered=5)])
        issues = [
            {"page_id": 3, "code": "status_4xx", "severity": "error", "details": {}},
            {"page_id": 1, "code": "broken_internal_link", "severity": "error", "details": {"target": "/missing"}},
            {"page_id": 2, "code": "title_too_short", "severity": "notice", "details": {}},
            {"page_id": 1, "code": "title_too_short", "severity": "notice", "details": {}},
        ]
        await streams.append(conn, stream, [ev.IssuesDetected(crawl_id=crawl_id, issues=issues)])
        await streams.append(conn, stream, [ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=5)])
    return crawl_id


async def test_filters_sorting_and_pagination(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    crawl_id = await _crawl_with_pages(pool)
    base = f"/api/crawls/{crawl_id}/pages"

    async def urls(query: str) -> list[str]:
        resp = await client.get(f"{base}?{query}")
        assert resp.status == 200, await resp.text()
        return [p["url"] for p in (await resp.json())["items"]]

    everything = await (await client.get(base)).json()
    assert everything["total"] == 5 and [p["id"] for p in everything["items"]] == [1, 2, 3, 4, 5]
    assert everything["items"][0]["crawled_at"] == "2026-01-02T03:04:05.000000+00:00"
    assert await urls("status_code=404") == [f"{SITE}/missing"]
    assert await urls("status_code=3xx") == [f"{SITE}/old"]
    assert await urls("status_code=error") == [f"{SITE}/down"]
    assert await urls("indexable=true") == [f"{SITE}/", f"{SITE}/a"]
    assert await urls("issue=title_too_short") == [f"{SITE}/", f"{SITE}/a"]
    assert await urls("q=ALPHA") == [f"{SITE}/a"]
    assert await urls("q=100%25") == [f"{SITE}/a"]  # % is literal text, not a wildcard
    assert await urls("q=_") == []
    assert await urls("sort=response_time_ms&order=desc&indexable=true") == [f"{SITE}/", f"{SITE}/a"]

    # Walk every page two at a time, in a sort with NULLs and ties: nothing lost, nothing twice.
    seen: list[int] = []
    cursor = None
    while True:
        query = "limit=2&sort=status_code&order=desc" + (f"&cursor={cursor}" if cursor else "")
        body = await (await client.get(f"{base}?{query}")).json()
        seen += [p["id"] for p in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == [3, 4, 2, 1, 5]

    for query, field in (("limit=0", "limit"), ("sort=nope", "sort"), ("status_code=99", "status_code"),
                         ("indexable=maybe", "indexable"), ("cursor=%%%", "cursor")):  # fmt: skip
        resp = await client.get(f"{base}?{query}")
        assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == field, query
    assert (await client.get(f"/api/crawls/{uuid.uuid4()}/pages")).status == 404
    assert (await client.get("/api/crawls/not-a-uuid/pages")).status == 404


async def test_one_page_with_links_and_issues(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    crawl_id = await _crawl_with_pages(pool)
    resp = await client.get(f"/api/crawls/{crawl_id}/pages/1")
    assert resp.status == 200, await resp.text()
    page = await resp.json()
    assert page["inlinks"] == [{"page_id": 2, "url": f"{SITE}/a", "anchor": "home", "rel": None}]
    assert [(o["url"], o["status_code"], o["internal"]) for o in page["outlinks"]] == [
        (f"{SITE}/a", 200, True),
        (f"{SITE}/missing", 404, True),
        ("https://other.example/", None, False),
    ]
    assert {i["code"] for i in page["issues"]} == {"broken_internal_link", "title_too_short"}
    assert page["inlinks_count"] == 1  # counted when the crawl completed
    assert page["structured_data"] == [{"format": "json-ld", "type": ["Organization"], "properties": {
        "name": "Shop", "logo": {"type": ["ImageObject"], "properties": {"url": "/logo.png"}}}}]  # fmt: skip
    redirect = await (await client.get(f"/api/crawls/{crawl_id}/pages/4")).json()
    assert redirect["redirect_chain"] == [{"url": f"{SITE}/old", "status_code": 301}]
    assert (await client.get(f"/api/crawls/{crawl_id}/pages/999")).status == 404
    assert (await client.get(f"/api/crawls/{crawl_id}/pages/abc")).status == 404


async def test_issue_summary_and_urls(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    crawl_id = await _crawl_with_pages(pool)
    summary = await (await client.get(f"/api/crawls/{crawl_id}/issues")).json()
    assert [(r["code"], r["severity"], r["count"]) for r in summary["items"]] == [
        ("broken_internal_link", "error", 1),
        ("status_4xx", "error", 1),
        ("title_too_short", "notice", 2),
    ]
    assert summary["totals"] == {"error": 2, "warning": 0, "notice": 2}
    assert summary["items"][0]["title"] and summary["items"][0]["fix"]
    one = await (await client.get(f"/api/crawls/{crawl_id}/issues?code=title_too_short&limit=1")).json()
    assert [u["url"] for u in one["urls"]] == [f"{SITE}/"] and one["next_cursor"]
    two = await (
        await client.get(f"/api/crawls/{crawl_id}/issues?code=title_too_short&cursor={one['next_cursor']}")
    ).json()
    assert [u["url"] for u in two["urls"]] == [f"{SITE}/a"] and two["next_cursor"] is None
    ru = await (await client.get(f"/api/crawls/{crawl_id}/issues?lang=ru")).json()
    assert ru["items"][0]["title"] != summary["items"][0]["title"]
    resp = await client.get(f"/api/crawls/{crawl_id}/issues?code=no_such_code")
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "code"
    assert (await client.get(f"/api/crawls/{uuid.uuid4()}/issues")).status == 404
    catalogue = await (await client.get("/api/issues/catalogue")).json()
    assert "title_missing" in {e["code"] for e in catalogue["items"]}
