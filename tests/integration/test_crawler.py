"""The crawler against local sites: pages, links, redirects, robots, sitemaps, limits."""

from __future__ import annotations

import asyncio
import gzip

import asyncpg
from aiohttp import web

from tests.integration.crawlharness import crawl, events_of, pages
from tests.sites import Site


async def test_spider_crawls_linked_pages_and_stores_links(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page(
        "/",
        """<html lang="en"><head><title>Home page of the test site</title>
        <meta name="description" content="The home page."><link rel="canonical" href="/"></head>
        <body><h1>Home</h1><a href="/a">A</a> <a href="b?x=1#frag">B</a> <a href="mailto:x@y">mail</a>
        <a href="javascript:void(0)">js</a><a href="https://example.org/out" rel="nofollow">out</a>
        <img src="i.png"><img src="j.png" alt=""></body></html>""",
    )
    site.page(
        "/a",
        "<title>A</title><meta http-equiv=refresh content=\"3; URL='/refreshed'\"><a href='/'>home</a>"
        "<a href='/missing'>broken</a>",
    )
    site.page("/refreshed", "<p>reached through a meta refresh</p>")
    site.page("/b?x=1", "<title>B</title><p>text</p>")
    job = await crawl(pool, url=site.url("/"))

    stored = await pages(pool, job)
    assert set(stored) == {site.url(p) for p in ("/", "/a", "/b?x=1", "/missing", "/refreshed")}
    home = stored[site.url("/")]
    assert home["status_code"] == 200 and home["title"] == "Home page of the test site"
    assert home["h1"] == ["Home"] and home["lang"] == "en" and home["indexable"]
    assert home["images_count"] == 2 and home["images_missing_alt"] == 1
    assert home["outlinks_count"] == 2 and home["external_links_count"] == 1
    assert stored[site.url("/missing")]["status_code"] == 404
    assert stored[site.url("/a")]["depth"] == 1
    assert site.hits("/missing") == 1 and "https://example.org/out" not in site.paths()
    async with pool.acquire() as conn:
        links = await conn.fetch("SELECT target_url, rel, internal FROM links WHERE source_id = $1", home["id"])
        crawl_row = await conn.fetchrow(
            "SELECT pages_crawled, pages_discovered FROM crawls WHERE id = $1", job.crawl_id
        )
    assert {(r["target_url"], r["internal"]) for r in links} == {
        (site.url("/a"), True),
        (site.url("/b?x=1"), True),
        ("https://example.org/out", False),
    }
    assert crawl_row["pages_crawled"] == 5 and crawl_row["pages_discovered"] == 5
    types = [e.type for e in await events_of(pool, job)]
    assert "PagesCrawled" in types and "CrawlProgressed" in types


async def test_robots_disallowed_never_requested_and_sitemaps_seed(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page(
        "/robots.txt",
        f"User-agent: *\nDisallow: /private\n\nSitemap: {site.url('/sitemap_index.xml')}\n",
        content_type="text/plain",
    )
    site.page("/", "<a href='/private/x'>p</a><a href='/public'>q</a>")
    site.page("/public", "<a href='/deeper'>deeper</a>")
    site.page("/deeper", "<p>linked at depth 2 and listed in the sitemap</p>")
    site.page("/private/x", "<p>secret</p>")
    site.page(
        "/sitemap_index.xml",
        f"""<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <sitemap><loc>{site.url("/sm1.xml.gz")}</loc></sitemap></sitemapindex>""",
        content_type="application/xml",
    )
    urlset = f"""<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
        <url><loc>{site.url("/orphan")}</loc></url><url><loc>{site.url("/public")}</loc></url>
        <url><loc>{site.url("/private/y")}</loc></url><url><loc>{site.url("/deeper")}</loc></url></urlset>"""
    site.page("/sm1.xml.gz", gzip.compress(urlset.encode()), content_type="application/gzip")
    site.page("/orphan", "<p>only in the sitemap</p>")
    job = await crawl(pool, url=site.url("/"))

    stored = await pages(pool, job)
    assert site.hits("/private/x") == 0 and site.hits("/private/y") == 0
    blocked = stored[site.url("/private/x")]
    assert blocked["blocked_by_robots"] and blocked["status_code"] is None and not blocked["indexable"]
    assert stored[site.url("/private/y")]["blocked_by_robots"]
    assert stored[site.url("/orphan")]["in_sitemap"] and stored[site.url("/orphan")]["status_code"] == 200
    assert stored[site.url("/public")]["in_sitemap"] and stored[site.url("/public")]["depth"] == 1
    assert stored[site.url("/deeper")]["in_sitemap"] and stored[site.url("/deeper")]["depth"] == 2  # link depth wins
    assert stored[site.url("/deeper")]["referrer"] == site.url("/public")
    assert not stored[site.url("/")]["in_sitemap"]
    assert site.hits("/robots.txt") == 1


async def test_politeness_crawl_delay_concurrency_and_user_agent(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/robots.txt", "User-agent: *\nCrawl-delay: 0.25\n", content_type="text/plain")
    site.page("/", "".join(f"<a href='/p{i}'>{i}</a>" for i in range(4)))
    for i in range(4):
        site.page(f"/p{i}", "<p>x</p>")
    await crawl(pool, url=site.url("/"), concurrency=4, use_sitemaps=False, user_agent="TestBot/2.0")
    pages_requested = [r for r in site.requests if r.path != "/robots.txt"]
    gaps = [b.at - a.at for a, b in zip(pages_requested, pages_requested[1:], strict=False)]
    # the pages, the icon they load (the resource checker passes the same host gate) and /llms.txt read
    # when the crawl began: crawl-delay wins over max_rps=1000 for all of them
    assert sorted(r.path for r in pages_requested) == ["/", "/favicon.ico", "/llms.txt", "/p0", "/p1", "/p2", "/p3"]
    assert min(gaps) >= 0.2
    assert {r.headers["User-Agent"] for r in site.requests} == {"TestBot/2.0"}

    busy = site_factory
    site = await busy()
    running, peak = 0, 0

    async def slow(request):  # type: ignore[no-untyped-def]
        nonlocal running, peak
        running += 1
        peak = max(peak, running)
        await asyncio.sleep(0.05)
        running -= 1
        return web.Response(text="<p>slow</p>", content_type="text/html")

    site.page("/", "".join(f"<a href='/s{i}'>{i}</a>" for i in range(12)))
    for i in range(12):
        site.handler(f"/s{i}", slow)
    await crawl(pool, url=site.url("/"), concurrency=3, use_sitemaps=False)
    assert peak == 3


async def test_robots_and_sitemap_behind_redirects_are_read(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.redirect("/robots.txt", "/robots-real.txt")
    site.page("/robots-real.txt", "User-agent: *\nDisallow: /x\n", content_type="text/plain")
    site.redirect("/sitemap.xml", "/sm.xml", status=302)
    site.page("/sm.xml", f"<urlset><url><loc>{site.url('/listed')}</loc></url></urlset>", content_type="text/xml")
    site.page("/", "<a href='/x'>x</a><a href='/moved'>moved</a><a href='/to-x'>to x</a>")
    site.redirect("/to-x", "/x/secret")  # a redirect into a disallowed path is not followed
    site.page("/listed", "<p>listed</p>")
    site.page("/moved", b"", status=301, headers={"Location": "/target", "X-Robots-Tag": "noindex"})
    site.page("/target", "<p>t</p>", headers={"Link": '</canon>; rel="canonical"'})
    job = await crawl(pool, url=site.url("/"))
    stored = await pages(pool, job)
    assert site.hits("/x") == 0 and stored[site.url("/x")]["blocked_by_robots"]
    assert site.hits("/x/secret") == 0 and stored[site.url("/x/secret")]["blocked_by_robots"]
    assert stored[site.url("/to-x")]["final_url"] == site.url("/x/secret")
    assert stored[site.url("/listed")]["in_sitemap"] and stored[site.url("/listed")]["status_code"] == 200
    moved = stored[site.url("/moved")]
    assert moved["x_robots_tag"] == "noindex" and moved["canonical"] is None  # its own headers, not its target's
    assert stored[site.url("/target")]["canonical"] == site.url("/canon")
