"""robots.txt and llms.txt reported per crawl: the robots.txt codes on sites of their own, the AI crawler
report through the api, and clean files that must stay quiet."""

from __future__ import annotations

import asyncpg
import pytest

from services.api.app import create_app
from services.worker.crawl import politeness
from shared.platform.settings import Settings
from tests.integration.crawlharness import crawl
from tests.sites import Site, defects

TOKEN = "test-token-robots-0123456789abcdef0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROBOTS_CODES = {"robots_txt_missing", "robots_txt_unavailable", "robots_txt_invalid", "robots_txt_sitemap_invalid",
                "robots_txt_sitemap_unreachable", "robots_txt_too_large", "llms_txt_invalid"}  # fmt: skip


def _clean_site(site: Site, robots: str | None) -> None:
    base = site.url("")
    site.page("/", defects.html("/", base=base, links=["/a"]))
    site.page("/a", defects.html("/a", base=base))
    if robots is not None:
        site.page("/robots.txt", robots, content_type="text/plain")


async def _codes(pool: asyncpg.Pool, crawl_id: object) -> dict[str, dict[str, object]]:
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """SELECT i.code, i.details FROM issues i JOIN pages p ON p.id = i.page_id
               WHERE i.crawl_id = $1 AND p.url = (SELECT url FROM crawls WHERE id = $1)""",
            crawl_id,
        )
    return {r["code"]: r["details"] for r in rows if r["code"] in ROBOTS_CODES}


async def test_no_robots_txt_is_a_notice_and_a_good_llms_txt_is_quiet(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    _clean_site(site, robots=None)
    site.page("/llms.txt", "# Tea shop\n\n> Teas and kettles.\n\n## Guides\n\n- [Brewing](https://e.com/b.md): how\n",
              content_type="text/markdown")  # fmt: skip
    job = await crawl(pool, url=site.url("/"))
    found = await _codes(pool, job.crawl_id)
    assert set(found) == {"robots_txt_missing"} and found["robots_txt_missing"]["status_code"] == 404


async def test_unavailable_robots_txt_is_an_error_saying_what_it_did(
    pool: asyncpg.Pool, site_factory, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(politeness, "ROBOTS_RETRY_DELAYS", (0.01,))
    site: Site = await site_factory()
    _clean_site(site, robots=None)
    site.page("/robots.txt", "down", status=503, content_type="text/plain")
    job = await crawl(pool, url=site.url("/"))
    found = await _codes(pool, job.crawl_id)
    assert set(found) == {"robots_txt_unavailable"}
    details = found["robots_txt_unavailable"]
    assert details["status_code"] == 503 and details["urls_not_fetched"] == 1 and details["recovered"] is False
    assert [r.path for r in site.requests] == ["/robots.txt", "/robots.txt"]  # nothing else: like Google


async def test_clean_robots_txt_and_html_soft_404_llms_txt_report_nothing(
    pool: asyncpg.Pool, site_factory, dsn: str, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    robots = (
        f"# rules for everyone\nUser-agent: *\nDisallow: /private/\nCrawl-delay: 0\n\n"
        f"User-agent: GPTBot\nUser-agent: CCBot\nDisallow: /\n\nUser-agent: ClaudeBot\nDisallow: /drafts/\n\n"
        f"Sitemap: {site.url('/sitemap.xml')}\n"
    )
    _clean_site(site, robots)
    site.page("/sitemap.xml", f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>'
              f'{site.url("/a")}</loc></url></urlset>', content_type="application/xml")  # fmt: skip
    site.page("/llms.txt", "<!doctype html><html><body>Not found</body></html>", content_type="text/html")
    job = await crawl(pool, url=site.url("/"))
    assert await _codes(pool, job.crawl_id) == {}

    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)), headers=AUTH)
    resp = await client.get(f"/api/crawls/{job.crawl_id}/robots")
    assert resp.status == 200, await resp.text()
    body = await resp.json()
    assert body["origin"] == site.url("") and body["robots_txt"]["outcome"] == "rules"
    assert body["robots_txt"]["sitemaps"] == [
        {"value": site.url("/sitemap.xml"), "url": site.url("/sitemap.xml"), "status": 200, "error": None,
         "fetched": True}
    ]  # fmt: skip
    assert body["llms_txt"]["exists"] is False  # an HTML page answering is no llms.txt
    verdicts = {v["token"]: (v["verdict"], v["group"]) for v in body["ai_crawlers"]}
    assert len(verdicts) == 11
    assert verdicts["GPTBot"] == ("blocked", "own") and verdicts["CCBot"] == ("blocked", "own")
    assert verdicts["ClaudeBot"] == ("partly blocked", "own")
    assert verdicts["PerplexityBot"] == ("partly blocked", "*")  # the * group disallows /private/
    gpt = next(v for v in body["ai_crawlers"] if v["token"] == "GPTBot")
    assert gpt["line"] == 8 and gpt["operator"] == "OpenAI" and gpt["purpose"] == "training"

    missing = await client.get("/api/crawls/00000000-0000-0000-0000-000000000000/robots")
    assert missing.status == 404
