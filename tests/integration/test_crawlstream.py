"""The one crawl-stream writer: lock, decide, append with the metadata, retry; and the claim, which
writes ``CrawlStarted`` in SQL, writing exactly what the model and the writer would."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest

from services.worker import queue
from shared.eventlog import crawlstream, streams
from shared.eventlog import events as ev
from tests.integration.service_support import claim_one, request_crawl, stream_types


async def test_the_claims_crawl_started_is_the_models_json_with_the_writers_metadata(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)
    async with pool.acquire() as conn:
        claim = await claim_one(conn, "worker-a")
        assert isinstance(claim, queue.Claim)
        row = await conn.fetchrow(
            "SELECT stream_id, data, metadata FROM events WHERE stream_id = $1 AND type = 'CrawlStarted'",
            ev.crawl_stream(crawl_id),
        )
    assert row["stream_id"] == ev.crawl_stream(crawl_id)  # the stream name, defined once in Python
    model = ev.CrawlStarted(crawl_id=crawl_id, worker_id="worker-a", attempt=1, lease_expires_at=claim.lease_expires_at)
    assert row["data"] == model.model_dump(mode="json")
    written_by_python = crawlstream.metadata(crawl_id, crawlstream.worker_actor("worker-a"))
    assert row["metadata"] == written_by_python.model_dump(mode="json", exclude_none=True)


@pytest.mark.parametrize(
    "moment",
    [
        datetime(2026, 1, 31, 12, 0, 0, tzinfo=UTC),
        datetime(2026, 1, 31, 12, 0, 0, 120000, tzinfo=UTC),
        datetime(2026, 1, 31, 12, 0, 0, 5, tzinfo=UTC),
        datetime(2026, 6, 30, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=3))),
    ],
)
async def test_times_in_sql_written_events_read_as_the_models_write_them(pool: asyncpg.Pool, moment: datetime) -> None:
    async with pool.acquire() as conn:
        written = await conn.fetchval("SELECT event_time($1)", moment)
    model = ev.CrawlStarted(crawl_id=uuid.uuid4(), worker_id="w", attempt=1, lease_expires_at=moment.astimezone(UTC))
    assert written == model.model_dump(mode="json")["lease_expires_at"]


async def test_a_lost_race_is_decided_again_and_then_written_once(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)
    decisions: list[int | None] = []
    async with pool.acquire() as conn, pool.acquire() as other:

        async def decide(held: crawlstream.Held) -> Sequence[ev.Event]:
            decisions.append(held.version)
            if len(decisions) == 1:  # another writer (no lock: a paused crawl's api) gets in first
                await streams.append(other, ev.crawl_stream(crawl_id), [ev.CrawlPaused(crawl_id=crawl_id)])
            return [ev.CrawlCancelled(crawl_id=crawl_id)]

        await conn.execute("DELETE FROM parsequeue WHERE crawl_id = $1", crawl_id)  # as a paused crawl has none
        recorded = await crawlstream.write(conn, crawl_id, decide, actor="api", check_version=True)
    assert decisions == [1, 2]  # decided again on the version the other writer left
    assert [r.version for r in recorded] == [3]
    assert recorded[0].metadata == crawlstream.metadata(crawl_id, "api")
    assert await stream_types(pool, crawl_id) == ["CrawlRequested", "CrawlPaused", "CrawlCancelled"]


async def test_a_writer_that_keeps_losing_gives_up_with_a_clear_error(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)
    async with pool.acquire() as conn, pool.acquire() as other:

        async def decide(held: crawlstream.Held) -> Sequence[ev.Event]:
            progressed = ev.CrawlProgressed(crawl_id=crawl_id, pages_crawled=0, pages_discovered=1, errors_count=0)
            await streams.append(other, ev.crawl_stream(crawl_id), [progressed])  # always first
            return [ev.CrawlCancelled(crawl_id=crawl_id)]

        await conn.execute("DELETE FROM parsequeue WHERE crawl_id = $1", crawl_id)
        with pytest.raises(crawlstream.CrawlStreamBusy):
            await crawlstream.write(conn, crawl_id, decide, actor="api", check_version=True)
    assert (await stream_types(pool, crawl_id)).count("CrawlCancelled") == 0
    assert len(await stream_types(pool, crawl_id)) == 1 + crawlstream.ATTEMPTS


async def test_a_decision_that_refuses_writes_nothing(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)

    class Refused(Exception):
        pass

    async def decide(held: crawlstream.Held) -> Sequence[ev.Event]:
        assert held.row is not None and held.row.lease_owner is None  # the queued crawl's row, locked
        raise Refused

    async with pool.acquire() as conn:
        with pytest.raises(Refused):
            await crawlstream.write(conn, crawl_id, decide, actor="api")
    assert await stream_types(pool, crawl_id) == ["CrawlRequested"]


async def test_the_queue_row_is_locked_while_the_writer_decides(pool: asyncpg.Pool) -> None:
    crawl_id = await request_crawl(pool)
    async with pool.acquire() as conn, pool.acquire() as other:

        async def decide(held: crawlstream.Held) -> Sequence[ev.Event]:
            # Another transaction cannot take the row now (NOWAIT refuses instead of waiting).
            async with other.transaction():
                with pytest.raises(asyncpg.LockNotAvailableError):
                    await other.execute("SELECT 1 FROM parsequeue WHERE crawl_id = $1 FOR UPDATE NOWAIT", crawl_id)
            return [ev.CrawlPaused(crawl_id=crawl_id)]

        await crawlstream.write(conn, crawl_id, decide, actor="api")
    assert await stream_types(pool, crawl_id) == ["CrawlRequested", "CrawlPaused"]
