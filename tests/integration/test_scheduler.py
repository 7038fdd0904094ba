"""The scheduler: cron with a controllable clock, retries with backoff, one active instance at a time."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import asyncpg

from services.scheduler import app as scheduler_app
from services.scheduler import cron
from services.scheduler.scheduler import Scheduler
from services.worker import app as worker_app
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from shared.platform.service import Metrics
from tests.integration import worker_bodies
from tests.integration.service_support import serve, settings_for, stream, wait_for_state, wait_for_types

NIGHTLY = "0 3 * * *"  # 03:00 in Moscow is 00:00 UTC


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def _create_schedule(pool: asyncpg.Pool, cron_expr: str = NIGHTLY, tz: str = "Europe/Moscow") -> uuid.UUID:
    schedule_id = uuid.uuid4()
    event = ev.ScheduleCreated(
        schedule_id=schedule_id, url="https://example.com/", cron=cron_expr, timezone=tz,
        settings=CrawlSettings(url="https://example.com/"),
    )  # fmt: skip
    async with pool.acquire() as conn:
        await streams.append(conn, ev.schedule_stream(schedule_id), [event], expected_version=eventstore.NO_STREAM)
    return schedule_id


async def _fires(pool: asyncpg.Pool, schedule_id: uuid.UUID) -> list[eventstore.Recorded]:
    async with pool.acquire() as conn:
        events = await eventstore.read_stream(conn, ev.schedule_stream(schedule_id))
    return [e for e in events if e.type == "ScheduleFired"]


def test_fire_times_are_computed_in_the_schedules_time_zone() -> None:
    now = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)
    assert cron.latest_fire(NIGHTLY, "Europe/Moscow", now) == datetime(2026, 3, 10, 0, 0, tzinfo=UTC)
    assert cron.next_fire(NIGHTLY, "Europe/Moscow", now) == datetime(2026, 3, 11, 0, 0, tzinfo=UTC)
    # Across a DST change: 03:00 New York is 08:00 UTC in winter and 07:00 UTC in summer.
    assert cron.next_fire(NIGHTLY, "America/New_York", datetime(2026, 3, 6, 12, tzinfo=UTC)).hour == 8
    assert cron.next_fire(NIGHTLY, "America/New_York", datetime(2026, 3, 9, 12, tzinfo=UTC)).hour == 7
    # A fire time exactly now is due now.
    assert cron.latest_fire(NIGHTLY, "UTC", datetime(2026, 1, 1, 3, tzinfo=UTC)) == datetime(2026, 1, 1, 3, tzinfo=UTC)


async def test_cron_fires_once_per_time_across_restarts_and_catches_up_once(dsn: str, pool: asyncpg.Pool) -> None:
    schedule_id = await _create_schedule(pool)
    async with pool.acquire() as conn:
        created = await conn.fetchval("SELECT created_at FROM schedules WHERE id = $1", schedule_id)
    first_fire = cron.next_fire(NIGHTLY, "Europe/Moscow", created)
    assert (first_fire.hour, first_fire.minute) == (0, 0)
    clock = Clock(first_fire - timedelta(minutes=1))
    scheduler = Scheduler(settings_for(dsn), pool, Metrics(), clock=clock)

    result = await scheduler.tick()
    assert result.fired == [] and result.next_due == first_fire  # it would sleep exactly until then

    clock.now = first_fire + timedelta(seconds=1)
    result = await scheduler.tick()
    assert len(result.fired) == 1
    assert (await scheduler.tick()).fired == []

    # A restart: a new scheduler with the same clock does not fire the same time again.
    restarted = Scheduler(settings_for(dsn), pool, Metrics(), clock=clock)
    assert (await restarted.tick()).fired == []

    # Five days of downtime: one catch-up run for the latest missed time, not five.
    clock.now = first_fire + timedelta(days=5, hours=2)
    assert len((await restarted.tick()).fired) == 1
    assert (await restarted.tick()).fired == []

    fires = await _fires(pool, schedule_id)
    assert [f.data.fire_time for f in fires] == [first_fire, first_fire + timedelta(days=5)]  # type: ignore[attr-defined]
    async with pool.acquire() as conn:
        crawls = await conn.fetch("SELECT id, status, schedule_id FROM crawls ORDER BY created_at")
    assert [c["id"] for c in crawls] == [f.data.crawl_id for f in fires]  # type: ignore[attr-defined]
    assert all(c["status"] == "queued" and c["schedule_id"] == schedule_id for c in crawls)


async def test_two_schedulers_racing_for_one_fire_time_fire_it_once(dsn: str, pool: asyncpg.Pool) -> None:
    schedule_id = await _create_schedule(pool, "* * * * *", "UTC")
    async with pool.acquire() as conn:
        created = await conn.fetchval("SELECT created_at FROM schedules WHERE id = $1", schedule_id)
    clock = Clock(cron.next_fire("* * * * *", "UTC", created) + timedelta(seconds=5))
    schedulers = [Scheduler(settings_for(dsn), pool, Metrics(), clock=clock) for _ in range(4)]
    results = await asyncio.gather(*(s.tick() for s in schedulers))
    assert sum(len(r.fired) for r in results) == 1
    assert len(await _fires(pool, schedule_id)) == 1


async def test_retries_back_off_and_stop_at_the_maximum_attempts(dsn: str, pool: asyncpg.Pool) -> None:
    # A held retry becomes claimable at retry_at even before the scheduler re-queues it (a worker that
    # happens to look then takes it): a backoff well above a loaded machine's claim delay keeps the
    # order this test checks (half a second at the least, after jitter).
    settings = settings_for(dsn, retry_base_seconds=1.0, retry_max_attempts=3)
    worker = worker_app.create_app(settings, job_body=worker_bodies.fails_retryably)
    scheduler = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.1))
    async with serve(worker), serve(scheduler):
        async with pool.acquire() as conn:
            crawl_id = uuid.uuid4()
            requested = ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url="https://example.com/"))
            await streams.append(conn, ev.crawl_stream(crawl_id), [requested])
        expected = ["CrawlRequested"] + ["CrawlStarted", "CrawlAttemptFailed", "CrawlRequeued"] * 2
        expected += ["CrawlStarted", "CrawlFailed"]
        await wait_for_types(dsn, pool, crawl_id, expected, timeout=30)
    events = await stream(pool, crawl_id)
    assert [e.data.attempt for e in events if e.type == "CrawlStarted"] == [1, 2, 3]  # type: ignore[attr-defined]
    failed = [e for e in events if e.type == "CrawlAttemptFailed"]
    requeued = [e for e in events if e.type == "CrawlRequeued"]
    for attempt, (fail, requeue) in enumerate(zip(failed, requeued, strict=True), start=1):
        backoff = 1.0 * 2 ** (attempt - 1)
        waited = (requeue.recorded_at - fail.recorded_at).total_seconds()
        # Never before the jittered retry time (at least half the backoff), and woken promptly at it.
        assert requeue.recorded_at >= fail.data.retry_at  # type: ignore[attr-defined]
        assert backoff / 2 <= waited <= backoff + 2, (attempt, waited)
    assert events[-1].data.error == "the site answered 503 to every request (gave up after 3 attempts)"  # type: ignore[attr-defined]


async def test_after_the_active_scheduler_loses_its_lock_exactly_one_leads(dsn: str, pool: asyncpg.Pool) -> None:
    first = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.2))
    second = scheduler_app.create_app(settings_for(dsn, standby_retry_seconds=0.2))
    async with serve(first):
        active = first[scheduler_app.SCHEDULER]
        await wait_for_state(lambda: active.is_leader, what="the first scheduler to lead")
        async with serve(second):
            standby = second[scheduler_app.SCHEDULER]
            await asyncio.sleep(0.5)  # several standby attempts while the first holds the lock
            assert not standby.is_leader
            assert standby.ticks == 0  # a standby does nothing

            # The active one's lock connection dies (as when its process is killed).
            async with pool.acquire() as conn:
                await conn.execute("SELECT pg_terminate_backend($1)", active.election.server_pid)
            loop = asyncio.get_running_loop()
            lost_at = loop.time()
            await wait_for_state(lambda: standby.is_leader or active.is_leader, what="a new leader", timeout=10)
            assert loop.time() - lost_at < 3
            leaders = [s for s in (active, standby) if s.is_leader]
            assert len(leaders) == 1
            # The new leader does the work: a lease that ran out is expired and the crawl re-queued.
            crawl_id = uuid.uuid4()
            async with pool.acquire() as conn:
                await streams.append(
                    conn, ev.crawl_stream(crawl_id),
                    [ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url="https://example.com/")),
                     ev.CrawlStarted(crawl_id=crawl_id, worker_id="dead-worker", attempt=1,
                                     lease_expires_at=datetime.now(UTC) + timedelta(milliseconds=300))],
                )  # fmt: skip
            await wait_for_types(dsn, pool, crawl_id, ["CrawlRequested", "CrawlStarted", "LeaseExpired"], timeout=10)


async def test_a_crawl_whose_worker_dies_on_every_attempt_is_failed_not_requeued_forever(
    dsn: str, pool: asyncpg.Pool
) -> None:
    from services.scheduler import reaper

    crawl_id = uuid.uuid4()
    async with pool.acquire() as conn:
        requested = ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url="https://example.com/"))
        await streams.append(conn, ev.crawl_stream(crawl_id), [requested])
        for attempt in (1, 2):
            started = ev.CrawlStarted(
                crawl_id=crawl_id, worker_id=f"w{attempt}", attempt=attempt, lease_expires_at=datetime.now(UTC)
            )
            await streams.append(conn, ev.crawl_stream(crawl_id), [started])
            later = datetime.now(UTC) + timedelta(seconds=1)
            assert await reaper.expire_leases(pool, later, max_attempts=2) == [crawl_id]
        status, error = await conn.fetchrow("SELECT status, error FROM crawls WHERE id = $1", crawl_id)
        assert await conn.fetchval("SELECT count(*) FROM parsequeue WHERE crawl_id = $1", crawl_id) == 0
    types = [e.type for e in await stream(pool, crawl_id)]
    assert types == ["CrawlRequested", "CrawlStarted", "LeaseExpired", "CrawlStarted", "LeaseExpired", "CrawlFailed"]
    assert status == "failed" and "stopped responding on each of 2 attempts" in error
