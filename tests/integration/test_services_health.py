"""Worker and scheduler ``/health`` and ``/metrics``: 200 when they can serve, 503 naming what is failing."""

from __future__ import annotations

import asyncio

import aiohttp
import asyncpg

from services.scheduler import app as scheduler_app
from services.worker import app as worker_app
from tests.integration import worker_bodies
from tests.integration.service_support import request_crawl, serve, settings_for, wait_for_state, wait_for_types

_TERMINATE_ALL = """
SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()
"""


async def _health(http: aiohttp.ClientSession, base: str) -> tuple[int, dict[str, object]]:
    async with http.get(f"{base}/health") as response:
        return response.status, await response.json()


async def _wait_health(
    http: aiohttp.ClientSession, base: str, status: int, failing: list[str] | None = None, timeout: float = 20
) -> dict[str, object]:
    """Health as a monitor sees it: asked again until it reports ``status`` (bounded)."""
    body: dict[str, object] = {}
    try:
        async with asyncio.timeout(timeout):
            while True:
                code, body = await _health(http, base)
                if code == status and (failing is None or body.get("failing") == failing):
                    return body
                await asyncio.sleep(0.1)
    except TimeoutError:
        raise AssertionError(f"{base}/health never answered {status} {failing or ''}; last: {body}") from None


async def test_health_and_metrics_report_the_database_and_listen_connection(
    dsn: str, pool: asyncpg.Pool, pg_server_dsn: str
) -> None:
    worker = worker_app.create_app(settings_for(dsn), job_body=worker_bodies.completes_at_once)
    scheduler = scheduler_app.create_app(settings_for(dsn))
    async with serve(worker) as worker_url, serve(scheduler) as scheduler_url, aiohttp.ClientSession() as http:
        # The worker has a second LISTEN connection: its outbox (alert checks, deliveries, retention).
        for base, name, checks in (
            (worker_url, "worker", {"database": "ok", "listen": "ok", "outbox_listen": "ok"}),
            (scheduler_url, "scheduler", {"database": "ok", "listen": "ok"}),
        ):
            body = await _wait_health(http, base, 200)
            assert body == {"status": "ok", "service": name, "checks": checks}

        await wait_for_state(lambda: scheduler[scheduler_app.SCHEDULER].is_leader, what="the scheduler to lead")
        crawl_id = await request_crawl(pool)
        await wait_for_types(dsn, pool, crawl_id, ["CrawlRequested", "CrawlStarted", "CrawlCompleted"])
        async with http.get(f"{worker_url}/metrics") as response:
            assert response.status == 200
            text = await response.text()
        assert "seo_claims_total 1.0" in text
        assert "seo_wakeup_latency_seconds_count 1.0" in text
        assert "seo_queue_depth 0.0" in text
        async with http.get(f"{scheduler_url}/metrics") as response:
            text = await response.text()
        assert "seo_scheduler_leader 1.0" in text and "seo_lease_expiries_total" in text

        # The database goes away: both services say so, naming the failing checks.
        async with pool.acquire() as conn:
            dbname = await conn.fetchval("SELECT current_database()")
        admin = await asyncpg.connect(pg_server_dsn)
        try:
            await admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS false')
            await admin.execute(_TERMINATE_ALL, dbname)
            for base, failing in ((worker_url, ["database", "listen", "outbox_listen"]),
                                  (scheduler_url, ["database", "listen"])):  # fmt: skip
                body = await _wait_health(http, base, 503, failing)
                assert body["status"] == "unavailable"
                assert "database" in str(body["detail"])
        finally:
            await admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS true')
            await admin.close()
        # And they recover by themselves.
        for base in (worker_url, scheduler_url):
            await _wait_health(http, base, 200)
