"""Time-driven outbox duties: expire the leases of dead senders, and wake the workers when a delivery falls due.

Deliveries wait in ``deliveries`` until ``available_at`` (a retry's backoff); a sender that died
holds a lease until it expires. The scheduler sleeps until the next of those moments (``next_due``,
part of its plan) and then appends ``DeliveryLeaseExpired`` for expired leases (the delivery is
due again, or failed when it has used its attempts) and notifies the ``outbox`` channel so that a
worker claims what is due. Nobody polls.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg
import structlog

from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.eventlog.projections import alerts as alertprojections

log = structlog.get_logger(__name__)

BATCH = 100
_META = ev.Metadata(actor="scheduler")
_NOTIFY = "SELECT pg_notify($1, 'due')"


async def expire_leases(pool: asyncpg.Pool, now: datetime, max_attempts: int) -> list[uuid.UUID]:
    """``DeliveryLeaseExpired`` (and ``DeliveryFailed`` after the last attempt) for every lease run out by ``now``."""
    expired: list[uuid.UUID] = []
    async with pool.acquire() as conn, conn.transaction():
        for row in await alertprojections.expired_deliveries(conn, now, BATCH):
            events: list[ev.Event] = [
                ev.DeliveryLeaseExpired(delivery_id=row["id"], attempt=row["attempts"], worker_id=row["lease_owner"])
            ]
            if row["attempts"] >= max_attempts:
                reason = f"the sender stopped before it finished, on the last of {row['attempts']} attempts"
                events.append(ev.DeliveryFailed(delivery_id=row["id"], attempt=row["attempts"], error=reason))
            meta = _META.model_copy(update={"correlation_id": str(row["id"])})
            try:
                await streams.append(conn, ev.delivery_stream(row["id"]), events, metadata=meta)
            except eventstore.StreamConflict:
                continue
            log.warning("delivery lease expired", delivery_id=str(row["id"]), worker_id=row["lease_owner"])
            expired.append(row["id"])
    return expired


async def tick(pool: asyncpg.Pool, now: datetime, max_attempts: int) -> tuple[list[uuid.UUID], datetime | None]:
    """Do what is due at ``now``; returns the expired deliveries and the next due moment."""
    expired = await expire_leases(pool, now, max_attempts)
    async with pool.acquire() as conn:
        if await alertprojections.any_due(conn, now):
            await conn.execute(_NOTIFY, ev.OUTBOX_CHANNEL)
        return expired, await alertprojections.next_due(conn, now)
