"""The worker's outbox: alert checks of finished crawls, and alert deliveries, each claimed with SKIP LOCKED.

When it looks
-------------
Like the claim loop, never on a timer: at start-up, after every (re)connect of its LISTEN
connection, on an ``outbox`` notification (a crawl finished, an alert was raised, the scheduler
says a retry or an expired lease fell due) and after each send finishes.

A delivery
----------
Claimed by appending ``DeliveryAttempted`` (a lease) in the transaction that locked its row; sent
outside any transaction; its outcome (``DeliverySucceeded``, ``DeliveryAttemptFailed`` with the
retry time, ``DeliveryFailed`` after the last attempt) appended only while the lease is still this
attempt's. A worker killed mid-send leaves the lease to expire: the scheduler appends
``DeliveryLeaseExpired`` and the delivery goes out again with the same ``X-SEO-Delivery`` id, so
a receiver that got it the first time can tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import structlog

from services.worker import alertchecks
from shared import vault
from shared.eventlog import crawlstream, eventstore, streams
from shared.eventlog import events as ev
from shared.eventlog.projections import alerts as alertprojections
from shared.eventlog.projections import retention
from shared.model.alerts import full_config
from shared.notify import messages, senders
from shared.platform.listener import Listener
from shared.platform.service import Metrics
from shared.platform.settings import Settings

log = structlog.get_logger(__name__)

CHECK_ATTEMPTS = 3

_DELIVERY = """
SELECT d.id, d.channel_id, a.id AS alert_id, a.site_id, a.crawl_id, a.previous_crawl_id, a.kind, a.params,
       a.evidence, a.raised_at, s.name AS site_name, s.origin AS site_origin,
       c.type, c.name AS channel_name, c.language, c.config, c.secret_ref
FROM deliveries d JOIN alerts a ON a.id = d.alert_id
LEFT JOIN sites s ON s.id = a.site_id
LEFT JOIN channels c ON c.id = d.channel_id
WHERE d.id = $1
"""


def network(settings: Settings) -> senders.Network:
    return senders.Network(
        allow_private=settings.allow_private_networks,
        timeout=settings.delivery_timeout_seconds,
        slack_api_url=settings.slack_api_url,
        telegram_api_url=settings.telegram_api_url,
    )


def retry_delay(attempt: int, settings: Settings, *, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter (half fixed, half random), capped."""
    delay = min(settings.delivery_retry_max_seconds, settings.delivery_retry_base_seconds * 2 ** max(attempt - 1, 0))
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def alert_view(row: asyncpg.Record | dict[str, Any], public_url: str) -> messages.AlertView:
    link = row["evidence"].get("link")
    return messages.AlertView(
        site_name=row["site_name"] or row["site_origin"] or "?", site_origin=row["site_origin"] or "?",
        kind=row["kind"], params=row["params"], evidence=row["evidence"],
        link=f"{public_url.rstrip('/')}{link}" if link else None,
    )  # fmt: skip


def alert_payload(row: asyncpg.Record, view: messages.AlertView, lang: str) -> dict[str, Any]:
    """The webhook's JSON body for an alert (what receivers parse; documented in docs/ALERTS.md)."""
    return {
        "event": senders.EVENT_ALERT,
        "delivery_id": str(row["id"]),
        "alert": {
            "id": str(row["alert_id"]),
            "kind": row["kind"],
            "params": row["params"],
            "title": messages.title(view, lang),
            "site": {"id": str(row["site_id"]), "name": view.site_name, "origin": view.site_origin},
            "crawl_id": str(row["crawl_id"]),
            "previous_crawl_id": str(row["previous_crawl_id"]) if row["previous_crawl_id"] else None,
            "raised_at": row["raised_at"].isoformat(timespec="microseconds"),
            "evidence": row["evidence"],
            "link": view.link,
        },
    }


class Outbox:
    """One worker's alert checks and deliveries."""

    def __init__(self, settings: Settings, pool: asyncpg.Pool, metrics: Metrics) -> None:
        self.settings = settings
        self.pool = pool
        self.metrics = metrics
        self.worker_id = settings.worker_id
        self.vault: vault.Vault | None = None
        self.wake = asyncio.Event()
        self.stopping = False
        self.sending: set[asyncio.Task[None]] = set()
        self._task: asyncio.Task[None] | None = None
        self.listener = Listener(settings.database_url, [ev.OUTBOX_CHANNEL], self._on_notify, self._on_connect)

    def _on_notify(self, channel: str, _payload: str) -> None:
        self.metrics.notifications.labels(channel=channel).inc()
        self.wake.set()

    async def _on_connect(self) -> None:
        self.wake.set()  # notifications sent while we were away are lost: look once

    async def start(self) -> None:
        async with self.pool.acquire() as conn:
            self.vault = await vault.load(conn, self.settings.secret_key)
        self.wake.set()
        self.listener.start()
        self._task = asyncio.create_task(self._loop(), name="outbox")

    async def stop(self) -> None:
        self.stopping = True
        self.wake.set()
        if self._task is not None:
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(self._task, 10)
        if self.sending:
            # A send in flight gets its timeout to finish; one cut off is sent again after its lease.
            await asyncio.wait(self.sending, timeout=self.settings.delivery_timeout_seconds + 5)
        for task in self.sending:
            task.cancel()
        await self.listener.stop()

    async def _loop(self) -> None:
        delay = 0.1
        while not self.stopping:
            await self.wake.wait()
            if self.stopping:
                return
            self.wake.clear()  # before the queries: a NOTIFY meanwhile makes us look again
            try:
                busy = await self.check_once()
                busy = await self.claim_deliveries() or busy
                busy = await self.retention_once() or busy
            except Exception as exc:
                log.warning("outbox pass failed, retrying", error=str(exc) or type(exc).__name__, retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                self.wake.set()
                continue
            delay = 0.1
            if busy:
                self.wake.set()  # there may be more

    # --- alert checks -----------------------------------------------------------------------

    async def check_once(self) -> bool:
        """Evaluate one finished crawl's rules; True when there was one."""
        async with self.pool.acquire() as conn:
            claimed = await alertprojections.claim_check(conn, self.worker_id, self.settings.delivery_lease_seconds)
            if claimed is None:
                return False
            crawl_id = claimed["crawl_id"]
            try:
                raised = await alertchecks.evaluate(conn, crawl_id)
                error = None
            except Exception as exc:
                log.exception("alert check failed", crawl_id=str(crawl_id), attempt=claimed["attempts"])
                if claimed["attempts"] < CHECK_ATTEMPTS:
                    return True  # the lease runs out and the scheduler wakes us to try again
                raised, error = [], f"the rules could not be evaluated: {type(exc).__name__}: {exc}"[:500]
            await self._settle_check(conn, crawl_id, raised, error)
        return True

    async def _settle_check(
        self, conn: asyncpg.Connection, crawl_id: uuid.UUID, raised: list[ev.AlertRaised], error: str | None
    ) -> None:
        meta = ev.Metadata(correlation_id=str(crawl_id), actor=f"worker:{self.worker_id}")
        async with conn.transaction():
            if not await alertprojections.owns_check(conn, crawl_id, self.worker_id):
                return  # our lease ran out and another worker took the check
            appended = []
            for alert in raised:
                # A conflict: raised by an earlier run of this check that died before settling it.
                with contextlib.suppress(eventstore.StreamConflict):
                    await streams.append(
                        conn, ev.alert_stream(alert.alert_id), [alert], expected_version=eventstore.NO_STREAM,
                        metadata=meta,
                    )  # fmt: skip
                appended.append(alert.alert_id)
            checked = ev.AlertsChecked(crawl_id=crawl_id, alerts=appended, error=error)

            async def settle(_held: crawlstream.Held) -> list[ev.Event]:
                return [checked]

            await crawlstream.write(conn, crawl_id, settle, actor=crawlstream.worker_actor(self.worker_id))
        for alert in raised:
            self.metrics.events_appended.labels(type="AlertRaised").inc()
            log.info("alert raised", crawl_id=str(crawl_id), kind=alert.kind, alert_id=str(alert.alert_id),
                     deliveries=len(alert.deliveries))  # fmt: skip

    # --- retention --------------------------------------------------------------------------

    async def retention_once(self) -> bool:
        """Purge the page data of one site's crawls beyond its retention; True when a site was taken."""
        async with self.pool.acquire() as conn:
            claimed = await retention.claim(conn, self.worker_id, self.settings.delivery_lease_seconds)
            if claimed is None:
                return False
            site_id = claimed["site_id"]
            if await retention.alert_checks_pending(conn, site_id):
                # Its alert check may compare with a crawl we would purge; AlertsChecked wakes us again.
                await retention.release(conn, site_id)
                return False
            purged: list[uuid.UUID] = []
            freed = 0
            meta = ev.Metadata(correlation_id=str(site_id), actor=f"worker:{self.worker_id}")
            for crawl in await retention.candidates(conn, site_id):
                async with conn.transaction():
                    if not await retention.owns(conn, site_id, self.worker_id):
                        return True  # our lease ran out; whoever has it now goes on
                    dropped = await retention.drop_crawl_data(conn, crawl["id"])
                    event = ev.CrawlPurged(
                        crawl_id=crawl["id"], bytes_freed=dropped.bytes_freed, rows_deleted=dropped.rows_deleted,
                        events_deleted=dropped.events_deleted, pages_crawled=crawl["pages_crawled"],
                        pages_discovered=crawl["pages_discovered"], issues_count=crawl["issues_count"],
                        errors_count=crawl["errors_count"],
                    )  # fmt: skip

                    async def purged_now(_held: crawlstream.Held, event: ev.Event = event) -> list[ev.Event]:
                        return [event]

                    await crawlstream.write(
                        conn, crawl["id"], purged_now, actor=crawlstream.worker_actor(self.worker_id)
                    )
                purged.append(crawl["id"])
                freed += dropped.bytes_freed
                log.info(
                    "crawl purged", crawl_id=str(crawl["id"]), site_id=str(site_id), bytes_freed=dropped.bytes_freed,
                    rows=dropped.rows_deleted, events=dropped.events_deleted,
                )  # fmt: skip
            async with conn.transaction():
                if await retention.owns(conn, site_id, self.worker_id):
                    applied = ev.RetentionApplied(site_id=site_id, purged=purged, bytes_freed=freed)
                    await streams.append(conn, ev.site_stream(site_id), [applied], metadata=meta)
        if purged:
            log.info("retention applied", site_id=str(site_id), crawls=len(purged), bytes_freed=freed)
        return True

    # --- deliveries -------------------------------------------------------------------------

    async def claim_deliveries(self) -> bool:
        """Take due deliveries for the free sending slots; True when one was taken."""
        free = self.settings.delivery_concurrency - len(self.sending)
        if free <= 0:
            return False
        claimed: list[tuple[uuid.UUID, int]] = []
        async with self.pool.acquire() as conn, conn.transaction():
            now: datetime = await conn.fetchval("SELECT now()")
            for row in await alertprojections.ready_deliveries(conn, free):
                attempt = row["attempts"] + 1
                event = ev.DeliveryAttempted(
                    delivery_id=row["id"], attempt=attempt, worker_id=self.worker_id,
                    lease_expires_at=now + timedelta(seconds=self.settings.delivery_lease_seconds),
                )  # fmt: skip
                meta = ev.Metadata(correlation_id=str(row["id"]), actor=f"worker:{self.worker_id}")
                await streams.append(conn, ev.delivery_stream(row["id"]), [event], metadata=meta)
                claimed.append((row["id"], attempt))
        for delivery_id, attempt in claimed:
            task = asyncio.create_task(self._deliver(delivery_id, attempt), name=f"delivery-{delivery_id}")
            self.sending.add(task)
            task.add_done_callback(self._sent)
        return bool(claimed)

    def _sent(self, task: asyncio.Task[None]) -> None:
        self.sending.discard(task)
        if not self.stopping:
            self.wake.set()  # a slot is free: take the next due delivery

    async def _deliver(self, delivery_id: uuid.UUID, attempt: int) -> None:
        try:
            outcome = await self._send(delivery_id, attempt)
        except Exception as exc:  # a bug here must not lose the delivery: it is retried like a failure
            log.exception("delivery crashed", delivery_id=str(delivery_id))
            outcome = (False, f"internal error: {type(exc).__name__}", True)
        try:
            await self._record(delivery_id, attempt, *outcome)
        except Exception:
            log.exception("could not record a delivery's outcome; its lease expires and it is sent again",
                          delivery_id=str(delivery_id))  # fmt: skip

    async def _send(self, delivery_id: uuid.UUID, attempt: int) -> tuple[bool, str, bool]:
        """Send once: ``(delivered, detail or error, retryable)``."""
        assert self.vault is not None
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(_DELIVERY, delivery_id)
            if row is None:
                return False, "the alert is gone", False
            if row["type"] is None:
                return False, "the channel was deleted", False
            try:
                secrets = await vault.read(conn, self.vault, row["secret_ref"]) if row["secret_ref"] else {}
            except (KeyError, vault.VaultError) as exc:
                return False, str(exc).strip("'\""), True
        config = full_config(row["type"], row["config"], secrets)
        view = alert_view(row, self.settings.public_url)
        lang = row["language"]
        envelope = senders.Envelope(
            delivery_id=str(delivery_id), event=senders.EVENT_ALERT, message=messages.render(view, lang),
            payload=alert_payload(row, view, lang),
        )  # fmt: skip
        try:
            detail = await asyncio.wait_for(
                senders.send(network(self.settings), row["type"], config, envelope),
                self.settings.delivery_timeout_seconds + 5,
            )
        except senders.DeliveryError as exc:
            log.info("delivery attempt failed", delivery_id=str(delivery_id), attempt=attempt, error=str(exc))
            return False, str(exc), True
        except TimeoutError:
            return False, f"no answer within {self.settings.delivery_timeout_seconds:g} s", True
        log.info("delivered", delivery_id=str(delivery_id), attempt=attempt, channel=row["type"], detail=detail)
        return True, detail, False

    async def _record(self, delivery_id: uuid.UUID, attempt: int, delivered: bool, text: str, retryable: bool) -> None:
        meta = ev.Metadata(correlation_id=str(delivery_id), actor=f"worker:{self.worker_id}")
        async with self.pool.acquire() as conn, conn.transaction():
            now = await alertprojections.own_delivery(conn, delivery_id, self.worker_id, attempt)
            if now is None:
                return  # the lease expired meanwhile; the scheduler handed it on
            event: ev.Event
            if delivered:
                event = ev.DeliverySucceeded(delivery_id=delivery_id, attempt=attempt, detail=text)
            elif retryable and attempt < self.settings.delivery_max_attempts:
                retry_at = now + timedelta(seconds=retry_delay(attempt, self.settings))
                event = ev.DeliveryAttemptFailed(
                    delivery_id=delivery_id, attempt=attempt, error=text, retry_at=retry_at
                )
            else:
                if retryable:
                    text = f"{text} (gave up after {attempt} attempts)"
                event = ev.DeliveryFailed(delivery_id=delivery_id, attempt=attempt, error=text)
            await streams.append(conn, ev.delivery_stream(delivery_id), [event], metadata=meta)
        self.metrics.events_appended.labels(type=event.type_name()).inc()
