"""The worker's claim loop against a real Postgres: woken by NOTIFY, never polling, never losing a wake-up."""

from __future__ import annotations

import asyncio
import statistics
import uuid

import aiohttp
import asyncpg

from services.worker import app as worker_app
from services.worker.job import CrawlJob
from tests.integration import worker_bodies
from tests.integration.service_support import (
    crawl_status,
    request_crawl,
    serve,
    settings_for,
    stream,
    stream_types,
    wait_for_state,
    wait_for_types,
)

COMPLETED = ["CrawlRequested", "CrawlStarted", "CrawlCompleted"]


async def _idle(worker: worker_app.Worker) -> None:
    """Wait until the worker is connected and its start-up claim has run and found nothing."""
    await asyncio.wait_for(worker.listener.connected.wait(), 10)
    await wait_for_state(
        lambda: worker.metrics.claim_queries._value.get() >= 1 and not worker.wake.is_set(), what="an idle worker"
    )


def _claims(worker: worker_app.Worker) -> float:
    return worker.metrics.claim_queries._value.get()


async def test_notify_wakes_an_idle_worker_within_100ms_and_nothing_polls(dsn: str, pool: asyncpg.Pool) -> None:
    app = worker_app.create_app(settings_for(dsn), job_body=worker_bodies.completes_at_once)
    async with serve(app):
        worker = app[worker_app.WORKER]
        await _idle(worker)
        # Idle: no claim query runs by itself (there is no poll timer to run one).
        before = _claims(worker)
        await asyncio.sleep(0.5)
        assert _claims(worker) == before

        latencies = []
        for _ in range(5):
            crawl_id = await request_crawl(pool)
            await wait_for_types(dsn, pool, crawl_id, COMPLETED)
            events = await stream(pool, crawl_id)
            latencies.append((events[1].recorded_at - events[0].recorded_at).total_seconds())
        assert statistics.median(latencies) < 0.1, latencies
        # The crawl's times show it: started a few ms after it was created.
        async with pool.acquire() as conn:
            row = await conn.fetchrow("SELECT created_at, started_at, status FROM crawls WHERE id = $1", crawl_id)
        assert row["status"] == "completed"
        assert row["started_at"] > row["created_at"]


async def test_a_notification_during_an_empty_claim_is_not_lost(dsn: str, pool: asyncpg.Pool) -> None:
    app = worker_app.create_app(settings_for(dsn), job_body=worker_bodies.completes_at_once)
    async with serve(app):
        worker = app[worker_app.WORKER]
        await _idle(worker)
        real_claim = worker.claim_once
        appended: list[uuid.UUID] = []

        async def claim_with_work_arriving_midway() -> bool:
            found = await real_claim()
            if not appended:
                # Work arrives after the claim query found nothing but before the loop goes back to
                # sleep: its NOTIFY must not be swallowed.
                assert found is False
                appended.append(await request_crawl(pool))
                await asyncio.wait_for(worker.wake.wait(), 5)  # the notification reached the worker
            return found

        worker.claim_once = claim_with_work_arriving_midway  # type: ignore[method-assign]
        worker.wake.set()  # one claim, as after a finished crawl
        await wait_for_state(lambda: bool(appended), what="the mid-claim append")
        # No poll timer exists: only the preserved wake-up flag can get this crawl claimed.
        await wait_for_types(dsn, pool, appended[0], COMPLETED, timeout=5)


async def test_listen_reconnect_finds_work_sent_while_away_and_health_names_it(
    dsn: str, pool: asyncpg.Pool, pg_server_dsn: str
) -> None:
    app = worker_app.create_app(settings_for(dsn), job_body=worker_bodies.completes_at_once)
    async with serve(app) as base, aiohttp.ClientSession() as http:
        worker = app[worker_app.WORKER]
        await _idle(worker)
        async with http.get(f"{base}/health") as resp:
            assert resp.status == 200
            assert (await resp.json())["checks"] == {"database": "ok", "listen": "ok", "outbox_listen": "ok"}

        async with pool.acquire() as conn:
            dbname = await conn.fetchval("SELECT current_database()")
        admin = await asyncpg.connect(pg_server_dsn)
        # Keep the listener out while work arrives, so its notification is certainly lost.
        await admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS false')
        await admin.execute("SELECT pg_terminate_backend($1)", worker.listener.server_pid)
        await wait_for_state(lambda: not worker.listener.is_connected, what="the listener to notice")
        async with http.get(f"{base}/health") as resp:
            assert resp.status == 503
            body = await resp.json()
            assert body["failing"] == ["listen"]
        crawl_id = await request_crawl(pool)
        assert await crawl_status(pool, crawl_id) == "queued"

        await admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS true')
        await admin.close()
        await wait_for_types(dsn, pool, crawl_id, COMPLETED)
        assert worker.listener.reconnects >= 1
        async with http.get(f"{base}/health") as resp:
            assert resp.status == 200


async def test_terminal_events_for_failures(dsn: str, pool: asyncpg.Pool) -> None:
    bodies = {
        "retryable": worker_bodies.fails_retryably,
        "final": worker_bodies.fails_for_good,
        "bug": worker_bodies.has_a_bug,
    }
    chosen: dict[uuid.UUID, str] = {}

    async def body(job: CrawlJob) -> None:
        await bodies[chosen[job.crawl_id]](job)

    settings = settings_for(dsn, retry_base_seconds=60, retry_max_attempts=3)
    app = worker_app.create_app(settings, job_body=body)
    async with serve(app):
        ids = {}
        for kind in bodies:
            crawl_id = uuid.uuid4()
            chosen[crawl_id] = kind
            ids[kind] = crawl_id
            await _append_requested(pool, crawl_id)
        retry = await wait_for_types(
            dsn, pool, ids["retryable"], ["CrawlRequested", "CrawlStarted", "CrawlAttemptFailed"]
        )
        final = await wait_for_types(dsn, pool, ids["final"], ["CrawlRequested", "CrawlStarted", "CrawlFailed"])
        bug = await wait_for_types(dsn, pool, ids["bug"], ["CrawlRequested", "CrawlStarted", "CrawlAttemptFailed"])
        assert len(retry) == len(final) == len(bug) == 3

    failed = (await stream(pool, ids["retryable"]))[2]
    # Backoff with jitter: between half and all of the base delay for the first retry.
    delay = (failed.data.retry_at - failed.recorded_at).total_seconds()  # type: ignore[attr-defined]
    assert 29 <= delay <= 61, delay
    assert failed.data.error == "the site answered 503 to every request"  # type: ignore[attr-defined]
    async with pool.acquire() as conn:
        rows = {r["id"]: r for r in await conn.fetch("SELECT id, status, error FROM crawls")}
        queue_row = await conn.fetchrow("SELECT * FROM parsequeue WHERE crawl_id = $1", ids["retryable"])
    assert rows[ids["final"]]["status"] == "failed"
    assert rows[ids["final"]]["error"] == "the start URL is not allowed by robots.txt"
    assert rows[ids["bug"]]["error"] == "internal error: ZeroDivisionError: division by zero"
    assert rows[ids["retryable"]]["status"] == "queued"
    assert queue_row["lease_owner"] is None and queue_row["available_at"] == failed.data.retry_at  # type: ignore[attr-defined]


async def _append_requested(pool: asyncpg.Pool, crawl_id: uuid.UUID) -> None:
    from shared.eventlog import events as ev
    from shared.eventlog import eventstore, streams
    from shared.model.crawlsettings import CrawlSettings

    async with pool.acquire() as conn:
        await streams.append(
            conn, ev.crawl_stream(crawl_id),
            [ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url="https://example.com/"))],
            expected_version=eventstore.NO_STREAM,
        )  # fmt: skip


async def test_concurrency_limit_and_cancel_frees_a_slot(dsn: str, pool: asyncpg.Pool) -> None:
    app = worker_app.create_app(settings_for(dsn, worker_concurrency=2), job_body=worker_bodies.until_stopped)
    async with serve(app), aiohttp.ClientSession():
        worker = app[worker_app.WORKER]
        await _idle(worker)
        first, second, third = [await request_crawl(pool) for _ in range(3)]
        await wait_for_types(dsn, pool, first, ["CrawlRequested", "CrawlStarted"])
        await wait_for_types(dsn, pool, second, ["CrawlRequested", "CrawlStarted"])
        assert await stream_types(pool, third) == ["CrawlRequested"]
        assert len(worker.jobs) == 2

        # Cancel one through the log (as the api does): its worker stops it, the slot goes to the third.
        from shared.eventlog import events as ev
        from shared.eventlog import streams

        async with pool.acquire() as conn:
            await streams.append(conn, ev.crawl_stream(first), [ev.CrawlCancelled(crawl_id=first)])
        await wait_for_types(dsn, pool, third, ["CrawlRequested", "CrawlStarted"])
        assert await stream_types(pool, first) == ["CrawlRequested", "CrawlStarted", "CrawlCancelled"]
        assert await crawl_status(pool, first) == "cancelled"

        # Pause the second: stopped, no terminal event of the worker's own.
        async with pool.acquire() as conn:
            await streams.append(conn, ev.crawl_stream(second), [ev.CrawlPaused(crawl_id=second)])
        await wait_for_state(lambda: second not in worker.jobs, what="the paused crawl to stop")
        assert await stream_types(pool, second) == ["CrawlRequested", "CrawlStarted", "CrawlPaused"]
        assert await crawl_status(pool, second) == "paused"


async def test_several_workers_claim_each_crawl_exactly_once(dsn: str, pool: asyncpg.Pool) -> None:
    body = worker_bodies.completes_at_once
    apps = [worker_app.create_app(settings_for(dsn, worker_concurrency=2), job_body=body) for _ in range(2)]
    async with serve(apps[0]), serve(apps[1]):
        ids = [await request_crawl(pool) for _ in range(12)]
        for crawl_id in ids:
            await wait_for_types(dsn, pool, crawl_id, COMPLETED)
    for crawl_id in ids:  # each completed once, with its summary (for the site's trends)
        assert await stream_types(pool, crawl_id) == [*COMPLETED, "CrawlSummarized"]
    claims = [a[worker_app.WORKER].metrics.claims._value.get() for a in apps]
    assert sum(claims) == 12


async def test_shutdown_hands_running_crawls_back_and_another_worker_claims_at_once(
    dsn: str, pool: asyncpg.Pool
) -> None:
    first = worker_app.create_app(settings_for(dsn, lease_seconds=60), job_body=worker_bodies.until_stopped)
    async with serve(first):
        crawl_id = await request_crawl(pool)
        await wait_for_types(dsn, pool, crawl_id, ["CrawlRequested", "CrawlStarted"])
        second = worker_app.create_app(settings_for(dsn, lease_seconds=60), job_body=worker_bodies.completes_at_once)
        async with serve(second):
            await _idle(second[worker_app.WORKER])
            await first.shutdown()
            await first.cleanup()  # the worker's stop: what SIGTERM runs
            types = await wait_for_types(
                dsn,
                pool,
                crawl_id,
                ["CrawlRequested", "CrawlStarted", "CrawlReleased", "CrawlStarted", "CrawlCompleted"],
            )
    events = await stream(pool, crawl_id)
    # Handed back at once, not after the 60 s lease: the second claim follows the release within a second.
    assert (events[3].recorded_at - events[2].recorded_at).total_seconds() < 1.0, types
    assert events[1].data.worker_id != events[3].data.worker_id  # type: ignore[attr-defined]


async def test_a_body_that_ignores_stop_is_cancelled_after_the_grace_period(dsn: str, pool: asyncpg.Pool) -> None:
    app = worker_app.create_app(settings_for(dsn, stop_grace_seconds=0.3), job_body=worker_bodies.ignores_stop)
    async with serve(app):
        crawl_id = await request_crawl(pool)
        await wait_for_types(dsn, pool, crawl_id, ["CrawlRequested", "CrawlStarted"])
        async with asyncio.timeout(10):
            await app.shutdown()
            await app.cleanup()
    assert await stream_types(pool, crawl_id) == ["CrawlRequested", "CrawlStarted", "CrawlReleased"]
    assert await crawl_status(pool, crawl_id) == "queued"


async def test_every_log_line_of_a_crawl_carries_its_crawl_id(dsn: str, pool: asyncpg.Pool) -> None:
    import structlog
    from structlog.testing import LogCapture

    capture = LogCapture()
    structlog.configure(processors=[structlog.contextvars.merge_contextvars, capture])
    crawl_log = structlog.get_logger("crawler-under-test")

    async def body(job: CrawlJob) -> None:
        crawl_log.info("fetched", url=job.settings.url)  # the crawler's own lines, nothing passed in

    try:
        app = worker_app.create_app(settings_for(dsn), job_body=body)
        async with serve(app):
            crawl_id = await request_crawl(pool)
            await wait_for_types(dsn, pool, crawl_id, COMPLETED)
            await wait_for_state(lambda: crawl_id not in app[worker_app.WORKER].jobs, what="the job to end")
    finally:
        structlog.reset_defaults()
    lines = [e for e in capture.entries if e["event"] in ("crawl claimed", "fetched", "crawl attempt ended")]
    assert [e["event"] for e in lines] == ["crawl claimed", "fetched", "crawl attempt ended"]
    assert all(e.get("crawl_id") == str(crawl_id) for e in lines), lines


async def test_a_lease_lost_while_alive_stops_the_crawl_and_it_never_runs_twice_at_once(
    dsn: str, pool: asyncpg.Pool
) -> None:
    from services.scheduler import app as scheduler_app

    running: set[uuid.UUID] = set()
    overlaps: list[uuid.UUID] = []
    stopped_for: list[str | None] = []

    async def body(job: CrawlJob) -> None:
        if job.crawl_id in running:
            overlaps.append(job.crawl_id)
        running.add(job.crawl_id)
        try:
            await job.stop.wait()
            stopped_for.append(job.stop_reason)
        finally:
            running.discard(job.crawl_id)

    # A heartbeat slower than the lease: the scheduler expires it while the worker still runs the crawl.
    worker = worker_app.create_app(
        settings_for(dsn, lease_seconds=0.4, heartbeat_seconds=0.8, worker_concurrency=2), job_body=body
    )
    scheduler = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.1))
    async with serve(worker), serve(scheduler):
        crawl_id = await request_crawl(pool)
        await wait_for_types(dsn, pool, crawl_id, ["CrawlRequested", "CrawlStarted", "LeaseExpired", "CrawlStarted"])
        await wait_for_state(lambda: bool(stopped_for), what="the first attempt to stop")
    events = await stream(pool, crawl_id)
    assert stopped_for[0] == "lease_lost"
    assert overlaps == []
    # The worker's first attempt appended nothing after the expiry: the re-claim follows it directly.
    assert [e.type for e in events[:4]] == ["CrawlRequested", "CrawlStarted", "LeaseExpired", "CrawlStarted"]
    assert events[3].data.attempt == 2  # type: ignore[attr-defined]
