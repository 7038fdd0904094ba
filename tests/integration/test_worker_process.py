"""``python -m services.worker`` as a real process: SIGKILL mid-crawl (lease expiry) and SIGTERM (hand-back)."""

from __future__ import annotations

import asyncio
import signal

import asyncpg

from services.scheduler import app as scheduler_app
from services.worker import app as worker_app
from tests.integration import worker_bodies
from tests.integration.service_support import (
    free_port,
    request_crawl,
    serve,
    service_env,
    settings_for,
    start_service,
    stream,
    stream_types,
    wait_for_types,
)

BODY = "tests.integration.worker_bodies:until_stopped"
STARTED = ["CrawlRequested", "CrawlStarted"]


async def _worker_process(dsn: str, **env: str) -> asyncio.subprocess.Process:
    return await start_service(
        "worker",
        service_env(dsn, WORKER_PORT=str(free_port()), WORKER_JOB_BODY=BODY, WORKER_ID="process-worker", **env),
    )


async def _stop(process: asyncio.subprocess.Process) -> None:
    if process.returncode is None:
        process.kill()
    await process.wait()


async def test_a_killed_workers_lease_expires_and_another_worker_resumes(dsn: str, pool: asyncpg.Pool) -> None:
    process = await _worker_process(dsn, LEASE_SECONDS="1.5", HEARTBEAT_SECONDS="0.3")
    try:
        crawl_id = await request_crawl(pool)
        await wait_for_types(dsn, pool, crawl_id, STARTED, timeout=30)
        scheduler = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.2))
        async with serve(scheduler):
            # While the worker lives, its heartbeats keep the lease: nothing expires over two lease periods.
            await asyncio.sleep(3)
            assert await stream_types(pool, crawl_id) == STARTED
            process.kill()  # SIGKILL: no hand-back, no terminal event
            await process.wait()
            await wait_for_types(dsn, pool, crawl_id, [*STARTED, "LeaseExpired"], timeout=10)
            other = worker_app.create_app(settings_for(dsn), job_body=worker_bodies.completes_at_once)
            async with serve(other):
                await wait_for_types(
                    dsn, pool, crawl_id, [*STARTED, "LeaseExpired", "CrawlStarted", "CrawlCompleted"], timeout=10
                )
    finally:
        await _stop(process)
    events = await stream(pool, crawl_id)
    assert events[1].data.worker_id == "process-worker"  # type: ignore[attr-defined]
    assert events[2].data.worker_id == "process-worker"  # type: ignore[attr-defined]
    assert events[3].data.worker_id != "process-worker"  # type: ignore[attr-defined]
    assert events[3].data.attempt == 2  # type: ignore[attr-defined]


async def test_sigterm_hands_the_crawl_back_and_another_worker_claims_it_at_once(dsn: str, pool: asyncpg.Pool) -> None:
    process = await _worker_process(dsn, LEASE_SECONDS="60")
    try:
        crawl_id = await request_crawl(pool)
        await wait_for_types(dsn, pool, crawl_id, STARTED, timeout=30)
        other = worker_app.create_app(settings_for(dsn), job_body=worker_bodies.completes_at_once)
        async with serve(other):
            process.send_signal(signal.SIGTERM)
            await wait_for_types(
                dsn, pool, crawl_id, [*STARTED, "CrawlReleased", "CrawlStarted", "CrawlCompleted"], timeout=20
            )
            assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        await _stop(process)
    events = await stream(pool, crawl_id)
    # At once, not when the 60 s lease would have run out.
    assert (events[3].recorded_at - events[2].recorded_at).total_seconds() < 1.0
    assert events[3].data.worker_id != "process-worker"  # type: ignore[attr-defined]


async def test_a_worker_whose_loop_stops_answering_exits_so_it_is_replaced(dsn: str, pool: asyncpg.Pool) -> None:
    """The watchdog: a loop stuck for WATCHDOG_SECONDS ends the process (status 1, stacks in the log)."""
    process = await start_service(
        "worker",
        service_env(dsn, WORKER_PORT=str(free_port()), WORKER_ID="stuck-worker", WATCHDOG_SECONDS="1.5",
                    WORKER_JOB_BODY="tests.integration.worker_bodies:blocks_the_loop"),
        stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        crawl_id = await request_crawl(pool)
        await wait_for_types(dsn, pool, crawl_id, STARTED, timeout=30)
        assert await asyncio.wait_for(process.wait(), 30) == 1
        assert process.stderr is not None
        log = (await process.stderr.read()).decode(errors="replace")
        assert "Timeout (0:00:01.500000)!" in log and "blocks_the_loop" in log, log  # where it was stuck
    finally:
        await _stop(process)
