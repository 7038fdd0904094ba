"""The one-statement claim (claim_crawls): batches, projections a rebuild reproduces, notifications, bad settings."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import asyncpg

from services.worker import queue
from shared.eventlog import events as ev
from shared.eventlog import eventstore, rebuild
from shared.platform.settings import Settings
from tests.integration.service_support import claim_one, request_crawl, stream, stream_types


async def _rows(conn: asyncpg.Connection) -> dict[str, list[dict[str, Any]]]:
    return {
        "crawls": [dict(r) for r in await conn.fetch("SELECT * FROM crawls ORDER BY id")],
        "parsequeue": [dict(r) for r in await conn.fetch("SELECT * FROM parsequeue ORDER BY crawl_id")],
    }


async def test_a_batch_claim_takes_the_oldest_first_and_a_rebuild_reproduces_its_rows(pool: asyncpg.Pool) -> None:
    ids = [await request_crawl(pool, f"https://site{n}.example/") for n in range(5)]
    async with pool.acquire() as conn:
        claims = await queue.claim_many(conn, "worker-a", 30, limit=3)
        assert [c.crawl_id for c in claims if isinstance(c, queue.Claim)] == ids[:3]
        # Handed back (a stopping worker) and claimed again: started_at and the worker are kept right, and the
        # released attempt is given back (a release is no failure of the crawl), the same on a rebuild.
        first = claims[0]
        assert isinstance(first, queue.Claim)
        await queue.finish(conn, first.crawl_id, 1, queue.Outcome("released"), worker_id="worker-a",
                           settings=Settings())  # fmt: skip
        again = await queue.claim_many(conn, "worker-b", 30, running=ids[3:], limit=5)
        assert [c.crawl_id for c in again if isinstance(c, queue.Claim)] == [first.crawl_id]
        assert isinstance(again[0], queue.Claim) and again[0].attempt == 1
        live = await _rows(conn)
        running = {r["id"]: r for r in live["crawls"] if r["status"] == "running"}
        assert set(running) == set(ids[:3])
        assert running[first.crawl_id]["worker_id"] == "worker-b" and running[first.crawl_id]["attempts"] == 1
        assert running[first.crawl_id]["version"] == 4
        # The projection the claim wrote is what the CrawlStarted handler replays from the log.
        await rebuild.rebuild(conn)
        assert await _rows(conn) == live
    started = [e for e in await stream(pool, first.crawl_id) if e.type == "CrawlStarted"]
    assert [e.data for e in started] == [
        ev.CrawlStarted(crawl_id=first.crawl_id, worker_id="worker-a", attempt=1,
                        lease_expires_at=claims[0].lease_expires_at),  # type: ignore[union-attr]
        ev.CrawlStarted(crawl_id=first.crawl_id, worker_id="worker-b", attempt=1,
                        lease_expires_at=again[0].lease_expires_at),
    ]  # fmt: skip
    assert started[1].metadata == ev.Metadata(correlation_id=str(first.crawl_id), actor="worker:worker-b")
    assert started[1].recorded_at == again[0].started_at


async def test_the_claim_notifies_the_scheduler_and_the_followers(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)
    heard: dict[str, str] = {}
    both = asyncio.Event()

    def on_notify(_conn: object, _pid: int, channel: str, payload: str) -> None:
        heard[channel] = payload
        if len(heard) == 2:
            both.set()

    async with pool.acquire() as listener, pool.acquire() as conn:
        for channel in (ev.SCHEDULER_CHANNEL, ev.EVENTS_CHANNEL):
            await listener.add_listener(channel, on_notify)
        claim = await claim_one(conn, "worker-a")
        assert isinstance(claim, queue.Claim)
        async with asyncio.timeout(5):
            await both.wait()
        for channel in (ev.SCHEDULER_CHANNEL, ev.EVENTS_CHANNEL):
            await listener.remove_listener(channel, on_notify)
    (started,) = [e for e in await stream(pool, crawl_id) if e.type == "CrawlStarted"]
    assert heard == {ev.SCHEDULER_CHANNEL: str(crawl_id), ev.EVENTS_CHANNEL: f"crawl-{crawl_id}:{started.position}"}


async def test_a_crawl_whose_stored_settings_no_longer_validate_is_failed_with_the_reason(pool: asyncpg.Pool) -> None:
    bad = await request_crawl(pool, "https://bad.example/")
    good = await request_crawl(pool, "https://good.example/")
    async with pool.acquire() as conn:
        await conn.execute("UPDATE crawls SET settings = settings || '{\"max_pages\": -5}' WHERE id = $1", bad)
        claims = await queue.claim_many(conn, "worker-a", 30, limit=5)
        assert claims[0] is queue.UNCLAIMABLE
        assert isinstance(claims[1], queue.Claim) and claims[1].crawl_id == good
        status, error = await conn.fetchrow("SELECT status, error FROM crawls WHERE id = $1", bad)
        assert status == "failed"
        assert "stored settings are not valid" in error
        assert await conn.fetchval("SELECT count(*) FROM parsequeue WHERE crawl_id = $1", bad) == 0
    assert await stream_types(pool, bad) == ["CrawlRequested", "CrawlStarted", "CrawlFailed"]


async def test_a_lost_race_for_a_streams_next_version_is_a_conflict_and_claims_nothing(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)
    async with pool.acquire() as writer, pool.acquire() as claimer:
        # Another writer holds the stream's next version in an open transaction; the claim's
        # insert waits for it, then must fail rather than write a second version 2.
        tx = writer.transaction()
        await tx.start()
        await writer.execute(
            "INSERT INTO events (stream_id, version, type, data) VALUES ($1, 2, 'CrawlProgressed', $2)",
            ev.crawl_stream(crawl_id),
            ev.CrawlProgressed(crawl_id=crawl_id, pages_crawled=0, pages_discovered=1, errors_count=0).model_dump(
                mode="json"
            ),
        )
        claiming = asyncio.create_task(claim_one(claimer, "worker-a"))
        async with asyncio.timeout(10):
            while not await pool.fetchval(  # not in the writer's transaction: that keeps one stats snapshot
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%claim_crawls%'"
            ):
                await asyncio.sleep(0.01)
        await tx.commit()
        try:
            await claiming
            raise AssertionError("the claim overwrote or skipped a concurrent append")
        except eventstore.StreamConflict:
            pass
        lease_owner = await claimer.fetchval("SELECT lease_owner FROM parsequeue WHERE crawl_id = $1", crawl_id)
    assert lease_owner is None
    assert await stream_types(pool, crawl_id) == ["CrawlRequested", "CrawlProgressed"]


async def test_claim_many_with_nothing_available_returns_nothing(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)
    async with pool.acquire() as conn:
        assert await queue.claim_many(conn, "worker-a", 30, running=[crawl_id], limit=3) == []
        assert await queue.claim_many(conn, "worker-a", 30, running=[uuid.uuid4()], limit=3) != []


async def test_concurrent_batch_claims_never_take_one_crawl_twice(pool: asyncpg.Pool) -> None:
    ids = {await request_crawl(pool, f"https://site{n}.example/") for n in range(10)}

    async def claimer(worker: int) -> list[uuid.UUID]:
        taken: list[uuid.UUID] = []
        async with pool.acquire() as conn:
            while batch := await queue.claim_many(conn, f"worker-{worker}", 30, limit=3):
                taken += [c.crawl_id for c in batch if isinstance(c, queue.Claim)]
        return taken

    results = await asyncio.gather(*(claimer(n) for n in range(4)))
    taken = [crawl_id for result in results for crawl_id in result]
    assert sorted(taken) == sorted(ids)  # each crawl exactly once
    async with pool.acquire() as conn:
        started = await conn.fetchval("SELECT count(*) FROM events WHERE type = 'CrawlStarted'")
    assert started == len(ids)
