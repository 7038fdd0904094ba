"""Sites: made by the first crawl of an origin, their defaults, health scores and history, over the real api."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from services.api.app import create_app
from services.scheduler import cron
from services.worker import queue
from shared.eventlog import crawlstream, eventstore, rebuild, streams
from shared.eventlog import events as ev
from shared.model.crawlsettings import CrawlSettings
from shared.platform.settings import Settings
from tests.integration.crawlharness import WORKER, crawl
from tests.integration.test_compare import clean_page
from tests.sites import Site

TOKEN = "test-token-sites-0123456789abcdef0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
PROJECTED = ("sites", "crawls", "crawl_summaries", "schedules")


async def _client(dsn: str, aiohttp_client: Any) -> Any:
    settings = Settings(database_url=dsn, api_token=TOKEN, allow_private_networks=True)
    return await aiohttp_client(create_app(settings), headers=AUTH)


async def snapshot(conn: asyncpg.Connection, tables: tuple[str, ...] = PROJECTED) -> dict[str, list[dict[str, Any]]]:
    """Every row of ``tables`` in a stable order (to compare live projections with rebuilt ones)."""
    out = {}
    for table in tables:
        rows = await conn.fetch(f"SELECT * FROM {table}")  # noqa: S608 - our own table names
        out[table] = sorted((dict(r) for r in rows), key=lambda r: str(sorted(r.items(), key=lambda kv: kv[0])))
    return out


async def test_the_first_crawl_of_an_origin_makes_its_site_and_later_ones_join_it(
    dsn: str, pool: asyncpg.Pool, aiohttp_client: Any
) -> None:
    client = await _client(dsn, aiohttp_client)
    first = await (await client.post("/api/crawls", json={"url": "https://Example.com:443/a"})).json()
    second = await (await client.post("/api/crawls", json={"url": "https://example.com/b"})).json()
    other = await (await client.post("/api/crawls", json={"url": "http://example.com/"})).json()
    assert first["site_id"] and first["site_id"] == second["site_id"] != other["site_id"]

    sites = (await (await client.get("/api/sites")).json())["items"]
    assert sorted(s["origin"] for s in sites) == ["http://example.com", "https://example.com"]
    https = next(s for s in sites if s["origin"] == "https://example.com")
    assert https["name"] == "example.com" and https["crawls_count"] == 2
    assert https["latest_crawl"]["id"] == second["id"] and https["health_score"] is None
    assert https["settings"] == {"crawl": {}, "retention": 20}

    listed = await (await client.get(f"/api/crawls?site_id={first['site_id']}")).json()
    assert {c["id"] for c in listed["items"]} == {first["id"], second["id"]}
    async with pool.acquire() as conn:
        types = [e.type for e in await eventstore.read_stream(conn, f"site-{first['site_id']}")]
    assert types == ["SiteCreated"]

    # An explicit site for an origin that has one is a conflict naming the existing site.
    resp = await client.post("/api/sites", json={"url": "https://example.com/"})
    problem = await resp.json()
    assert resp.status == 409 and problem["site_id"] == first["site_id"] and problem["errors"][0]["field"] == "url"


async def test_site_defaults_start_every_crawl_and_schedule_and_the_request_wins(
    dsn: str, pool: asyncpg.Pool, aiohttp_client: Any
) -> None:
    client = await _client(dsn, aiohttp_client)
    body = {"url": "https://shop.example/", "name": "Shop", "settings": {"crawl": {"max_pages": 7, "max_rps": 2}}}
    resp = await client.post("/api/sites", json=body)
    site = await resp.json()
    assert resp.status == 201 and resp.headers["Location"] == f"/api/sites/{site['id']}"
    assert site["name"] == "Shop" and site["settings"]["crawl"] == {"max_pages": 7, "max_rps": 2}

    crawl_ = await (await client.post("/api/crawls", json={"url": "https://shop.example/x", "max_rps": 3})).json()
    assert crawl_["site_id"] == site["id"]
    assert crawl_["settings"]["max_pages"] == 7 and crawl_["settings"]["max_rps"] == 3

    schedule = await (
        await client.post("/api/schedules", json={"url": "https://shop.example/", "cron": "0 3 * * *"})
    ).json()
    assert schedule["site_id"] == site["id"] and schedule["settings"]["max_pages"] == 7
    assert [s["id"] for s in (await (await client.get(f"/api/schedules?site_id={site['id']}")).json())["items"]] == [
        schedule["id"]
    ]
    # The scheduler's crawl names the schedule's site.
    async with pool.acquire() as conn:
        created = await conn.fetchval("SELECT created_at FROM schedules WHERE id = $1", uuid.UUID(schedule["id"]))
        fire_time = cron.next_fire("0 3 * * *", "UTC", created)
        crawl_id = await cron.fire(conn, uuid.UUID(schedule["id"]), fire_time)
        assert await conn.fetchval("SELECT site_id FROM crawls WHERE id = $1", crawl_id) == uuid.UUID(site["id"])
    card = await (await client.get(f"/api/sites/{site['id']}")).json()
    assert card["next_run_at"] is not None and card["crawls_count"] == 2

    # PATCH: rename, move the start URL within the origin, replace the settings; each an event.
    resp = await client.patch(
        f"/api/sites/{site['id']}",
        json={"name": "The shop", "url": "https://shop.example/start", "settings": {"retention": 3}},
    )
    patched = await resp.json()
    assert resp.status == 200, patched
    assert patched["name"] == "The shop" and patched["url"] == "https://shop.example/start"
    assert patched["settings"] == {"crawl": {}, "retention": 3}
    async with pool.acquire() as conn:
        types = [e.type for e in await eventstore.read_stream(conn, f"site-{site['id']}")]
    assert types == ["SiteCreated", "SiteSettingsChanged"]


async def test_a_schedule_follows_later_changes_of_its_sites_defaults_and_its_own_settings_win(
    dsn: str, pool: asyncpg.Pool, aiohttp_client: Any
) -> None:
    client = await _client(dsn, aiohttp_client)
    body = {"url": "https://follow.example/", "settings": {"crawl": {"max_pages": 7, "max_rps": 2}}}
    site = await (await client.post("/api/sites", json=body)).json()
    resp = await client.post(
        "/api/schedules", json={"url": "https://follow.example/", "cron": "0 3 * * *", "settings": {"max_rps": 4}}
    )
    schedule = await resp.json()
    assert resp.status == 201, schedule
    assert schedule["settings"]["max_pages"] == 7 and schedule["settings"]["max_rps"] == 4

    # The site's defaults change after the schedule was made: its next crawl starts from the new ones,
    # and the schedule's own max_rps still wins over the site's.
    changed = {"settings": {"crawl": {"max_pages": 9, "max_rps": 1, "max_depth": 3}, "retention": 20}}
    assert (await client.patch(f"/api/sites/{site['id']}", json=changed)).status == 200
    shown = await (await client.get(f"/api/schedules/{schedule['id']}")).json()
    assert shown["own_settings"] == {"max_rps": 4, "url": "https://follow.example/"}
    assert (shown["settings"]["max_pages"], shown["settings"]["max_depth"], shown["settings"]["max_rps"]) == (9, 3, 4)
    async with pool.acquire() as conn:
        created = await conn.fetchval("SELECT created_at FROM schedules WHERE id = $1", uuid.UUID(schedule["id"]))
        crawl_id = await cron.fire(conn, uuid.UUID(schedule["id"]), cron.next_fire("0 3 * * *", "UTC", created))
        assert crawl_id is not None
    started = await (await client.get(f"/api/crawls/{crawl_id}")).json()
    assert started["settings"]["max_pages"] == 9 and started["settings"]["max_depth"] == 3
    assert started["settings"]["max_rps"] == 4 and started["site_id"] == site["id"]

    # Defaults that no longer fit the schedule (a start URL they exclude) leave it on the settings it was
    # made with, rather than firing a crawl that cannot start.
    misfit = {"settings": {"crawl": {"exclude": ["^https://follow"]}, "retention": 20}}
    assert (await client.patch(f"/api/sites/{site['id']}", json=misfit)).status == 200
    shown = await (await client.get(f"/api/schedules/{schedule['id']}")).json()
    assert shown["settings"]["exclude"] == [] and shown["settings"]["max_pages"] == 7

    async with pool.acquire() as conn:
        live = await snapshot(conn)
        await rebuild.rebuild(conn)
        assert await snapshot(conn) == live


async def test_bad_site_input_names_the_field(dsn: str, aiohttp_client: Any) -> None:
    client = await _client(dsn, aiohttp_client)
    cases = [
        ({"url": "ftp://example.com/"}, "url"),
        ({"url": "https://example.com/", "settings": {"retention": -1}}, "settings.retention"),
        ({"url": "https://example.com/", "settings": {"crawl": {"url": "https://x/"}}}, "settings.crawl"),
        ({"url": "https://example.com/", "settings": {"crawl": {"max_pages": 0}}}, "settings.crawl.max_pages"),
        ({"url": "https://example.com/", "bogus": 1}, "bogus"),
    ]
    for body, field in cases:
        resp = await client.post("/api/sites", json=body)
        problem = await resp.json()
        assert resp.status == 422, (body, problem)
        assert field in [e["field"] for e in problem["errors"]], (body, problem)
    site = await (await client.post("/api/sites", json={"url": "https://example.com/"})).json()
    resp = await client.patch(f"/api/sites/{site['id']}", json={"url": "https://elsewhere.example/"})
    assert resp.status == 422 and (await resp.json())["errors"][0]["field"] == "url"
    for path in (f"/api/sites/{uuid.uuid4()}", "/api/sites/nope", f"/api/sites/{uuid.uuid4()}/history"):
        assert (await client.get(path)).status == 404


def _expected_health(pages: list[asyncpg.Record], issues: list[asyncpg.Record]) -> float | None:
    """The health score as docs/AUDIT.md defines it, computed here independently of the SQL."""
    by_page: dict[int, list[asyncpg.Record]] = {}
    for issue in issues:
        by_page.setdefault(issue["page_id"], []).append(issue)
    values = []
    for page in pages:
        broken = page["error"] is not None or (page["status_code"] or 0) >= 400
        good = page["status_code"] is not None and 200 <= page["status_code"] < 300 and page["indexable"]
        if page["blocked_by_robots"] or not (broken or good):
            continue
        found = by_page.get(page["id"], [])
        if any(i["severity"] == "error" for i in found):
            values.append(0.0)
        else:
            warnings = {i["code"] for i in found if i["severity"] == "warning"}
            values.append(1 - 0.1 * min(len(warnings), 5))
    return round(100 * sum(values) / len(values), 1) if values else None


async def _crawl_to_completion(pool: asyncpg.Pool, url: str, site_id: uuid.UUID | None = None) -> uuid.UUID:
    job = await crawl(pool, url=url, use_sitemaps=False, site_id=site_id)
    async with pool.acquire() as conn:
        outcome = queue.Outcome("completed")
        event = await queue.finish(conn, job.crawl_id, job.attempt, outcome, worker_id=WORKER, settings=Settings())
    assert event is not None and event.type_name() == "CrawlCompleted"
    return job.crawl_id


async def test_a_completed_crawl_gets_its_health_score_and_the_site_its_history(
    dsn: str, pool: asyncpg.Pool, aiohttp_client: Any, site_factory: Any
) -> None:
    site: Site = await site_factory()
    site.page("/", clean_page("/", "The home page of a site that is tested here", ["/a", "/b", "/gone"]))
    site.page("/a", clean_page("/a", "", ["/"]))  # no title: an error
    site.page("/b", "<html><head><title>Thin</title></head><body><p>few words</p><a href='/'>home</a></body></html>")
    # /gone answers 404: a broken URL, in scope and an error

    client = await _client(dsn, aiohttp_client)
    created = await (await client.post("/api/sites", json={"url": site.url("/")})).json()
    site_id = uuid.UUID(created["id"])
    first = await _crawl_to_completion(pool, site.url("/"), site_id)

    async with pool.acquire() as conn:
        pages = await conn.fetch("SELECT * FROM pages WHERE crawl_id = $1", first)
        issues = await conn.fetch("SELECT * FROM issues WHERE crawl_id = $1", first)
        summary = await conn.fetchrow("SELECT * FROM crawl_summaries WHERE crawl_id = $1", first)
        types = [e.type for e in await eventstore.read_stream(conn, f"crawl-{first}")]
    assert types[-2:] == ["CrawlCompleted", "CrawlSummarized"]
    expected = _expected_health(pages, issues)
    assert expected is not None and 0 < expected < 100
    assert summary["health_score"] == expected
    # Errors: / (links to a broken URL), /a (no title) and /gone (404); /b has only warnings.
    assert summary["pages_in_scope"] == 4 and summary["pages_with_errors"] == 3
    assert summary["errors"] == sum(1 for i in issues if i["severity"] == "error")
    assert summary["pages_crawled"] == len(pages) and summary["indexable_pages"] == sum(p["indexable"] for p in pages)
    assert summary["response_time_p50"] is not None and summary["response_time_p95"] >= summary["response_time_p50"]

    # The site is fixed: the next crawl is healthier, and the card says by how much.
    site.page("/a", clean_page("/a", "The page called a, with a title of a good length", ["/"]))
    site.page("/", clean_page("/", "The home page of a site that is tested here", ["/a", "/b"]))
    second = await _crawl_to_completion(pool, site.url("/"), site_id)

    card = await (await client.get(f"/api/sites/{site_id}")).json()
    history = await (await client.get(f"/api/sites/{site_id}/history")).json()
    async with pool.acquire() as conn:
        second_score = await conn.fetchval("SELECT health_score FROM crawl_summaries WHERE crawl_id = $1", second)
    assert second_score > expected
    assert card["last_completed_crawl_id"] == str(second) and card["previous_completed_crawl_id"] == str(first)
    assert card["health_score"] == second_score and card["health_change"] == round(second_score - expected, 1)
    assert card["health_trend"] == [expected, second_score]
    assert card["issues"]["error"] < summary["errors"]
    assert [row["crawl_id"] for row in history["items"]] == [str(first), str(second)]
    assert history["items"][0]["health_score"] == expected
    assert history["items"][0]["issues"]["error"] == summary["errors"]
    assert history["items"][1]["response_time_p95"] is not None
    assert len((await (await client.get(f"/api/sites/{site_id}/history?limit=1")).json())["items"]) == 1
    crawl_ = await (await client.get(f"/api/crawls/{second}")).json()
    assert crawl_["health_score"] == second_score

    # Every table here is a projection: a rebuild from the log gives the same rows.
    async with pool.acquire() as conn:
        live = await snapshot(conn)
        await rebuild.rebuild(conn)
        assert await snapshot(conn) == live


async def test_deleting_a_site_deletes_its_schedules_and_rules_and_keeps_its_crawls_without_a_site(
    dsn: str, pool: asyncpg.Pool, aiohttp_client: Any
) -> None:
    client = await _client(dsn, aiohttp_client)
    schedule = await (
        await client.post("/api/schedules", json={"url": "https://gone.example/", "cron": "0 3 * * *"})
    ).json()
    site_id = schedule["site_id"]
    crawled = await (await client.post("/api/crawls", json={"url": "https://gone.example/page"})).json()
    assert crawled["site_id"] == site_id
    rule = {"kind": "crawl_failed", "params": {}, "channels": []}
    assert (await client.post(f"/api/sites/{site_id}/alert-rules", json=rule)).status == 201

    assert (await client.delete(f"/api/sites/{site_id}")).status == 204
    assert (await client.get(f"/api/sites/{site_id}")).status == 404
    assert (await client.get(f"/api/schedules/{schedule['id']}")).status == 404
    assert (await client.delete(f"/api/sites/{site_id}")).status == 404
    async with pool.acquire() as conn:
        types = [e.type for e in await eventstore.read_stream(conn, f"site-{site_id}")]
        assert await conn.fetchval("SELECT count(*) FROM alert_rules WHERE site_id = $1", uuid.UUID(site_id)) == 0
    assert types == ["SiteCreated", "SiteDeleted"]
    # The crawl stays, with no site: in the list, openable, not pointing at a site that is gone.
    kept = await (await client.get(f"/api/crawls/{crawled['id']}")).json()
    assert kept["site_id"] is None and kept["url"] == "https://gone.example/page"
    listed = {c["id"]: c for c in (await (await client.get("/api/crawls")).json())["items"]}
    assert listed[crawled["id"]]["site_id"] is None
    assert (await (await client.get(f"/api/crawls?site_id={site_id}")).json())["items"] == []
    # A later crawl of the origin makes a new site; the old crawl does not join it.
    again = await (await client.post("/api/crawls", json={"url": "https://gone.example/"})).json()
    assert again["site_id"] not in (None, site_id)
    assert (await (await client.get(f"/api/crawls/{crawled['id']}")).json())["site_id"] is None

    async with pool.acquire() as conn:
        live = await snapshot(conn)
        await rebuild.rebuild(conn)
        assert await snapshot(conn) == live


async def test_a_crawl_requested_while_its_site_is_deleted_belongs_to_no_site(dsn: str, pool: asyncpg.Pool) -> None:
    site_id, crawl_id = uuid.uuid4(), uuid.uuid4()
    async with pool.acquire() as conn:
        created = ev.SiteCreated(site_id=site_id, origin="https://race.example", url="https://race.example/",
                                 name="race.example")  # fmt: skip
        await streams.append(conn, ev.site_stream(site_id), [created])
        await streams.append(conn, ev.site_stream(site_id), [ev.SiteDeleted(site_id=site_id)])
        # The api read the site before the delete committed: the crawl still names it.
        settings = CrawlSettings(url="https://race.example/")
        await crawlstream.start(conn, ev.CrawlRequested(crawl_id=crawl_id, settings=settings, site_id=site_id),
                                actor="test")  # fmt: skip
        assert await conn.fetchval("SELECT site_id FROM crawls WHERE id = $1", crawl_id) is None
        live = await snapshot(conn)
        await rebuild.rebuild(conn)
        assert await snapshot(conn) == live
