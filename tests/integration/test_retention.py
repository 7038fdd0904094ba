"""Retention: a site keeps its newest N completed crawls' pages; older ones keep their summary, lose the rest (rows
and page events), the bytes freed are reported, and a rebuild from the log still equals the live projections."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from services.api.app import create_app as create_api
from services.worker import queue
from services.worker.app import create_app as create_worker
from shared.eventlog import eventstore, rebuild
from shared.platform.settings import Settings
from tests.integration.crawlharness import WORKER, crawl
from tests.integration.service_support import serve, settings_for, wait_until
from tests.integration.test_compare import clean_page
from tests.integration.test_sites import snapshot
from tests.sites import Site

TOKEN = "test-token-retention-0123456789abcdef0123456789"
TABLES = ("sites", "crawls", "crawl_summaries", "crawl_purges", "retention_checks", "pages", "links", "issues")


async def _completed_crawl(pool: asyncpg.Pool, url: str, site_id: uuid.UUID) -> uuid.UUID:
    job = await crawl(pool, url=url, use_sitemaps=False, site_id=site_id)
    async with pool.acquire() as conn:
        await queue.finish(conn, job.crawl_id, job.attempt, queue.Outcome("completed"), worker_id=WORKER,
                           settings=Settings())  # fmt: skip
    return job.crawl_id


async def _counts(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> dict[str, int]:
    out = {}
    for table in ("pages", "links", "issues", "frontier"):
        out[table] = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE crawl_id = $1", crawl_id)  # noqa: S608
    out["page_events"] = await conn.fetchval(
        "SELECT count(*) FROM events WHERE stream_id = $1 AND type IN ('PagesCrawled', 'IssuesDetected')",
        f"crawl-{crawl_id}",
    )
    return out


async def test_old_crawls_lose_their_pages_keep_their_summary_and_a_rebuild_agrees(
    dsn: str, pool: asyncpg.Pool, aiohttp_client: Any, site_factory: Any
) -> None:
    site: Site = await site_factory()
    site.page("/", clean_page("/", "The home page of the retention test site", ["/a", "/gone"]))
    site.page("/a", clean_page("/a", "", ["/"]))
    settings = settings_for(dsn, api_token=TOKEN)
    client = await aiohttp_client(create_api(settings), headers={"Authorization": f"Bearer {TOKEN}"})
    created = await (await client.post("/api/sites", json={"url": site.url("/"), "settings": {"retention": 1}})).json()
    site_id = uuid.UUID(created["id"])

    crawls = [await _completed_crawl(pool, site.url("/"), site_id) for _ in range(3)]
    async with pool.acquire() as conn:
        before = {c: await _counts(conn, c) for c in crawls}
        kept_counters = dict(await conn.fetch("SELECT id, pages_crawled FROM crawls WHERE id = ANY($1)", crawls))
    assert all(n["pages"] == 3 and n["issues"] > 0 and n["page_events"] > 0 for n in before.values())

    async with serve(create_worker(settings)):

        async def applied() -> bool:
            async with pool.acquire() as conn:
                events = await eventstore.read_stream(conn, f"site-{site_id}")
            return any(e.type == "RetentionApplied" for e in events)

        await wait_until(dsn, applied, timeout=30, what="retention")

    async with pool.acquire() as conn:
        [done] = [e for e in await eventstore.read_stream(conn, f"site-{site_id}") if e.type == "RetentionApplied"]
        purges = {r["crawl_id"]: r for r in await conn.fetch("SELECT * FROM crawl_purges")}
        after = {c: await _counts(conn, c) for c in crawls}
        old_types = [e.type for e in await eventstore.read_stream(conn, f"crawl-{crawls[0]}")]
        counters = dict(await conn.fetch("SELECT id, pages_crawled FROM crawls WHERE id = ANY($1)", crawls))
        summaries = await conn.fetchval("SELECT count(*) FROM crawl_summaries WHERE crawl_id = ANY($1)", crawls)

    # The two older crawls lost every page-level row and page event; the newest kept everything.
    assert done.data.purged == crawls[:2]  # type: ignore[attr-defined]
    assert set(purges) == set(crawls[:2])
    assert (
        after[crawls[0]] == after[crawls[1]] == {"pages": 0, "links": 0, "issues": 0, "frontier": 0, "page_events": 0}
    )
    assert after[crawls[2]] == before[crawls[2]]
    assert "PagesCrawled" not in old_types and old_types[-1] == "CrawlPurged"
    assert {"CrawlRequested", "CrawlStarted", "CrawlCompleted", "CrawlSummarized"} <= set(old_types)
    # The bytes freed are measured and reported, per crawl and in total.
    assert all(p["bytes_freed"] > 1000 and p["rows_deleted"] > 0 for p in purges.values())
    assert done.data.bytes_freed == sum(p["bytes_freed"] for p in purges.values())  # type: ignore[attr-defined]
    # Summaries and counters stay: the trend still has three points.
    assert counters == kept_counters and summaries == 3
    card = await (await client.get(f"/api/sites/{site_id}")).json()
    assert card["purged_crawls"] == 2 and card["bytes_freed"] == done.data.bytes_freed  # type: ignore[attr-defined]
    history = (await (await client.get(f"/api/sites/{site_id}/history")).json())["items"]
    assert [h["purged"] for h in history] == [True, True, False]
    assert all(h["health_score"] is not None for h in history)
    assert (await client.get(f"/api/crawls/{crawls[2]}/pages")).status == 200

    async with pool.acquire() as conn:
        live = await snapshot(conn, TABLES)
        await rebuild.rebuild(conn)
        assert await snapshot(conn, TABLES) == live
