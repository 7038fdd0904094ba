"""The alert scenario end to end: a schedule crawls a local site, the site changes, the next crawl raises exactly
the expected alerts and each is delivered once to each real receiver; then a receiver fails three times and the
fourth attempt delivers, with the same delivery id.

The api, a worker and the scheduler run as in production (their ``create_app``), on one database.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import aiohttp
import asyncpg

from services.api.app import create_app as create_api
from services.scheduler import cron
from services.scheduler.app import create_app as create_scheduler
from services.worker.app import create_app as create_worker
from shared.eventlog import eventstore, rebuild
from tests.integration.receivers import Receivers, channel_bodies, running_receivers
from tests.integration.service_support import serve, settings_for, wait_until
from tests.integration.test_compare import clean_page
from tests.sites import Site

TOKEN = "test-token-alert-scenario-0123456789abcdef0123456789"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
ROBOTS = "User-agent: *\nDisallow: /private\n"

RULES = [
    {"kind": "crawl_failed"},
    {"kind": "pages_broken", "params": {"min_pages": 1}},
    {"kind": "pages_noindexed", "params": {"min_pages": 1}},
    {"kind": "robots_changed"},
    {"kind": "new_issues", "params": {"severity": "error", "codes": ["status_5xx"]}},
    # These must stay quiet: nothing of theirs changes.
    {"kind": "pages_removed", "params": {"min_pages": 1}},
    {"kind": "field_changed", "params": {"field": "title", "min_pages": 1}},
    {"kind": "sitemap_changed", "params": {"min_percent": 1}},
    {"kind": "watch_urls", "params": {"urls": ["__SITE__/c"]}},
]
EXPECTED = {"pages_broken", "pages_noindexed", "robots_changed", "new_issues"}


def _site_pages(site: Site) -> None:
    site.page("/", clean_page("/", "The home page of the monitored test site", ["/a", "/b", "/c"]))
    for path in ("/a", "/b", "/c"):
        site.page(path, clean_page(path, f"The page {path} of the monitored test site", ["/"]))
    site.page("/robots.txt", ROBOTS, content_type="text/plain")


async def _crawl_checked(pool: asyncpg.Pool, dsn: str, schedule_id: uuid.UUID, fire_time: datetime) -> uuid.UUID:
    """Fire the schedule (what the scheduler does at the cron time); wait until the crawl's alerts are checked."""
    async with pool.acquire() as conn:
        crawl_id = await cron.fire(conn, schedule_id, fire_time)
    assert crawl_id is not None

    async def checked() -> bool:
        async with pool.acquire() as conn:
            types = [e.type for e in await eventstore.read_stream(conn, f"crawl-{crawl_id}")]
        return "AlertsChecked" in types

    await wait_until(dsn, checked, timeout=60, what="the crawl and its alert check")
    return crawl_id


async def _all_settled(pool: asyncpg.Pool, dsn: str) -> None:
    async def settled() -> bool:
        async with pool.acquire() as conn:
            return bool(await conn.fetchval("SELECT count(*) = 0 FROM deliveries WHERE status = 'pending'"))

    await wait_until(dsn, settled, timeout=60, what="every delivery delivered or failed")


async def _alerts(http: aiohttp.ClientSession, api: str, site_id: str, crawl_id: uuid.UUID) -> list[dict[str, Any]]:
    async with http.get(f"{api}/api/alerts", params={"site_id": site_id, "limit": "200"}) as resp:
        items: list[dict[str, Any]] = (await resp.json())["items"]
    return [a for a in items if a["crawl_id"] == str(crawl_id)]


def _received(rx: Receivers) -> dict[str, int]:
    return {"webhook": len(rx.delivered_webhooks()), "slack": len(rx.slack), "telegram": len(rx.telegram),
            "email": len(rx.mails)}  # fmt: skip


async def test_site_changes_raise_exactly_the_expected_alerts_each_delivered_once_per_channel(
    dsn: str, pool: asyncpg.Pool, site_factory: Any
) -> None:
    site: Site = await site_factory()
    _site_pages(site)
    async with running_receivers() as rx:
        settings = settings_for(
            dsn, api_token=TOKEN, secret_key="scenario-secret-key-0123456789", public_url="https://seo.example",
            slack_api_url=rx.slack_api_url, telegram_api_url=rx.telegram_api_url, delivery_retry_base_seconds=0.05,
            delivery_retry_max_seconds=0.2, delivery_timeout_seconds=5, lease_seconds=10, heartbeat_seconds=1,
        )  # fmt: skip
        async with (
            serve(create_api(settings)) as api,
            serve(create_worker(settings)),
            serve(create_scheduler(settings)),
            aiohttp.ClientSession(headers=AUTH) as http,
        ):
            body = {"url": site.url("/"), "cron": "0 3 * * *", "timezone": "UTC",
                    "settings": {"max_rps": 200, "concurrency": 8}}  # fmt: skip
            async with http.post(f"{api}/api/schedules", json=body) as resp:
                schedule = await resp.json()
                assert resp.status == 201, schedule
            site_id, schedule_id = schedule["site_id"], uuid.UUID(schedule["id"])
            channel_ids = []
            for channel in channel_bodies(rx).values():
                async with http.post(f"{api}/api/channels", json=channel) as resp:
                    channel_ids.append((await resp.json())["id"])
            for rule in RULES:
                rule = {**rule, "channels": channel_ids}
                if rule["kind"] == "watch_urls":
                    rule["params"] = {"urls": [site.url("/c")]}
                async with http.post(f"{api}/api/sites/{site_id}/alert-rules", json=rule) as resp:
                    assert resp.status == 201, await resp.text()
            created = datetime.fromisoformat(schedule["created_at"])
            first_fire = cron.next_fire("0 3 * * *", "UTC", created)

            # The first crawl has nothing to compare with: no alert.
            first = await _crawl_checked(pool, dsn, schedule_id, first_fire)
            assert await _alerts(http, api, site_id, first) == []

            # The site changes: /a breaks, /b says noindex, robots.txt gains a line.
            site.page("/a", "<html><body>down</body></html>", status=500)
            site.page("/b", clean_page("/b", "The page /b of the monitored test site", ["/"]).replace(
                "<head>", '<head><meta name="robots" content="noindex">'))  # fmt: skip
            site.page("/robots.txt", ROBOTS + "Disallow: /tmp\n", content_type="text/plain")
            second_fire = cron.next_fire("0 3 * * *", "UTC", first_fire)
            second = await _crawl_checked(pool, dsn, schedule_id, second_fire)
            await _all_settled(pool, dsn)

            alerts = await _alerts(http, api, site_id, second)
            assert {a["kind"] for a in alerts} == EXPECTED and len(alerts) == len(EXPECTED)
            by_kind = {a["kind"]: a for a in alerts}
            assert by_kind["pages_broken"]["evidence"]["items"] == [
                {"url": site.url("/a"), "before": 200, "after": "500"}
            ]
            assert [i["url"] for i in by_kind["pages_noindexed"]["evidence"]["items"]] == [site.url("/b")]
            assert "+Disallow: /tmp" in by_kind["robots_changed"]["evidence"]["diff"]
            async with http.get(f"{api}/api/crawls/{second}/robots") as resp:
                robots = await resp.json()
            assert robots["body"] == ROBOTS + "Disallow: /tmp\n" and robots["robots_txt"]["status"] == 200
            assert robots["previous_crawl_id"] == str(first) and "+Disallow: /tmp" in robots["diff"]
            assert by_kind["new_issues"]["evidence"]["items"] == [
                {"url": site.url("/a"), "code": "status_5xx", "severity": "error"}
            ]
            assert all(a["evidence"]["link"] == f"/crawls/{second}/compare/{first}" for a in alerts)
            for alert in alerts:
                assert sorted(d["channel_id"] for d in alert["deliveries"]) == sorted(channel_ids)
                assert {(d["status"], d["attempts"]) for d in alert["deliveries"]} == {("delivered", 1)}

            # Each alert reached each channel exactly once.
            assert _received(rx) == {"webhook": 4, "slack": 4, "telegram": 4, "email": 4}
            hooks = rx.delivered_webhooks()
            assert all(h.verified and h.headers["X-SEO-Event"] == "alert.raised" for h in hooks)
            assert len({h.headers["X-SEO-Delivery"] for h in hooks}) == 4
            assert {h.json["alert"]["kind"] for h in hooks} == EXPECTED
            assert all(h.json["alert"]["link"] == f"https://seo.example/crawls/{second}/compare/{first}" for h in hooks)
            assert any(site.url("/a") in m["text"] for m in rx.slack)
            assert any("robots.txt" in str(m["Subject"]) for m in rx.mails)

            # The webhook fails three times, then takes the fourth attempt: the same delivery id each time.
            rx.fail_first = 3
            site.page("/c", "<html><body>gone</body></html>", status=503)
            third_fire = cron.next_fire("0 3 * * *", "UTC", second_fire)
            third = await _crawl_checked(pool, dsn, schedule_id, third_fire)
            await _all_settled(pool, dsn)
            third_alerts = await _alerts(http, api, site_id, third)
            assert {a["kind"] for a in third_alerts} == {"pages_broken", "new_issues", "watch_urls"}
            third_ids = {d["id"] for a in third_alerts for d in a["deliveries"]}
            attempts = Counter(
                r.headers["X-SEO-Delivery"] for r in rx.webhook if r.headers["X-SEO-Delivery"] in third_ids
            )
            assert len(attempts) == 3 and set(attempts.values()) == {4}
            for alert in third_alerts:
                hook = next(d for d in alert["deliveries"] if d["channel_type"] == "webhook")
                assert (hook["status"], hook["attempts"]) == ("delivered", 4)
                assert hook["last_error"] == 'the webhook answered HTTP 500: {"ok": false}'
                others = [d for d in alert["deliveries"] if d["channel_type"] != "webhook"]
                assert {(d["status"], d["attempts"]) for d in others} == {("delivered", 1)}
            assert _received(rx) == {"webhook": 7, "slack": 7, "telegram": 7, "email": 7}

            # Alerts, deliveries and their channels are projections: a rebuild gives the same rows.
            async with pool.acquire() as conn:
                live = await _rows(conn)
                await rebuild.rebuild(conn)
                assert await _rows(conn) == live


async def _rows(conn: asyncpg.Connection) -> dict[str, list[str]]:
    out = {}
    for table in ("alerts", "deliveries", "channels", "alert_rules", "crawl_files", "alert_checks", "sites"):
        out[table] = sorted(str(sorted(dict(r).items())) for r in await conn.fetch(f"SELECT * FROM {table}"))  # noqa: S608
    return out
