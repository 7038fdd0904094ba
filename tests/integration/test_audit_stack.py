"""The audit as a user meets it: a crawl started over the api, run by a real worker, read back over the api."""

from __future__ import annotations

import csv
import io
import uuid

import asyncpg

from services.api.app import create_app as api_app
from services.worker import app as worker_app
from tests.integration.service_support import crawl_status, serve, settings_for, wait_until
from tests.sites import Site, defects

TOKEN = "audit-stack-token-0123456789abcdef0123"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


async def test_defect_site_through_the_api_and_a_worker(
    dsn: str, pool: asyncpg.Pool, site_factory, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    expected = defects.build(site)
    client = await aiohttp_client(api_app(settings_for(dsn, api_token=TOKEN)), headers=AUTH)
    async with serve(worker_app.create_app(settings_for(dsn))):
        resp = await client.post(
            "/api/crawls",
            json={"url": site.url("/"), "max_rps": 1000, "concurrency": 8,
                  "thresholds": {"slow_response_ms": defects.SLOW_THRESHOLD_MS}},
        )  # fmt: skip
        assert resp.status == 201, await resp.text()
        crawl_id = uuid.UUID((await resp.json())["id"])

        async def done() -> bool:
            return await crawl_status(pool, crawl_id) in ("completed", "failed")

        await wait_until(dsn, done, timeout=60, what="the crawl to finish")
    crawl = await (await client.get(f"/api/crawls/{crawl_id}")).json()
    assert crawl["status"] == "completed", crawl

    summary = await (await client.get(f"/api/crawls/{crawl_id}/issues?lang=ru")).json()
    counts = {row["code"]: row["count"] for row in summary["items"]}
    wanted = {}
    for codes in expected.values():
        for code in codes:
            wanted[code] = wanted.get(code, 0) + 1
    assert counts == wanted
    assert crawl["issues_count"] == sum(wanted.values())
    broken = next(row for row in summary["items"] if row["code"] == "broken_internal_link")
    assert broken["severity"] == "error" and broken["title"] == "Битая внутренняя ссылка" and broken["fix"]

    listing = await (await client.get(f"/api/crawls/{crawl_id}/issues?code=orphan_page")).json()
    assert [u["url"] for u in listing["urls"]] == [site.url("/orphan")]

    resp = await client.get(f"/api/crawls/{crawl_id}/export?format=csv&what=issues&lang=ru")
    assert resp.status == 200
    rows = list(csv.DictReader(io.StringIO((await resp.read()).decode("utf-8-sig"))))
    # one row per finding: a page's issue with each thing its rule saw (the hub's four broken links)
    assert len({(r["url"], r["code"]) for r in rows}) == sum(wanted.values())
    broken = [r for r in rows if r["code"] == "broken_internal_link"]
    assert len(broken) == 4 and all(r["target"] and r["status"] for r in broken[:3])
    assert {r["title"] for r in rows if r["code"] == "title_missing"} == {"Нет тега title"}

    resp = await client.get(f"/api/crawls/{crawl_id}/sitemap.xml")
    sitemap = await resp.text()
    assert resp.status == 200 and site.url("/clean-1") in sitemap and site.url("/noindex-page") not in sitemap
