"""Append without savepoints: a lost race leaves the caller's transaction usable and writes nothing."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings

_WAITING_INSERTS = """
SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO events%'
"""


def _progressed(crawl_id: uuid.UUID, n: int) -> ev.CrawlProgressed:
    return ev.CrawlProgressed(crawl_id=crawl_id, pages_crawled=0, pages_discovered=n, errors_count=0)


async def _new_crawl(conn: asyncpg.Connection) -> uuid.UUID:
    crawl_id = uuid.uuid4()
    event = ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url="https://example.com/"))
    await streams.append(conn, ev.crawl_stream(crawl_id), [event], expected_version=eventstore.NO_STREAM)
    return crawl_id


async def test_a_conflict_inside_the_callers_transaction_leaves_it_usable(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        crawl_id = await _new_crawl(conn)
        stream = ev.crawl_stream(crawl_id)
        async with conn.transaction():
            with pytest.raises(eventstore.StreamConflict) as info:
                await streams.append(conn, stream, [_progressed(crawl_id, 1)], expected_version=5)
            assert info.value.actual == 1
            (recorded,) = await streams.append(conn, stream, [_progressed(crawl_id, 2)], expected_version=1)
            assert recorded.version == 2
        assert [e.version for e in await eventstore.read_stream(conn, stream)] == [1, 2]


async def test_a_multi_event_append_that_loses_a_race_midway_writes_none_of_its_events(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as first, pool.acquire() as second:
        crawl_id = await _new_crawl(first)
        stream = ev.crawl_stream(crawl_id)
        tx = first.transaction()
        await tx.start()
        await streams.append(first, stream, [_progressed(crawl_id, 1)])  # holds version 2 uncommitted

        async def append_two() -> str:
            async with second.transaction():
                try:
                    await streams.append(second, stream, [_progressed(crawl_id, 2), _progressed(crawl_id, 3)])
                except eventstore.StreamConflict:
                    # The caller's transaction is still usable: retry at the new version.
                    recorded = await streams.append(second, stream, [_progressed(crawl_id, 4)])
                    return f"conflict, then version {recorded[0].version}"
            return "no conflict"

        task = asyncio.create_task(append_two())
        async with asyncio.timeout(10):  # wait until the second writer waits on the first's version 2
            while not await pool.fetchval(_WAITING_INSERTS):
                await asyncio.sleep(0.01)
        await tx.commit()
        assert await task == "conflict, then version 3"
        stored = await eventstore.read_stream(first, stream)
    assert [(e.version, e.data.pages_discovered) for e in stored[1:]] == [(2, 1), (3, 4)]  # type: ignore[attr-defined]
