"""The resource checker in a real crawl: once per URL, HEAD then GET, robots.txt and resume honoured."""

from __future__ import annotations

import asyncpg
from aiohttp import web

from services.worker.crawl.crawler import run_crawl
from tests.integration.crawlharness import crawl, start_attempt
from tests.sites import Site


def _page(i: int, image: str) -> str:
    return (f'<!doctype html><html lang="en"><head><title>Page {i}</title><link rel="stylesheet" href="/s.css">'
            f'</head><body><img src="/shared.png" width="1" height="1"><img src="{image}" width="1" height="1">'
            f'<a href="/p{i + 1}">next</a></body></html>')  # fmt: skip


async def _rows(pool: asyncpg.Pool, crawl_id: object) -> dict[str, asyncpg.Record]:
    async with pool.acquire() as conn:
        rows = await conn.fetch("SELECT * FROM resources WHERE crawl_id = $1", crawl_id)
    return {r["url"].split("/", 3)[3]: r for r in rows}


async def test_each_resource_once_head_then_get_and_robots(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/robots.txt", "User-agent: *\nDisallow: /private\n", content_type="text/plain")
    images = ["/plain.png", "/nohead.png", "/chunked.png", "/private.png", "/missing.png"]
    for i, image in enumerate(images):
        site.page(f"/p{i}" if i else "/", _page(i, image))
    site.page("/p5", _page(5, "/plain.png"))
    site.page("/shared.png", b"x" * 100, content_type="image/png")
    site.page("/plain.png", b"x" * 200, content_type="image/png")
    site.page("/s.css", b"body{}", content_type="text/css")
    site.page("/favicon.ico", b"i", content_type="image/x-icon")

    async def nohead(request: web.Request) -> web.StreamResponse:
        if request.method == "HEAD":
            return web.Response(status=405)
        return web.Response(body=b"y" * 300, content_type="image/png")

    async def chunked(request: web.Request) -> web.StreamResponse:
        response = web.StreamResponse(headers={"Content-Type": "image/png"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        if request.method != "HEAD":
            for _ in range(4):
                await response.write(b"z" * 1000)
        await response.write_eof()
        return response

    site.handler("/nohead.png", nohead)
    site.handler("/chunked.png", chunked)
    job = await crawl(pool, url=site.url("/"), use_sitemaps=False)

    rows = await _rows(pool, job.crawl_id)
    assert rows["shared.png"]["status_code"] == 200 and rows["shared.png"]["size_bytes"] == 100
    assert rows["nohead.png"]["status_code"] == 200 and rows["nohead.png"]["size_bytes"] == 300  # GET after 405
    assert rows["chunked.png"]["size_bytes"] == 4000  # no Content-Length: the GET counted the body
    assert rows["missing.png"]["status_code"] == 404
    assert rows["private.png"]["error"] == "blocked by robots.txt" and site.hits("/private.png") == 0
    # six pages reference /shared.png and /s.css; each was asked for once (HEAD answered with a size)
    assert [r.method for r in site.requests if r.path == "/shared.png"] == ["HEAD"]
    assert [r.method for r in site.requests if r.path == "/s.css"] == ["HEAD"]
    assert [r.method for r in site.requests if r.path == "/plain.png"] == ["HEAD"]
    assert [r.method for r in site.requests if r.path == "/nohead.png"] == ["HEAD", "GET"]
    async with pool.acquire() as conn:
        broken = await conn.fetch(
            "SELECT p.url, i.details FROM issues i JOIN pages p ON p.id = i.page_id "
            "WHERE i.crawl_id = $1 AND i.code = 'resource_broken'", job.crawl_id)  # fmt: skip
    assert [(r["url"], r["details"]["by_type"]["image"][0]["status_code"]) for r in broken] == [(site.url("/p4"), 404)]


async def test_checks_can_be_turned_off(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/", _page(0, "/a.png"))
    job = await crawl(pool, url=site.url("/"), use_sitemaps=False, check_resources=False)
    assert await _rows(pool, job.crawl_id) == {}
    assert site.hits("/a.png") == site.hits("/shared.png") == site.hits("/favicon.ico") == 0


async def test_a_resumed_crawl_checks_what_its_stored_pages_reference(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    """A first attempt stored its pages but died before checking their resources: the next attempt
    checks them (and only them), so nothing is lost and nothing committed is repeated."""
    site: Site = await site_factory()
    site.page("/", _page(0, "/a.png"))
    site.page("/p1", _page(1, "/b.png"))
    first = await crawl(pool, url=site.url("/"), use_sitemaps=False, check_resources=False)
    async with pool.acquire() as conn:  # what the first attempt had checked before it died
        await conn.execute(
            "INSERT INTO resources (crawl_id, url, status_code, checked_at) VALUES ($1, $2, 200, now())",
            first.crawl_id, site.url("/a.png"),
        )  # fmt: skip
    settings = first.settings.model_copy(update={"check_resources": True})
    await run_crawl(await start_attempt(pool, first.crawl_id, settings, attempt=2))
    rows = await _rows(pool, first.crawl_id)
    # "" is the https probe of the host (https://127.0.0.1:port/), asked once like the rest
    assert set(rows) == {"a.png", "b.png", "shared.png", "s.css", "favicon.ico", ""}
    assert site.hits("/a.png") == 0 and site.hits("/b.png") == 1
