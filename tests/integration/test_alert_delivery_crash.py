"""A worker killed (SIGKILL) in the middle of sending an alert loses nothing: the scheduler expires its lease and
another worker sends it again, with the same X-SEO-Delivery id."""

from __future__ import annotations

import asyncio
import signal
import uuid
from typing import Any

import aiohttp
import asyncpg

from services.api.app import create_app as create_api
from services.scheduler.app import create_app as create_scheduler
from services.worker.app import create_app as create_worker
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from tests.integration.receivers import channel_bodies, running_receivers
from tests.integration.service_support import serve, service_env, settings_for, start_service, wait_until

TOKEN = "test-token-delivery-crash-0123456789abcdef0123456789"
SECRET_KEY = "crash-test-secret-key-0123456789"
LEASE = "2"


async def _delivery_events(pool: asyncpg.Pool, delivery_id: uuid.UUID) -> list[str]:
    async with pool.acquire() as conn:
        return [e.type for e in await eventstore.read_stream(conn, ev.delivery_stream(delivery_id))]


async def test_a_killed_sender_loses_nothing_and_the_retry_keeps_the_delivery_id(dsn: str, pool: asyncpg.Pool) -> None:
    async with running_receivers() as rx:
        rx.hang_once = True
        settings = settings_for(dsn, api_token=TOKEN, secret_key=SECRET_KEY, delivery_lease_seconds=float(LEASE),
                                delivery_timeout_seconds=30)  # fmt: skip
        async with (
            serve(create_api(settings)) as api,
            serve(create_scheduler(settings)),
            aiohttp.ClientSession(headers={"Authorization": f"Bearer {TOKEN}"}) as http,
        ):
            async with http.post(f"{api}/api/sites", json={"url": "https://crash.example/"}) as resp:
                site = await resp.json()
            async with http.post(f"{api}/api/channels", json=channel_bodies(rx)["webhook"]) as resp:
                channel_id = uuid.UUID((await resp.json())["id"])

            # A worker in a process of its own takes the delivery; the receiver never answers it.
            env = service_env(dsn, SECRET_KEY=SECRET_KEY, DELIVERY_LEASE_SECONDS=LEASE, DELIVERY_TIMEOUT_SECONDS="30",
                              WORKER_PORT="0", WORKER_ID="doomed")  # fmt: skip
            doomed = await start_service("worker", env)
            try:
                alert_id, delivery_id = uuid.uuid4(), uuid.uuid4()
                raised = ev.AlertRaised(
                    alert_id=alert_id, site_id=uuid.UUID(site["id"]), rule_id=uuid.uuid4(), crawl_id=uuid.uuid4(),
                    kind="robots_changed", params={}, evidence={"count": 1, "diff": "+Disallow: /", "items": []},
                    deliveries=[ev.PlannedDelivery(delivery_id=delivery_id, channel_id=channel_id)],
                )  # fmt: skip
                async with pool.acquire() as conn:
                    await streams.append(conn, ev.alert_stream(alert_id), [raised], expected_version=0)
                await asyncio.wait_for(rx.got_request.wait(), 30)
            finally:
                doomed.send_signal(signal.SIGKILL)
                await doomed.wait()
            assert await _delivery_events(pool, delivery_id) == ["DeliveryAttempted"]

            # Another worker is up; the lease runs out, the scheduler hands the delivery back, it is sent again.
            async with serve(create_worker(settings)):

                async def delivered() -> bool:
                    async with pool.acquire() as conn:
                        status = await conn.fetchval("SELECT status FROM deliveries WHERE id = $1", delivery_id)
                    return bool(status == "delivered")

                await wait_until(dsn, delivered, timeout=30, what="the second attempt")

    assert await _delivery_events(pool, delivery_id) == [
        "DeliveryAttempted", "DeliveryLeaseExpired", "DeliveryAttempted", "DeliverySucceeded",
    ]  # fmt: skip
    ids = [r.headers["X-SEO-Delivery"] for r in rx.webhook]
    assert ids == [str(delivery_id), str(delivery_id)]
    assert [r.answered for r in rx.webhook] == [0, 200] and all(r.verified for r in rx.webhook)
    async with pool.acquire() as conn:
        row: Any = await conn.fetchrow("SELECT status, attempts, last_error FROM deliveries WHERE id = $1", delivery_id)
    assert (row["status"], row["attempts"]) == ("delivered", 2)
    assert row["last_error"] == "the sender stopped before it finished (attempt 1)"
