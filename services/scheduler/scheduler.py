"""The scheduler's loop: while it holds the lock, do what is due, then sleep exactly until the next due moment.

Due moments are the next lease expiry, the next delayed retry, the next cron fire and the next
delivery retry or sender lease expiry (``outbox``). A NOTIFY on
``scheduler`` (a claim, a failure, a new schedule) wakes it early to re-plan. The clock is injected
so tests drive cron with a controllable one.
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import structlog

from services.scheduler import cron, outbox, reaper
from services.scheduler.election import Election
from shared.eventlog import events as ev
from shared.platform.listener import Listener
from shared.platform.service import Metrics
from shared.platform.settings import Settings

log = structlog.get_logger(__name__)

Clock = Callable[[], datetime]

# Wake a hair after the due moment so "expires_at <= now" holds when we look.
_SLACK_SECONDS = 0.005
# A duty that found a row locked by another process (or failed) looks again this soon.
BUSY_RETRY_SECONDS = 1.0


def wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class TickResult:
    """What one pass did, and when the next one is due."""

    expired: list[uuid.UUID] = field(default_factory=list)
    requeued: list[uuid.UUID] = field(default_factory=list)
    fired: list[uuid.UUID] = field(default_factory=list)
    deliveries_expired: list[uuid.UUID] = field(default_factory=list)
    next_due: datetime | None = None


class Scheduler:
    """One scheduler instance: a standby until it wins the election, then the active one."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, metrics: Metrics, *, clock: Clock = wall_clock) -> None:
        self.settings = settings
        self.pool = pool
        self.metrics = metrics
        self.clock = clock
        self.wake = asyncio.Event()
        self.election = Election(settings.database_url, retry_seconds=settings.standby_retry_seconds)
        self.listener = Listener(settings.database_url, [ev.SCHEDULER_CHANNEL], self._on_notify, self._on_connect)
        self.ticks = 0
        self._task: asyncio.Task[None] | None = None
        # After the database came back, no lease expires for one lease time: the workers could not
        # heartbeat while it was away, and are not dead for that (issue 12: an outage uses up no attempt).
        self.expiry_grace_until: datetime | None = None

    @property
    def is_leader(self) -> bool:
        return self.election.is_leader

    def _on_notify(self, channel: str, _payload: str) -> None:
        self.metrics.notifications.labels(channel=channel).inc()
        self.wake.set()

    async def _on_connect(self) -> None:
        if self.listener.reconnects:
            self.metrics.listen_reconnects.inc()
            self.expiry_grace_until = self.clock() + timedelta(seconds=self.settings.lease_seconds)
        self.wake.set()  # changes made while we were away were not announced to us: re-plan

    async def tick(self) -> TickResult:
        """Do everything due at ``clock()``; return when the next thing is due.

        Each duty runs on its own: one that fails (or finds a row locked by a frozen process) does
        not hold back the others, and what it could not do is looked at again in ``BUSY_RETRY_SECONDS``.
        """
        now = self.clock()
        self.ticks += 1
        result = TickResult()
        skipped: list[uuid.UUID] = []
        retry_soon = False

        async def duty(name: str, work: Any) -> Any:
            nonlocal retry_soon
            try:
                return await work
            except asyncpg.PostgresError as exc:  # a lock timeout, a statement error: the others go on
                log.warning("scheduler duty failed; retrying soon", duty=name, error=str(exc) or type(exc).__name__)
                retry_soon = True
                return None

        max_attempts = self.settings.retry_max_attempts
        grace = self.expiry_grace_until
        if grace is not None and now >= grace:
            grace = self.expiry_grace_until = None
        if grace is None:
            expiring = reaper.expire_leases(self.pool, now, max_attempts, skipped=skipped)
            result.expired = await duty("leases", expiring) or []
        result.requeued = await duty("retries", reaper.requeue_due_retries(self.pool, now, skipped=skipped)) or []
        fired = await duty("cron", cron.fire_due(self.pool, now, skipped=skipped))
        result.fired, next_fire = fired if fired is not None else ([], None)
        next_queue = await reaper.next_due(self.pool, now)
        delivered = await duty("deliveries", outbox.tick(self.pool, now, self.settings.delivery_max_attempts))
        result.deliveries_expired, next_outbox = delivered if delivered is not None else ([], None)
        if skipped or retry_soon:
            soon = now + timedelta(seconds=BUSY_RETRY_SECONDS)
            next_queue = min(next_queue, soon) if next_queue is not None else soon
        if grace is not None:  # leases that ran out meanwhile are looked at when the grace ends
            next_queue = min(next_queue, grace) if next_queue is not None else grace
        self.metrics.lease_expiries.inc(len(result.expired))
        self.metrics.retries_requeued.inc(len(result.requeued))
        self.metrics.schedule_fires.inc(len(result.fired))
        for type_name, items in (
            ("LeaseExpired", result.expired),
            ("CrawlRequeued", result.requeued),
            ("ScheduleFired", result.fired),
        ):
            if items:
                self.metrics.events_appended.labels(type=type_name).inc(len(items))
        if result.fired:
            self.metrics.events_appended.labels(type="CrawlRequested").inc(len(result.fired))
        candidates = [t for t in (next_fire, next_queue, next_outbox) if t is not None]
        result.next_due = min(candidates) if candidates else None
        return result

    async def _lead(self) -> None:
        """The active scheduler's loop: tick, then sleep until the next due moment or a NOTIFY."""
        delay = 0.1
        while True:
            self.wake.clear()  # before the tick, so a NOTIFY during it makes us tick again
            try:
                result = await self.tick()
                delay = 0.1
                sleep = self.settings.scheduler_max_sleep_seconds
                if result.next_due is not None:
                    until = (result.next_due - self.clock()).total_seconds() + _SLACK_SECONDS
                    sleep = min(max(until, 0.0), sleep)
            except Exception as exc:
                log.warning("scheduler pass failed; retrying", error=str(exc) or type(exc).__name__, retry_in=delay)
                sleep, delay = delay, min(delay * 2, 5.0)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), sleep)

    async def run(self) -> None:
        """Campaign; lead while the lock is ours; stand by again when it is lost."""
        while True:
            await self.election.campaign()
            self.metrics.scheduler_leader.set(1)
            log.info("this scheduler is now the active one")
            duties = asyncio.create_task(self._lead(), name="scheduler-duties")
            watch = asyncio.create_task(self.election.watch(), name="scheduler-lock-watch")
            try:
                await asyncio.wait({duties, watch}, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for task in (duties, watch):
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError, Exception):
                        await task
                self.metrics.scheduler_leader.set(0)
                await self.election.resign()
            log.warning("lost the scheduler lock; standing by")

    def start(self) -> None:
        self.listener.start()
        self._task = asyncio.create_task(self.run(), name="scheduler")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            # Bounded: a shutdown must end even if a database call in flight is slow to cancel.
            done, _ = await asyncio.wait({self._task}, timeout=10)
            if not done:
                log.warning("scheduler loop did not stop in time; leaving it")
        await self.election.resign()
        await self.listener.stop()
