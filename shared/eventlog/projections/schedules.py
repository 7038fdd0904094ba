"""The ``schedules`` projection: one row per recurring crawl (cron, time zone, settings, last fire).

Every write and lock of the table is here: the projection's, and the scheduler's lock of a
schedule while it fires it (so two schedulers never fire the same time twice).
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import asyncpg

_INSERT = """INSERT INTO schedules (id, url, cron, timezone, settings, created_at, version, own_settings)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"""
_DELETE = "DELETE FROM schedules WHERE id = $1"
_FIRED = "UPDATE schedules SET last_fire_at = $2, last_crawl_id = $3, version = $4 WHERE id = $1"
_ALL = "SELECT id, cron, timezone, created_at, last_fire_at FROM schedules"
# The site's defaults as they are now come along: a run lays the schedule's own settings over them.
_LOCK = """SELECT s.cron, s.timezone, s.settings, s.own_settings, s.created_at, s.last_fire_at, s.site_id,
                  site.crawl_defaults
           FROM schedules s LEFT JOIN sites site ON site.id = s.site_id
           WHERE s.id = $1 FOR UPDATE OF s"""


async def insert(
    conn: asyncpg.Connection,
    schedule_id: uuid.UUID,
    url: str,
    cron: str,
    timezone: str,
    settings: dict[str, Any],
    at: datetime,
    version: int,
    own_settings: dict[str, Any] | None = None,
) -> None:
    await conn.execute(_INSERT, schedule_id, url, cron, timezone, settings, at, version, own_settings)


async def delete(conn: asyncpg.Connection, schedule_id: uuid.UUID) -> None:
    await conn.execute(_DELETE, schedule_id)


async def fired(
    conn: asyncpg.Connection, schedule_id: uuid.UUID, fire_time: datetime, crawl_id: uuid.UUID, version: int
) -> None:
    await conn.execute(_FIRED, schedule_id, fire_time, crawl_id, version)


async def every(conn: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every schedule's ``id, cron, timezone, created_at, last_fire_at`` (what the scheduler plans with)."""
    rows: list[asyncpg.Record] = await conn.fetch(_ALL)
    return rows


async def lock(conn: asyncpg.Connection, schedule_id: uuid.UUID) -> asyncpg.Record | None:
    """Lock a schedule for firing (inside a transaction): ``cron, timezone, settings, own_settings,
    created_at, last_fire_at, site_id`` and its site's ``crawl_defaults``, or ``None`` when it was deleted."""
    row: asyncpg.Record | None = await conn.fetchrow(_LOCK, schedule_id)
    return row


_SITE = "UPDATE schedules SET site_id = $2 WHERE id = ANY($1::uuid[])"


async def belong_to_site(conn: asyncpg.Connection, schedule_ids: list[uuid.UUID], site_id: uuid.UUID) -> None:
    """The schedules belong to the site (ScheduleCreated names it; SiteCreated adopts older ones)."""
    await conn.execute(_SITE, schedule_ids, site_id)
