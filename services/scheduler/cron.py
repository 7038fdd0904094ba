"""Cron schedules: fire each one at most once per fire time, with at most one catch-up after downtime.

A schedule fires for the latest fire time at or before now that is later than its previous fire
(or its creation). After downtime that is one run for the most recent missed time, not one per
missed time. ``ScheduleFired`` and the new crawl's ``CrawlRequested`` are appended in one
transaction under the schedule row's lock with the stream's expected version, so neither a
restart nor a second scheduler can fire the same time twice.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import asyncpg
import structlog
from croniter import croniter

from shared import vault
from shared.eventlog import crawlstream, eventstore, streams
from shared.eventlog import events as ev
from shared.eventlog.projections import schedules
from shared.model.sites import schedule_settings

log = structlog.get_logger(__name__)

ACTOR = "scheduler"
CRAWL_AUTH = "crawl_auth"  # the vault purpose of crawl credentials


def latest_fire(cron: str, timezone: str, now: datetime) -> datetime:
    """The latest fire time at or before ``now`` (UTC), computed in the schedule's time zone."""
    local = now.astimezone(ZoneInfo(timezone)) + timedelta(microseconds=1)
    fire: datetime = croniter(cron, local).get_prev(datetime)
    return fire.astimezone(UTC)


def next_fire(cron: str, timezone: str, now: datetime) -> datetime:
    """The first fire time strictly after ``now`` (UTC)."""
    fire: datetime = croniter(cron, now.astimezone(ZoneInfo(timezone))).get_next(datetime)
    return fire.astimezone(UTC)


def _due(row: asyncpg.Record, now: datetime) -> datetime | None:
    base = row["last_fire_at"] or row["created_at"]
    fire = latest_fire(row["cron"], row["timezone"], now)
    return fire if fire > base else None


async def fire_due(
    pool: asyncpg.Pool, now: datetime, *, skipped: list[uuid.UUID] | None = None
) -> tuple[list[uuid.UUID], datetime | None]:
    """Fire every schedule that is due at ``now``. Returns the crawls requested and the next fire time.

    A schedule whose row another process keeps locked is added to ``skipped`` for the next pass."""
    requested: list[uuid.UUID] = []
    upcoming: list[datetime] = []
    async with pool.acquire() as conn:
        for row in await schedules.every(conn):
            try:
                fire_time = _due(row, now)
                upcoming.append(next_fire(row["cron"], row["timezone"], now))
            except Exception as exc:  # the api validates; a bad row must not stop the others
                log.error("schedule cannot be evaluated", schedule_id=str(row["id"]), error=str(exc))
                continue
            if fire_time is None:
                continue
            try:
                crawl_id = await fire(conn, row["id"], fire_time)
            except (eventstore.StreamConflict, asyncpg.DeadlockDetectedError):
                continue  # fired or changed concurrently; the next pass re-reads it
            except asyncpg.LockNotAvailableError:
                if skipped is not None:
                    skipped.append(row["id"])
                continue
            if crawl_id is not None:
                requested.append(crawl_id)
    return requested, min(upcoming) if upcoming else None


async def fire(conn: asyncpg.Connection, schedule_id: uuid.UUID, fire_time: datetime) -> uuid.UUID | None:
    """Fire ``schedule_id`` for ``fire_time`` unless that (or a later time) has fired already."""
    async with conn.transaction():
        row = await schedules.lock(conn, schedule_id)
        if row is None:
            return None  # deleted meanwhile
        if fire_time <= (row["last_fire_at"] or row["created_at"]):
            return None  # fired already (another scheduler, or before a restart)
        try:
            # The schedule's own fields over the site's defaults as they are now (the defaults may
            # have changed since the schedule was made).
            settings, problem = schedule_settings(row["settings"], row["own_settings"], row["crawl_defaults"])
        except Exception as exc:
            log.error("schedule's crawl settings are not valid", schedule_id=str(schedule_id), error=str(exc))
            return None
        if problem is not None:
            log.warning("the site's defaults do not fit the schedule; it runs with the settings it was made with",
                        schedule_id=str(schedule_id), problem=problem)  # fmt: skip
        if settings.auth is not None:
            # The crawl's own copy of the credentials (the schedule's, or its site's): each owner forgets its own.
            try:
                ref = await vault.copy(conn, settings.auth.secret_ref, CRAWL_AUTH)
                settings = settings.model_copy(update={"auth": settings.auth.model_copy(update={"secret_ref": ref})})
            except KeyError:
                log.error("the schedule's credentials are gone: its crawl will fail", schedule_id=str(schedule_id))
        stream = ev.schedule_stream(schedule_id)
        version = await eventstore.stream_version(conn, stream)
        crawl_id = uuid.uuid4()
        causation = f"{stream}@{fire_time.isoformat()}"
        meta = crawlstream.metadata(crawl_id, ACTOR, causation)
        await streams.append(
            conn,
            stream,
            [ev.ScheduleFired(schedule_id=schedule_id, fire_time=fire_time, crawl_id=crawl_id)],
            expected_version=version,
            metadata=meta,
        )
        requested = ev.CrawlRequested(
            crawl_id=crawl_id, settings=settings, schedule_id=schedule_id, site_id=row["site_id"]
        )
        await crawlstream.start(conn, requested, actor=ACTOR, causation_id=causation)
    log.info("schedule fired", schedule_id=str(schedule_id), fire_time=fire_time.isoformat(), crawl_id=str(crawl_id))
    return crawl_id
