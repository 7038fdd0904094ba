"""Migration 0160 gives crawls and schedules made before sites existed their sites and summaries, as events."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from yoyo import get_backend, read_migrations

from shared.eventlog import events as ev
from shared.eventlog import eventstore, rebuild
from shared.eventlog.projections import handlers
from shared.eventlog.projector import Projector
from shared.model.crawlsettings import CrawlSettings
from shared.model.pages import PageRecord
from shared.platform import database
from tests.integration.test_sites import snapshot

# Sites and what needs them; every other migration (earlier or later, e.g. page columns the core
# projections write) is applied first, so the database is the one an upgrade finds.
SITES_MIGRATIONS = ("0160.sites", "0161.alerts", "0162.retention")


def _projections_before_sites() -> eventstore.EventStore:
    """The store as it was before sites: only the core handlers (the later ones write tables not made yet)."""
    old = Projector(tables=handlers.PROJECTOR.tables)
    for type_name, registered in handlers.PROJECTOR._handlers.items():  # noqa: SLF001 - a test's reach
        for fn in registered:
            if fn.__module__ == handlers.__name__:
                old._handlers.setdefault(type_name, []).append(fn)  # noqa: SLF001
    return eventstore.EventStore(old)


OLD = _projections_before_sites()


def _migrate_before_sites(dsn: str) -> None:
    backend = get_backend(database.yoyo_url(dsn))
    try:
        migrations = read_migrations(str(database.MIGRATIONS_DIR))
        with backend.lock():
            backend.apply_migrations(backend.to_apply(migrations.filter(lambda m: m.id not in SITES_MIGRATIONS)))
    finally:
        backend.connection.close()


async def _old_crawl(conn: object, url: str, *, complete: bool) -> uuid.UUID:
    crawl_id = uuid.uuid4()
    stream = ev.crawl_stream(crawl_id)
    now = datetime.now(UTC)
    history: list[ev.Event] = [ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url=url))]
    if complete:
        page_ids = [int(uuid.uuid4().int % 10**12), int(uuid.uuid4().int % 10**12)]
        pages = [
            PageRecord(id=page_ids[0], url=url, status_code=200, indexable=True, response_time_ms=40, crawled_at=now),
            PageRecord(id=page_ids[1], url=url + "missing", status_code=404, response_time_ms=60, crawled_at=now),
        ]
        issue = {"page_id": page_ids[1], "code": "status_4xx", "severity": "error", "details": {}}
        history += [
            ev.PagesCrawled(crawl_id=crawl_id, pages=pages, pages_discovered=2),
            ev.IssuesDetected(crawl_id=crawl_id, issues=[issue]),
            ev.CrawlCompleted(crawl_id=crawl_id, pages_crawled=2),
        ]
    await OLD.append(conn, stream, history, expected_version=eventstore.NO_STREAM)  # type: ignore[arg-type]
    return crawl_id


def test_existing_crawls_and_schedules_get_sites_and_summaries_that_a_rebuild_reproduces(
    make_database: Callable[..., str],
) -> None:
    dsn = make_database(migrated=False)
    _migrate_before_sites(dsn)
    asyncio.run(_check_backfill(dsn))


async def _check_backfill(dsn: str) -> None:
    conn = await database.connect(dsn)
    try:
        done = await _old_crawl(conn, "https://Old.example/", complete=True)
        queued = await _old_crawl(conn, "https://old.example:443/other", complete=False)
        elsewhere = await _old_crawl(conn, "http://old.example:8080/", complete=False)
        schedule_id = uuid.uuid4()
        await OLD.append(
            conn,
            ev.schedule_stream(schedule_id),
            [
                ev.ScheduleCreated(
                    schedule_id=schedule_id, url="https://scheduled.example/", cron="0 3 * * *", timezone="UTC",
                    settings=CrawlSettings(url="https://scheduled.example/"),
                )
            ],
        )  # fmt: skip
    finally:
        await conn.close()

    assert await asyncio.to_thread(database.migrate, dsn) >= 1
    conn = await database.connect(dsn)
    try:
        sites = {r["origin"]: r for r in await conn.fetch("SELECT * FROM sites")}
        assert set(sites) == {"https://old.example", "http://old.example:8080", "https://scheduled.example"}
        assert sites["https://old.example"]["name"] == "old.example" and sites["https://old.example"]["retention"] == 20
        crawl_sites = dict(await conn.fetch("SELECT id, site_id FROM crawls"))
        assert crawl_sites[done] == crawl_sites[queued] == sites["https://old.example"]["id"]
        assert crawl_sites[elsewhere] == sites["http://old.example:8080"]["id"]
        assert (
            await conn.fetchval("SELECT site_id FROM schedules WHERE id = $1", schedule_id)
            == (sites["https://scheduled.example"]["id"])
        )
        summary = await conn.fetchrow("SELECT * FROM crawl_summaries WHERE crawl_id = $1", done)
        # One page in scope fine, one 404 with an error: half healthy.
        assert summary["health_score"] == 50.0 and summary["pages_in_scope"] == 2 and summary["errors"] == 1
        assert await conn.fetchval("SELECT count(*) FROM crawl_summaries") == 1
        last = (await eventstore.read_stream(conn, ev.crawl_stream(done)))[-1]
        assert last.type == "CrawlSummarized" and last.data.health_score == 50.0  # type: ignore[attr-defined]
        assert await conn.fetchval("SELECT version FROM crawls WHERE id = $1", done) == last.version
        site_events = await eventstore.read_stream(conn, ev.site_stream(sites["https://old.example"]["id"]))
        assert [e.type for e in site_events] == ["SiteCreated"]

        live = await snapshot(conn)
        await rebuild.rebuild(conn)
        assert await snapshot(conn) == live
    finally:
        await conn.close()
