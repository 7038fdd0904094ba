"""The event store: optimistic concurrency, per-stream reads, a gap-free follower, rebuilds."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from shared.eventlog import events as ev
from shared.eventlog import eventstore, rebuild, streams
from shared.eventlog.projections import handlers
from shared.model.crawlsettings import CrawlSettings


def _requested(url: str = "https://example.com/") -> ev.CrawlRequested:
    return ev.CrawlRequested(crawl_id=uuid.uuid4(), settings=CrawlSettings(url=url))


async def test_append_assigns_versions_and_reads_back(pool: asyncpg.Pool) -> None:
    event = _requested()
    stream = ev.crawl_stream(event.crawl_id)
    async with pool.acquire() as conn:
        recorded = await streams.append(
            conn, stream, [event], expected_version=eventstore.NO_STREAM,
            metadata=ev.Metadata(correlation_id="corr-1", causation_id="req-1", actor="test"),
        )  # fmt: skip
        assert [r.version for r in recorded] == [1]
        await streams.append(conn, stream, [ev.CrawlCancelled(crawl_id=event.crawl_id)], expected_version=1)
        events = await eventstore.read_stream(conn, stream)
    assert [e.type for e in events] == ["CrawlRequested", "CrawlCancelled"]
    assert events[0].data == event
    assert events[0].metadata.correlation_id == "corr-1"
    assert events[0].metadata.causation_id == "req-1"


async def test_expected_version_conflict_is_an_error_not_an_overwrite(pool: asyncpg.Pool) -> None:
    event = _requested()
    stream = ev.crawl_stream(event.crawl_id)
    async with pool.acquire() as conn:
        await streams.append(conn, stream, [event], expected_version=eventstore.NO_STREAM)
        with pytest.raises(eventstore.StreamConflict) as info:
            await streams.append(conn, stream, [event], expected_version=eventstore.NO_STREAM)
        assert info.value.actual == 1
        assert "expected version 0" in str(info.value)
        assert len(await eventstore.read_stream(conn, stream)) == 1


async def test_concurrent_writers_of_one_stream_one_wins(pool: asyncpg.Pool) -> None:
    event = _requested()
    stream = ev.crawl_stream(event.crawl_id)
    async with pool.acquire() as conn:
        await streams.append(conn, stream, [event], expected_version=eventstore.NO_STREAM)

    async def cancel() -> str:
        async with pool.acquire() as conn:
            try:
                await streams.append(conn, stream, [ev.CrawlCancelled(crawl_id=event.crawl_id)], expected_version=1)
                return "ok"
            except eventstore.StreamConflict:
                return "conflict"

    results = await asyncio.gather(*(cancel() for _ in range(8)))
    assert sorted(results) == ["conflict"] * 7 + ["ok"]


async def test_follower_sees_every_event_exactly_once_in_order_under_concurrent_writers(
    pool: asyncpg.Pool,
) -> None:
    """Many writers with random commit delays; a follower reading concurrently misses nothing."""
    writers, per_writer = 12, 15
    done = asyncio.Event()
    seen: list[int] = []
    cursor = eventstore.START

    async def writer(n: int) -> None:
        for i in range(per_writer):
            async with pool.acquire() as conn, conn.transaction():
                event = _requested(f"https://w{n}.example/{i}")
                await streams.append(conn, ev.crawl_stream(event.crawl_id), [event])
                # hold the transaction open a little so later positions commit first
                await asyncio.sleep(((n * 7 + i * 3) % 5) / 1000)

    async def follower() -> None:
        nonlocal cursor
        async with pool.acquire() as conn:
            while True:
                finished = done.is_set()
                batch = await eventstore.read_all(conn, cursor, limit=50)
                for item in batch:
                    seen.append(item.position)
                    cursor = eventstore.cursor_of(item)
                if finished and not batch:
                    return
                if not batch:
                    await asyncio.sleep(0.001)

    follow = asyncio.create_task(follower())
    await asyncio.gather(*(writer(n) for n in range(writers)))
    done.set()
    await asyncio.wait_for(follow, 30)
    async with pool.acquire() as conn:
        in_log = [r["position"] for r in await conn.fetch("SELECT position FROM events ORDER BY txid, position")]
    assert len(seen) == writers * per_writer
    assert len(set(seen)) == len(seen), "an event was delivered twice"
    assert seen == in_log, "the follower's order differs from the log's (txid, position) order"


async def _snapshot(conn: asyncpg.Connection) -> dict[str, list[dict[str, object]]]:
    out = {}
    for table in handlers.PROJECTOR.tables:
        rows = await conn.fetch(f"SELECT * FROM {table} ORDER BY 1, 2")
        # Lease heartbeats extend lease_expires_at in place (an operational detail, not a fact).
        out[table] = [{k: v for k, v in dict(r).items() if k != "lease_expires_at"} for r in rows]
    return out


async def test_rebuilt_projections_equal_live_ones(pool: asyncpg.Pool, dsn: str) -> None:
    import os
    import sys
    from datetime import UTC, datetime, timedelta

    from shared.model.pages import Link, PageRecord
    from shared.model.resources import ResourceCheck

    async with pool.acquire() as conn:
        ids = []
        for n in range(3):
            event = _requested(f"https://site{n}.example/")
            await streams.append(conn, ev.crawl_stream(event.crawl_id), [event], expected_version=0)
            ids.append(event.crawl_id)
        a, b, c = ids
        now = datetime.now(UTC)
        await streams.append(
            conn, ev.crawl_stream(a),
            [ev.CrawlStarted(crawl_id=a, worker_id="w1", attempt=1, lease_expires_at=now + timedelta(seconds=30))],
        )  # fmt: skip
        pages = [
            PageRecord(id=100 + i, url=f"https://site0.example/{i}", status_code=200, title=f"Т{i}",
                       crawled_at=now, links=[Link(url=f"https://site0.example/{i + 1}", anchor="next")])
            for i in range(3)
        ]  # fmt: skip
        await streams.append(conn, ev.crawl_stream(a), [ev.PagesCrawled(crawl_id=a, pages=pages, pages_discovered=4)])
        checked = [ResourceCheck(url="https://site0.example/a.png", status_code=200, final_url="https://site0.example/a.png",
                                 size_bytes=1234, checked_at=now),
                   ResourceCheck(url="https://site0.example/b.js", error="timeout", checked_at=now)]  # fmt: skip
        await streams.append(conn, ev.crawl_stream(a), [ev.ResourcesChecked(crawl_id=a, resources=checked)])
        await streams.append(
            conn, ev.crawl_stream(a),
            [ev.IssuesDetected(crawl_id=a, issues=[{"page_id": 100, "code": "title_too_short", "severity": "notice"}])],
        )  # fmt: skip
        await streams.append(conn, ev.crawl_stream(a), [ev.CrawlCompleted(crawl_id=a, pages_crawled=3)])
        await streams.append(conn, ev.crawl_stream(b), [ev.CrawlCancelled(crawl_id=b)])
        await streams.append(
            conn, ev.crawl_stream(c),
            [ev.CrawlStarted(crawl_id=c, worker_id="w2", attempt=1, lease_expires_at=now),
             ev.LeaseExpired(crawl_id=c, worker_id="w2")],
        )  # fmt: skip
        sid = uuid.uuid4()
        await streams.append(
            conn, ev.schedule_stream(sid),
            [ev.ScheduleCreated(schedule_id=sid, url="https://site0.example/", cron="0 3 * * *",
                                timezone="Europe/Moscow", settings=CrawlSettings(url="https://site0.example/"))],
        )  # fmt: skip
        live = await _snapshot(conn)
        assert live["pages"] and live["links"] and live["issues"] and live["schedules"] and live["resources"]
        replayed = await rebuild.rebuild(conn)
        assert replayed == await conn.fetchval("SELECT count(*) FROM events")
        assert await _snapshot(conn) == live

        # The operator's command does the same on the database the settings name.
        await conn.execute("DELETE FROM issues")  # a projection gone wrong, to be repaired
        command = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "shared.eventlog", "rebuild",
            env={**os.environ, "DATABASE_URL": dsn, "LOG_FORMAT": "json"},
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, err = await asyncio.wait_for(command.communicate(), 60)
        assert command.returncode == 0, err.decode()
        assert f'"events": {replayed}' in err.decode() and "projections rebuilt" in err.decode()
        assert await _snapshot(conn) == live
