"""robots.txt as the crawler meets it: redirects, size cap, BOM, product token, 4xx and 5xx answers."""

from __future__ import annotations

import gzip

import asyncpg
import pytest
from aiohttp import web

from services.worker.crawl import politeness
from services.worker.fetch import robots
from tests.integration.crawlharness import crawl, pages
from tests.sites import Site

HOME = '<html><body><a href="/a">a</a> <a href="/b">b</a></body></html>'


def _site(site: Site) -> None:
    site.page("/", HOME)
    site.page("/a", "<p>a</p>")
    site.page("/b", "<p>b</p>")


async def test_five_redirects_are_followed_and_a_sixth_means_no_robots_txt(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    five: Site = await site_factory()
    _site(five)
    hops = ["/robots.txt", "/r1", "/r2", "/r3", "/r4", "/r5"]
    for src, dst in zip(hops, hops[1:], strict=False):
        five.redirect(src, dst)
    five.page("/r5", "User-agent: *\nDisallow: /a\n", content_type="text/plain")
    job = await crawl(pool, url=five.url("/"))
    assert five.hits("/a") == 0 and (await pages(pool, job))[five.url("/a")]["blocked_by_robots"]

    six: Site = await site_factory()
    _site(six)
    hops = ["/robots.txt", "/r1", "/r2", "/r3", "/r4", "/r5", "/r6"]
    for src, dst in zip(hops, hops[1:], strict=False):
        six.redirect(src, dst)
    six.page("/r6", "User-agent: *\nDisallow: /a\n", content_type="text/plain")
    await crawl(pool, url=six.url("/"))
    assert six.hits("/r6") == 0 and six.hits("/a") == 1  # the 6th redirect is not followed: no rules


async def test_bom_crlf_and_product_token_from_the_user_agent(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    _site(site)
    body = (
        b"\xef\xbb\xbfUser-agent: *\r\nDisallow: /a\r\n\r\nUser-agent: MyBot/2.0\r\nCrawl-delay: 0\r\nDisallow: /b\r\n"
    )
    site.page("/robots.txt", body, content_type="text/plain")
    job = await crawl(pool, url=site.url("/"), user_agent="Mozilla/5.0 (compatible; MyBot/2.0; +https://e.com)")
    stored = await pages(pool, job)
    # our group (named by the product token, not the header) replaces *, and crawl-delay did not end it
    assert site.hits("/b") == 0 and stored[site.url("/b")]["blocked_by_robots"]
    assert site.hits("/a") == 1

    other: Site = await site_factory()
    _site(other)
    other.page("/robots.txt", body, content_type="text/plain")
    await crawl(pool, url=other.url("/"))  # the default SEOCrawler obeys the * group, BOM or not
    assert other.hits("/a") == 0 and other.hits("/b") == 1


@pytest.mark.parametrize("compressed", [False, True])
async def test_only_the_first_500_kib_count(pool: asyncpg.Pool, site_factory, compressed: bool) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    _site(site)
    head = b"User-agent: *\nDisallow: /a\n"
    padding = b"#" * (robots.MAX_ROBOTS_BYTES - len(head) - 1) + b"\n"
    body = head + padding + b"Disallow: /b\n"  # this line starts at byte 512,000: ignored
    assert len(head + padding) == robots.MAX_ROBOTS_BYTES
    headers = {"Content-Encoding": "gzip"} if compressed else {}
    site.page("/robots.txt", gzip.compress(body) if compressed else body, content_type="text/plain",
              headers=headers)  # fmt: skip
    await crawl(pool, url=site.url("/"))
    assert site.hits("/a") == 0 and site.hits("/b") == 1


async def test_4xx_allows_everything_and_5xx_blocks_until_robots_answers(
    pool: asyncpg.Pool, site_factory, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(politeness, "ROBOTS_RETRY_DELAYS", (0.05, 0.05))
    forbidden: Site = await site_factory()
    _site(forbidden)
    forbidden.page("/robots.txt", "User-agent: *\nDisallow: /\n", status=403, content_type="text/plain")
    await crawl(pool, url=forbidden.url("/"))
    assert forbidden.hits("/a") == 1  # a 403 robots.txt is no robots.txt: its body is not read

    # 503 twice, then an answer: the URLs waited and were crawled under the rules that came
    flaky: Site = await site_factory()
    _site(flaky)
    answers = iter([503, 503])

    async def robots_txt(request: web.Request) -> web.StreamResponse:
        status = next(answers, 200)
        return web.Response(status=status, text="User-agent: *\nDisallow: /b\n", content_type="text/plain")

    flaky.handler("/robots.txt", robots_txt)
    job = await crawl(pool, url=flaky.url("/"))
    stored = await pages(pool, job)
    assert flaky.hits("/robots.txt") == 3 and stored[flaky.url("/")]["status_code"] == 200
    assert flaky.hits("/a") == 1 and flaky.hits("/b") == 0

    # always 503: nothing is fetched, the start URL is recorded as blocked with the reason
    down: Site = await site_factory()
    _site(down)
    down.page("/robots.txt", "oops", status=503, content_type="text/plain")
    job = await crawl(pool, url=down.url("/"))
    stored = await pages(pool, job)
    assert [r.path for r in down.requests] == ["/robots.txt"] * 3
    start = stored[down.url("/")]
    assert start["blocked_by_robots"] and start["indexability_reason"] == "blocked: robots.txt answered 503"
