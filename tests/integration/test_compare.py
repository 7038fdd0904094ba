"""Crawl comparison: crawl a local site, change it in known ways, crawl again, assert the diff exactly."""

from __future__ import annotations

import functools
import random
import uuid

import asyncpg
import pytest

from services.worker.job import CrawlJob
from shared.eventlog import events as ev
from shared.eventlog import streams
from shared.reports import compare
from shared.reports.errors import CrawlNotFinished, CrawlNotFound, CrawlsNotComparable
from tests.integration.auditsupport import new_crawl
from tests.integration.crawlharness import crawl
from tests.sites import Site, defects_checks


def clean_page(
    path: str, title: str, links: list[str], *, description: bool = True, seed: int = 0, base: str = ""
) -> str:
    """An HTML page no audit rule flags (distinct text, lengths in range, links out, absolute canonical)."""
    rng = random.Random(f"{path}-{seed}")
    words = " ".join(
        f"{rng.choice(['lorem', 'ipsum', 'dolor', 'amet', 'sit'])}{rng.randrange(10**6)}" for _ in range(260)
    )
    meta = (
        f'<meta name="description" content="The description of {path}: what a visitor finds here, told at '
        f'a comfortable length for a search snippet.">'
        if description
        else ""
    )
    anchors = "".join(f'<a href="{link}">Link to {link}</a> ' for link in links)
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{title}</title>{meta}'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="canonical" href="{base}{path}">{defects_checks.CLEAN_HEAD}</head><body><h1>Heading of {path}</h1>'
        f"<nav>{anchors}</nav><p>{words}</p></body></html>"
    )


async def _crawl_and_complete(pool: asyncpg.Pool, url: str) -> CrawlJob:
    job = await crawl(pool, url=url, use_sitemaps=False)
    async with pool.acquire() as conn:  # what the claim loop appends after the body returns
        await streams.append(
            conn, ev.crawl_stream(job.crawl_id), [ev.CrawlCompleted(crawl_id=job.crawl_id, pages_crawled=0)]
        )
    return job


async def _all(conn: asyncpg.Connection, a: uuid.UUID, b: uuid.UUID, kind: str) -> list[dict]:  # type: ignore[type-arg]
    rows, cursor = await compare.changes(conn, a, b, kind, limit=2)
    while cursor:
        more, cursor = await compare.changes(conn, a, b, kind, after=cursor, limit=2)
        rows += more
    return rows


async def test_second_crawl_diff_is_exactly_what_changed(pool: asyncpg.Pool, site_factory) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    defects_checks.serve_assets(site)
    page = functools.partial(clean_page, base=site.url(""))
    site.page("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")  # a clean site has one
    site.page("/", page("/", "Home of the comparison test site", ["/a", "/b", "/c"]))
    site.page("/a", page("/a", "Alpha: the first article of the site", ["/"]))
    site.page("/b", page("/b", "Beta: the second article of the site", ["/", "/e"]))
    site.page("/c", page("/c", "Gamma: a page that will be removed", ["/"], description=False))
    site.page("/e", page("/e", "Epsilon: a page whose link will break", ["/"]))
    first = await _crawl_and_complete(pool, site.url("/"))

    site.page("/", page("/", "Home of the comparison test site", ["/a", "/b", "/d"]))  # /c unlinked, /d new
    del site._static["/c"]
    site.page("/a", page("/a", "Alpha: the first article, now renamed", ["/"]))  # title edited
    site.page("/d", page("/d", "Delta: a page added after the first crawl", ["/"]))
    del site._static["/e"]  # /b still links to it: now a broken link
    second = await _crawl_and_complete(pool, site.url("/"))

    u = site.url
    async with pool.acquire() as conn:
        # either order: the older crawl is "before"
        summary = await compare.summary(conn, second.crawl_id, first.crawl_id)
        assert (summary["before"], summary["after"]) == (first.crawl_id, second.crawl_id)
        assert summary["pages"] == {"added": 1, "removed": 1, "changed": 2}
        assert summary["fields"] == {"status_code": 1, "indexable": 1, "title": 2, "meta_description": 1, "h1": 1,
                                     "canonical": 1, "word_count": 1, "extracted": 0}  # fmt: skip

        assert [r["url"] for r in await _all(conn, first.crawl_id, second.crawl_id, "added")] == [u("/d")]
        assert [r["url"] for r in await _all(conn, first.crawl_id, second.crawl_id, "removed")] == [u("/c")]
        changed = {r["url"]: r["fields"] for r in await _all(conn, first.crawl_id, second.crawl_id, "changed")}
        assert changed[u("/a")] == {
            "title": {
                "before": "Alpha: the first article of the site",
                "after": "Alpha: the first article, now renamed",
            }
        }
        broken = changed[u("/e")]
        assert set(broken) == {"status_code", "indexable", "title", "meta_description", "h1", "canonical", "word_count"}
        assert broken["status_code"] == {"before": 200, "after": 404}
        assert broken["indexable"] == {"before": True, "after": False}
        assert set(changed) == {u("/a"), u("/e")}

        new = {
            (r["url"], r["code"], r["page_added"])
            for r in await _all(conn, first.crawl_id, second.crawl_id, "issues_new")
        }
        assert new == {(u("/e"), "status_4xx", False), (u("/b"), "broken_internal_link", False)}
        fixed = {(r["url"], r["code"], r["page_removed"])
                 for r in await _all(conn, first.crawl_id, second.crawl_id, "issues_fixed")}  # fmt: skip
        assert fixed == {(u("/c"), "meta_description_missing", True)}
        assert summary["issues"]["new"] == 2 and summary["issues"]["fixed"] == 1

        streamed = [row async for row in compare.stream(conn, first.crawl_id, second.crawl_id)]
        assert [r["kind"] for r in streamed] == ["added", "removed", "changed", "changed", "issues_new", "issues_new",
                                                 "issues_fixed"]  # fmt: skip

        # the clean pages really are clean: nothing but the site-wide http notice on the start page
        rows = await conn.fetch(
            "SELECT p.url, i.code FROM issues i JOIN pages p ON p.id = i.page_id WHERE i.crawl_id = $1",
            first.crawl_id,
        )
        assert {(r["url"], r["code"]) for r in rows} == {(u("/"), "http_page"), (u("/c"), "meta_description_missing")}


async def test_comparisons_that_make_no_sense_are_refused(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        a = await new_crawl(conn, "https://one.example/")
        b = await new_crawl(conn, "https://one.example/page")
        other_site = await new_crawl(conn, "https://two.example/")
        for cid in (a, b, other_site):
            await streams.append(conn, ev.crawl_stream(cid), [ev.CrawlCompleted(crawl_id=cid, pages_crawled=0)])
        running = await new_crawl(conn, "https://one.example/")

        assert (await compare.summary(conn, a, b))["pages"] == {"added": 0, "removed": 0, "changed": 0}
        itself = await compare.summary(conn, a, a)  # nothing changed: an empty answer, not an error
        assert itself["pages"] == {"added": 0, "removed": 0, "changed": 0} and itself["issues"]["new"] == 0
        with pytest.raises(CrawlsNotComparable, match="different sites") as info:
            await compare.summary(conn, a, other_site)
        assert info.value.status == 422
        with pytest.raises(CrawlNotFinished) as unfinished:
            await compare.changes(conn, a, running, "added")
        assert unfinished.value.status == 409 and "queued" in str(unfinished.value)
        with pytest.raises(CrawlNotFound) as unknown:
            await compare.summary(conn, a, uuid.uuid4())
        assert unknown.value.status == 404
