"""Servers that misbehave on purpose: every one ends as a recorded page, never a dead crawl."""

from __future__ import annotations

import asyncio
import gzip
import random

import asyncpg
import brotli
import pytest
from aiohttp import web

from services.worker.crawl.crawler import run_crawl
from services.worker.job import CrawlError
from tests.integration.crawlharness import crawl, pages, request_crawl, start_attempt
from tests.sites import Site

RUSSIAN = "Привет, мир! Это страница на русском языке."


async def _endless(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    chunk = b"<p>" + b"x" * 8192 + b"</p>"
    while True:
        await response.write(chunk)


async def _slow_loris(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html"})
    await response.prepare(request)
    while True:
        await response.write(b" ")
        await asyncio.sleep(0.3)


async def _reset(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse(headers={"Content-Type": "text/html", "Content-Length": "100000"})
    await response.prepare(request)
    await response.write(b"<p>half")
    assert request.transport is not None
    request.transport.close()
    return response


async def test_hostile_servers_become_recorded_outcomes(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    links = ["/endless", "/slow", "/reset", "/bighead", "/binary", "/badutf8", "/bomb", "/br", "/cp1251",
             "/meta1251", "/png", "/ftp", "/loop1", "/r1", "/r0", "/weird"]  # fmt: skip
    site.page("/", "".join(f'<a href="{path}">{path}</a>' for path in links))
    site.handler("/endless", _endless)
    site.handler("/slow", _slow_loris)
    site.handler("/reset", _reset)
    site.page("/bighead", "<p>x</p>", headers={"X-Huge": "a" * 100_000})
    site.page("/binary", bytes(random.Random(1).randrange(256) for _ in range(20000)))
    site.page("/badutf8", b"<title>bad \xff\xfe utf</title><p>\xc3\x28</p>")
    site.page("/bomb", gzip.compress(b"<p>" + b"a" * 3_000_000), headers={"Content-Encoding": "gzip"})
    site.page("/br", brotli.compress(b"<title>brotli page</title>"), headers={"Content-Encoding": "br"})
    site.page("/cp1251", f"<title>{RUSSIAN}</title>".encode("cp1251"), content_type="text/html; charset=windows-1251")
    site.page(
        "/meta1251", f'<meta charset="windows-1251"><title>{RUSSIAN}</title>'.encode("cp1251"), content_type="text/html"
    )
    site.page("/png", b"\x89PNG\r\n\x1a\n" + b"\0" * 100, content_type="image/png")
    site.redirect("/ftp", "ftp://example.com/file")
    site.redirect("/loop1", "/loop2")
    site.redirect("/loop2", "/loop1")
    for i in range(12):
        site.redirect(f"/hop{i}", f"/hop{i + 1}", status=302)
    site.redirect("/r0", "/hop0")
    site.redirect("/r1", "/r2", status=301)
    site.redirect("/r2", "/final", status=308)
    site.page("/final", "<title>final</title>")
    site.page("/weird", '<base href="//"><a href="javascript:x">j</a><a href="http://[bad">b</a><a href="?q">q</a>')

    job = await crawl(pool, url=site.url("/"), max_body_bytes=1_000_000, timeout_seconds=2)
    stored = await pages(pool, job)

    def page(path: str) -> asyncpg.Record:
        return stored[site.url(path)]

    assert "over the" in page("/endless")["error"]
    assert page("/slow")["error"] == "timeout"
    assert page("/reset")["error"] is not None
    assert page("/bighead")["error"].startswith("bad response")
    assert page("/binary")["status_code"] == 200 and page("/binary")["error"] is None
    assert page("/badutf8")["title"] == "bad \ufffd\ufffd utf"
    assert "decompressed" in page("/bomb")["error"]
    assert page("/br")["title"] == "brotli page"
    # A page's size is its HTML's, not its compressed transfer (large_page judges the HTML).
    assert page("/br")["size_bytes"] == len(b"<title>brotli page</title>")
    assert page("/cp1251")["title"] == RUSSIAN and page("/meta1251")["title"] == RUSSIAN
    assert page("/png")["content_type"] == "image/png" and page("/png")["indexability_reason"] == "not HTML"
    assert page("/ftp")["error"] == "redirect to a non-HTTP URL"
    assert page("/loop1")["error"] == "redirect loop"
    assert page("/r0")["error"] == "more than 10 redirects" and len(page("/r0")["redirect_chain"]) == 10
    chain = page("/r1")["redirect_chain"]
    assert [(h["url"], h["status_code"]) for h in chain] == [
        (site.url("/r1"), 301), (site.url("/r2"), 308), (site.url("/final"), 200)
    ]  # fmt: skip
    assert page("/r1")["status_code"] == 301 and page("/r1")["final_url"] == site.url("/final")
    assert page("/final")["status_code"] == 200 and site.hits("/r2") == 1
    assert page("/weird")["status_code"] == 200
    for record in stored.values():  # every page is an outcome: a status or an error, never nothing
        assert record["status_code"] is not None or record["error"] is not None


async def test_limits_depth_include_exclude(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/", "<a href='/a'>a</a><a href='/skip/x'>x</a><a href='/b'>b</a>")
    site.page("/a", "<a href='/a/deep'>deep</a>")
    site.page("/b", "<a href='/c'>c</a><a href='/d'>d</a>")
    job = await crawl(pool, url=site.url("/"), max_depth=1, exclude=["/skip"])
    assert set(await pages(pool, job)) == {site.url("/"), site.url("/a"), site.url("/b")}
    assert site.hits("/a/deep") == 0 and site.hits("/skip/x") == 0

    job = await crawl(pool, url=site.url("/"), max_pages=3)
    assert len(await pages(pool, job)) == 3


async def test_list_mode_fetches_only_the_list(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/one", "<a href='/two'>two</a>")
    site.page("/two", "<p>two</p>")
    job = await crawl(pool, mode="list", urls=[site.url("/one"), site.url("/nope"), site.url("/one#dup")])
    stored = await pages(pool, job)
    assert set(stored) == {site.url("/one"), site.url("/nope")}
    assert stored[site.url("/nope")]["status_code"] == 404 and site.hits("/two") == 0


async def test_private_start_url_is_refused_without_a_request(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    site.page("/", "<p>hi</p>")
    job = await request_crawl(pool, url=site.url("/"))
    job = await start_attempt(pool, job.crawl_id, job.settings, attempt=2, allow_private=False)
    with pytest.raises(CrawlError) as refused:
        await run_crawl(job)
    assert not refused.value.retryable and "loopback" in refused.value.reason
    assert site.requests == []
