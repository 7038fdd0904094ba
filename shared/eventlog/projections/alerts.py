"""The alert projections: ``channels``, ``alert_rules``, ``crawl_files``, ``alert_checks``, ``alerts``, ``deliveries``.

Every write of these tables is here, and the outbox claims (``alert_checks`` and ``deliveries``,
taken with SKIP LOCKED by the workers) and lease queries the worker and the scheduler run.
``PROJECTOR`` is included in the services' registry (``shared.eventlog.projections``).
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from shared.eventlog import events as ev
from shared.eventlog.events import Recorded
from shared.eventlog.projector import Projector

PROJECTOR = Projector(tables=("channels", "alert_rules", "crawl_files", "alert_checks", "alerts", "deliveries"))
handles = PROJECTOR.handles


@handles(ev.ChannelCreated)
async def _channel_created(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.ChannelCreated = item.data  # type: ignore[assignment]
    await conn.execute(
        """INSERT INTO channels (id, type, name, language, config, secret_ref, created_at, version)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)""",
        d.channel_id, d.type, d.name, d.language, d.config, d.secret_ref, item.recorded_at, item.version,
    )  # fmt: skip


@handles(ev.ChannelDeleted)
async def _channel_deleted(conn: asyncpg.Connection, item: Recorded) -> None:
    await conn.execute("DELETE FROM channels WHERE id = $1", item.data.channel_id)  # type: ignore[attr-defined]


@handles(ev.AlertRuleCreated)
async def _rule_created(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.AlertRuleCreated = item.data  # type: ignore[assignment]
    await conn.execute(
        "INSERT INTO alert_rules (id, site_id, kind, params, channels, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
        d.rule_id, d.site_id, d.kind, d.params, d.channels, item.recorded_at,
    )  # fmt: skip


@handles(ev.AlertRuleDeleted)
async def _rule_deleted(conn: asyncpg.Connection, item: Recorded) -> None:
    await conn.execute("DELETE FROM alert_rules WHERE id = $1", item.data.rule_id)  # type: ignore[attr-defined]


@handles(ev.SiteDeleted)
async def _site_rules_deleted(conn: asyncpg.Connection, item: Recorded) -> None:
    await conn.execute("DELETE FROM alert_rules WHERE site_id = $1", item.data.site_id)  # type: ignore[attr-defined]


@handles(ev.SiteFilesRead)
async def _site_files(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.SiteFilesRead = item.data  # type: ignore[assignment]
    # The start origin's robots.txt (the first one read), unless the crawl did not consult it.
    robots = next((f for f in d.files if f.kind == "robots.txt" and f.outcome != "not consulted"), None)
    await conn.execute(
        """INSERT INTO crawl_files (crawl_id, robots_url, robots_status, robots_txt, robots_error, sitemap_urls)
           VALUES ($1, $2, $3, $4, $5, $6)
           ON CONFLICT (crawl_id) DO UPDATE SET robots_url = EXCLUDED.robots_url,
               robots_status = EXCLUDED.robots_status, robots_txt = EXCLUDED.robots_txt,
               robots_error = EXCLUDED.robots_error, sitemap_urls = EXCLUDED.sitemap_urls""",
        d.crawl_id, *((robots.url, robots.status, robots.text, robots.error) if robots else (None,) * 4),
        d.sitemap_urls,
    )  # fmt: skip


# A finished crawl of a site that has rules is checked by a worker (woken by the event's NOTIFY).
_CHECK_DUE = """
INSERT INTO alert_checks (crawl_id, site_id, created_at)
SELECT c.id, c.site_id, $2 FROM crawls c
WHERE c.id = $1 AND EXISTS (SELECT 1 FROM alert_rules r WHERE r.site_id = c.site_id)
ON CONFLICT (crawl_id) DO NOTHING
"""


@handles(ev.CrawlCompleted, ev.CrawlFailed)
async def _check_due(conn: asyncpg.Connection, item: Recorded) -> None:
    await conn.execute(_CHECK_DUE, item.data.crawl_id, item.recorded_at)  # type: ignore[attr-defined]


@handles(ev.AlertsChecked)
async def _checked(conn: asyncpg.Connection, item: Recorded) -> None:
    await conn.execute("DELETE FROM alert_checks WHERE crawl_id = $1", item.data.crawl_id)  # type: ignore[attr-defined]


@handles(ev.AlertRaised)
async def _alert_raised(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.AlertRaised = item.data  # type: ignore[assignment]
    await conn.execute(
        """INSERT INTO alerts (id, site_id, rule_id, crawl_id, previous_crawl_id, kind, params, evidence, raised_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)""",
        d.alert_id, d.site_id, d.rule_id, d.crawl_id, d.previous_crawl_id, d.kind, d.params, d.evidence,
        item.recorded_at,
    )  # fmt: skip
    if d.deliveries:
        await conn.executemany(
            """INSERT INTO deliveries (id, alert_id, channel_id, status, available_at, updated_at, version)
               VALUES ($1, $2, $3, 'pending', $4, $4, 0)""",
            [(p.delivery_id, d.alert_id, p.channel_id, item.recorded_at) for p in d.deliveries],
        )


@handles(ev.DeliveryAttempted)
async def _attempted(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.DeliveryAttempted = item.data  # type: ignore[assignment]
    await conn.execute(
        """UPDATE deliveries SET attempts = $2, lease_owner = $3, lease_expires_at = $4, updated_at = $5, version = $6
           WHERE id = $1""",
        d.delivery_id, d.attempt, d.worker_id, d.lease_expires_at, item.recorded_at, item.version,
    )  # fmt: skip


@handles(ev.DeliverySucceeded)
async def _succeeded(conn: asyncpg.Connection, item: Recorded) -> None:
    await conn.execute(
        """UPDATE deliveries SET status = 'delivered', delivered_at = $2, lease_owner = NULL, lease_expires_at = NULL,
                  updated_at = $2, version = $3 WHERE id = $1""",
        item.data.delivery_id, item.recorded_at, item.version,  # type: ignore[attr-defined]
    )  # fmt: skip


@handles(ev.DeliveryAttemptFailed)
async def _attempt_failed(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.DeliveryAttemptFailed = item.data  # type: ignore[assignment]
    # Held back until retry_at; the scheduler sleeps until then and notifies the workers.
    await conn.execute(
        """UPDATE deliveries SET available_at = $2, last_error = $3, lease_owner = NULL, lease_expires_at = NULL,
                  updated_at = $4, version = $5 WHERE id = $1""",
        d.delivery_id, d.retry_at, d.error, item.recorded_at, item.version,
    )  # fmt: skip


@handles(ev.DeliveryFailed)
async def _failed(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.DeliveryFailed = item.data  # type: ignore[assignment]
    await conn.execute(
        """UPDATE deliveries SET status = 'failed', last_error = $2, lease_owner = NULL, lease_expires_at = NULL,
                  updated_at = $3, version = $4 WHERE id = $1""",
        d.delivery_id, d.error, item.recorded_at, item.version,
    )  # fmt: skip


@handles(ev.DeliveryLeaseExpired)
async def _lease_expired(conn: asyncpg.Connection, item: Recorded) -> None:
    d: ev.DeliveryLeaseExpired = item.data  # type: ignore[assignment]
    await conn.execute(
        """UPDATE deliveries SET available_at = $2, lease_owner = NULL, lease_expires_at = NULL, last_error = $3,
                  updated_at = $2, version = $4 WHERE id = $1""",
        d.delivery_id, item.recorded_at, f"the sender stopped before it finished (attempt {d.attempt})",
        item.version,
    )  # fmt: skip


# --- the outbox: claims and leases ------------------------------------------------------------

# Alert checks are taken under an operational lease (no event: evaluating twice raises nothing
# twice, because an alert's id is derived from its rule and crawl).
_CLAIM_CHECK = """
UPDATE alert_checks SET lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2), attempts = attempts + 1
WHERE crawl_id = (
    SELECT crawl_id FROM alert_checks
    WHERE lease_owner IS NULL OR lease_expires_at <= now()
    ORDER BY created_at LIMIT 1 FOR UPDATE SKIP LOCKED)
RETURNING crawl_id, site_id, attempts
"""
_OWN_CHECK = "SELECT 1 FROM alert_checks WHERE crawl_id = $1 AND lease_owner = $2 FOR UPDATE"
_RELEASE_CHECK = "UPDATE alert_checks SET lease_owner = NULL, lease_expires_at = NULL WHERE crawl_id = $1"

_READY_DELIVERIES = """
SELECT id, attempts FROM deliveries
WHERE status = 'pending' AND lease_owner IS NULL AND available_at <= now()
ORDER BY available_at LIMIT $1 FOR UPDATE SKIP LOCKED
"""
_OWN_DELIVERY = """
SELECT d.id, now() AS db_now FROM deliveries d
WHERE d.id = $1 AND d.lease_owner = $2 AND d.attempts = $3 AND d.status = 'pending' FOR UPDATE
"""
_EXPIRED_DELIVERIES = """
SELECT id, attempts, lease_owner FROM deliveries
WHERE status = 'pending' AND lease_owner IS NOT NULL AND lease_expires_at <= $1
ORDER BY lease_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED
"""
_NEXT_DUE = """
SELECT least(
    (SELECT min(available_at) FROM deliveries WHERE status = 'pending' AND lease_owner IS NULL AND available_at > $1),
    (SELECT min(lease_expires_at) FROM deliveries WHERE status = 'pending' AND lease_owner IS NOT NULL),
    (SELECT min(lease_expires_at) FROM alert_checks WHERE lease_owner IS NOT NULL),
    (SELECT min(lease_expires_at) FROM retention_checks WHERE lease_owner IS NOT NULL))
"""
_ANY_DUE = """
SELECT EXISTS (SELECT 1 FROM deliveries WHERE status = 'pending' AND lease_owner IS NULL AND available_at <= $1)
    OR EXISTS (SELECT 1 FROM alert_checks WHERE lease_owner IS NULL OR lease_expires_at <= $1)
    OR EXISTS (SELECT 1 FROM retention_checks WHERE lease_expires_at <= $1)
"""


async def claim_check(conn: asyncpg.Connection, owner: str, lease_seconds: float) -> asyncpg.Record | None:
    """The oldest unleased (or lease-expired) alert check, now leased to ``owner``: ``crawl_id, site_id, attempts``."""
    row: asyncpg.Record | None = await conn.fetchrow(_CLAIM_CHECK, owner, lease_seconds)
    return row


async def owns_check(conn: asyncpg.Connection, crawl_id: uuid.UUID, owner: str) -> bool:
    """Lock the check's row if ``owner`` still holds its lease (call in the transaction that settles it)."""
    return await conn.fetchval(_OWN_CHECK, crawl_id, owner) is not None


async def release_check(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> None:
    await conn.execute(_RELEASE_CHECK, crawl_id)


async def ready_deliveries(conn: asyncpg.Connection, limit: int) -> list[asyncpg.Record]:
    """Due, unleased deliveries, locked (SKIP LOCKED) for the caller's transaction: ``id, attempts``."""
    rows: list[asyncpg.Record] = await conn.fetch(_READY_DELIVERIES, limit)
    return rows


async def own_delivery(conn: asyncpg.Connection, delivery_id: uuid.UUID, owner: str, attempt: int) -> datetime | None:
    """Lock the delivery if this attempt still holds its lease; the database's now, else None."""
    row = await conn.fetchrow(_OWN_DELIVERY, delivery_id, owner, attempt)
    return row["db_now"] if row else None


async def expired_deliveries(conn: asyncpg.Connection, now: datetime, limit: int) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(_EXPIRED_DELIVERIES, now, limit)
    return rows


async def next_due(conn: asyncpg.Connection, now: datetime) -> datetime | None:
    """The next moment an outbox row falls due after ``now`` (a retry, a lease expiry)."""
    due: datetime | None = await conn.fetchval(_NEXT_DUE, now)
    return due


async def any_due(conn: asyncpg.Connection, now: datetime) -> bool:
    return bool(await conn.fetchval(_ANY_DUE, now))
