"""Report routes: compare two crawls, stream exports, build the sitemap; their errors as problems."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime

import openpyxl

from services.api.app import create_app
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.model.pages import PageRecord
from shared.platform.settings import Settings

TOKEN = "test-token-reports-0123456789abcdef0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
SITE = "https://shop.example"
NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def _page(page_id: int, path: str, title: str, status: int = 200) -> PageRecord:
    return PageRecord(id=page_id, url=f"{SITE}{path}", status_code=status, indexable=status == 200, title=title,
                      content_type="text/html", crawled_at=NOW)  # fmt: skip


async def _crawl(pool, pages: list[PageRecord], *, complete: bool = True) -> uuid.UUID:  # type: ignore[no-untyped-def]
    crawl_id = uuid.uuid4()
    stream = ev.crawl_stream(crawl_id)
    async with pool.acquire() as conn:
        await streams.append(conn, stream, [ev.CrawlRequested(crawl_id=crawl_id, settings={"url": f"{SITE}/"})])
        await streams.append(conn, stream, [ev.PagesCrawled(crawl_id=crawl_id, pages=pages, pages_discovered=9)])
        if complete:
            await streams.append(conn, stream, [ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=len(pages))])
    return crawl_id


async def test_compare(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    first = await _crawl(pool, [_page(1, "/", "Home"), _page(2, "/gone", "Gone"), _page(3, "/same", "Same")])
    second = await _crawl(pool, [_page(11, "/", "Home, renamed"), _page(13, "/same", "Same"), _page(14, "/new", "N")])
    resp = await client.get(f"/api/crawls/{second}/compare/{first}")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["before"] == str(first) and body["after"] == str(second)  # the older crawl is "before"
    assert body["pages"] == {"added": 1, "removed": 1, "changed": 1}
    changed = await (await client.get(f"/api/crawls/{first}/compare/{second}?kind=changed")).json()
    assert changed["items"] == [
        {"url": f"{SITE}/", "page_id": 11, "fields": {"title": {"before": "Home", "after": "Home, renamed"}}}
    ]
    added = await (await client.get(f"/api/crawls/{first}/compare/{second}?kind=added&limit=1")).json()
    assert [i["url"] for i in added["items"]] == [f"{SITE}/new"] and added["next_cursor"] is None

    running = await _crawl(pool, [_page(21, "/", "Home")], complete=False)
    resp = await client.get(f"/api/crawls/{first}/compare/{running}")
    assert resp.status == 409 and (await resp.json())["crawl_status"] == "queued"
    resp = await client.get(f"/api/crawls/{first}/compare/{first}")  # with itself: nothing changed
    assert resp.status == 200 and (await resp.json())["pages"] == {"added": 0, "removed": 0, "changed": 0}
    assert (await client.get(f"/api/crawls/{first}/compare/{uuid.uuid4()}")).status == 404
    resp = await client.get(f"/api/crawls/{first}/compare/{second}?kind=bogus")
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "kind"


async def test_exports_stream_and_sitemap(dsn: str, pool, aiohttp_client) -> None:  # type: ignore[no-untyped-def]
    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    crawl_id = await _crawl(
        pool, [_page(1, "/", "Главная"), _page(2, "/x", "=HYPERLINK(1)"), _page(3, "/404", "", 404)]
    )

    resp = await client.get(f"/api/crawls/{crawl_id}/export?format=csv&what=pages")
    assert resp.status == 200 and resp.content_type == "text/csv"
    assert f"crawl-{crawl_id}-pages.csv" in resp.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    assert [r["title"] for r in rows] == ["Главная", "'=HYPERLINK(1)", ""]  # formulas never run in a spreadsheet

    resp = await client.get(f"/api/crawls/{crawl_id}/export?format=json&what=pages")
    lines = [json.loads(line) for line in (await resp.text()).splitlines()]
    assert [line["url"] for line in lines] == [f"{SITE}/", f"{SITE}/x", f"{SITE}/404"]

    resp = await client.get(f"/api/crawls/{crawl_id}/export?format=xlsx&what=issues")
    assert resp.status == 200
    book = openpyxl.load_workbook(io.BytesIO(await resp.read()), read_only=True)
    assert next(book.active.iter_rows(values_only=True))[:3] == ("url", "status_code", "code")

    resp = await client.get(f"/api/crawls/{crawl_id}/sitemap.xml")
    text = await resp.text()
    assert resp.status == 200 and resp.content_type == "application/xml"
    assert f"<loc>{SITE}/</loc>" in text and f"{SITE}/404" not in text

    resp = await client.get(f"/api/crawls/{crawl_id}/export?format=pdf")
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "format"
    assert (await client.get(f"/api/crawls/{uuid.uuid4()}/export")).status == 404
    assert (await client.get(f"/api/crawls/{uuid.uuid4()}/sitemap.xml")).status == 404
    resp = await client.get(f"/api/crawls/{crawl_id}/sitemap.xml?part=2")
    assert resp.status == 404 and "part 2" in (await resp.json())["detail"]
    resp = await client.get(f"/api/crawls/{crawl_id}/sitemap.xml?part=0")
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "part"
