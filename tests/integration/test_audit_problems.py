"""Template issues: the summary reports a code on (nearly) every page once, as site-wide, per-page rows kept."""

from __future__ import annotations

import asyncpg

from services.api.app import create_app
from shared.platform.settings import Settings
from tests.integration.crawlharness import crawl
from tests.sites import Site, defects

TOKEN = "test-token-problems-0123456789abcdef0123456789"


async def test_a_tag_missing_on_every_page_is_one_problem(
    pool: asyncpg.Pool, site_factory, dsn: str, aiohttp_client
) -> None:  # type: ignore[no-untyped-def]
    site: Site = await site_factory()
    base = site.url("")
    paths = [f"/article-{i}" for i in range(12)]
    site.page("/", defects.html("/", base=base, links=paths, description=None))
    site.page("/robots.txt", "User-agent: *\nDisallow:\n", content_type="text/plain")
    for path in paths:
        # every page lacks its description (the template's fault); one page also has a short title
        title = "Short" if path == "/article-0" else ""
        site.page(path, defects.html(path, base=base, description=None, title=title))
    job = await crawl(pool, url=site.url("/"))

    client = await aiohttp_client(create_app(Settings(database_url=dsn, api_token=TOKEN)),
                                  headers={"Authorization": f"Bearer {TOKEN}"})  # fmt: skip
    body = await (await client.get(f"/api/crawls/{job.crawl_id}/issues")).json()
    rows = {r["code"]: r for r in body["items"]}
    assert rows["meta_description_missing"]["count"] == 13 and rows["meta_description_missing"]["site_wide"]
    assert rows["title_too_short"]["count"] == 1 and not rows["title_too_short"]["site_wide"]
    # per severity: a site-wide code is one problem, every other code one per page
    for severity in ("error", "warning", "notice"):
        same = [r for r in body["items"] if r["severity"] == severity]
        assert body["totals"][severity] == sum(r["count"] for r in same)
        assert body["problems"][severity] == sum(1 if r["site_wide"] else r["count"] for r in same)
    assert body["problems"]["warning"] <= body["totals"]["warning"] - 12  # the missing description is one fix
    # the per-page findings are all still there
    listed = await (await client.get(f"/api/crawls/{job.crawl_id}/issues?code=meta_description_missing")).json()
    assert len(listed["urls"]) == 13
