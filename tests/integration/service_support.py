"""Helpers for the foundation's service tests: run an app on a free port, append work, wait on the log.

Waiting is event-driven: ``wait_until`` LISTENs on the ``events`` channel (every append notifies it)
and re-checks its condition on each notification, with a deadline; it never sleeps and hopes.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import sys
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import asyncpg
from aiohttp import web

from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from shared.platform import database
from shared.platform.settings import Settings

REPO = Path(__file__).resolve().parents[2]


def settings_for(dsn: str, **overrides: Any) -> Settings:
    """Settings for a service under test: the test database, loopback, quick timings."""
    values: dict[str, Any] = {
        "database_url": dsn,
        "host": "127.0.0.1",
        "log_format": "console",
        "allow_private_networks": True,
        "worker_id": f"w-{uuid.uuid4().hex[:8]}",
        "pool_max_size": 5,
        # The watchdog's timer is process-wide (faulthandler): services served inside the test
        # process leave it to the tests that run them as processes of their own.
        "watchdog_seconds": 0,
    }
    values.update(overrides)
    return Settings(**values)


@contextlib.asynccontextmanager
async def serve(app: web.Application) -> AsyncIterator[str]:
    """Run ``app`` on 127.0.0.1 and a free port (startup and cleanup contexts included)."""
    runner = web.AppRunner(app, handle_signals=False, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()


async def claim_one(conn: asyncpg.Connection, worker_id: str, lease_seconds: float = 30) -> Any:
    """The worker's claim for one crawl: a ``queue.Claim``, ``queue.UNCLAIMABLE``, or ``None`` when none waits."""
    from services.worker import queue

    claims = await queue.claim_many(conn, worker_id, lease_seconds, limit=1)
    return claims[0] if claims else None


async def request_crawl(pool: asyncpg.Pool, url: str = "https://example.com/") -> uuid.UUID:
    """Append ``CrawlRequested`` (as the api does) and return the crawl id."""
    crawl_id = uuid.uuid4()
    event = ev.CrawlRequested(crawl_id=crawl_id, settings=CrawlSettings(url=url))
    async with pool.acquire() as conn:
        await streams.append(conn, ev.crawl_stream(crawl_id), [event], expected_version=eventstore.NO_STREAM)
    return crawl_id


async def stream_types(pool: asyncpg.Pool, crawl_id: uuid.UUID) -> list[str]:
    async with pool.acquire() as conn:
        return [e.type for e in await eventstore.read_stream(conn, ev.crawl_stream(crawl_id))]


async def stream(pool: asyncpg.Pool, crawl_id: uuid.UUID) -> list[eventstore.Recorded]:
    async with pool.acquire() as conn:
        return await eventstore.read_stream(conn, ev.crawl_stream(crawl_id))


async def crawl_status(pool: asyncpg.Pool, crawl_id: uuid.UUID) -> str | None:
    async with pool.acquire() as conn:
        status: str | None = await conn.fetchval("SELECT status FROM crawls WHERE id = $1", crawl_id)
        return status


async def wait_until(
    dsn: str, check: Callable[[], Awaitable[bool]], *, timeout: float = 20.0, what: str = "condition"
) -> None:
    """Re-check ``check`` whenever an event is appended, until it holds or ``timeout`` passes."""
    changed = asyncio.Event()
    conn = await database.connect(dsn)
    await conn.add_listener(ev.EVENTS_CHANNEL, lambda *_: changed.set())
    try:
        async with asyncio.timeout(timeout):
            while True:
                changed.clear()  # before the check, for the same reason as the worker's claim
                if await check():
                    return
                await changed.wait()
    except TimeoutError:
        raise AssertionError(f"timed out after {timeout}s waiting for {what}") from None
    finally:
        await conn.close()


async def wait_for_types(
    dsn: str, pool: asyncpg.Pool, crawl_id: uuid.UUID, expected: list[str], *, timeout: float = 20.0
) -> list[str]:
    """Wait until the crawl's stream starts with ``expected`` (event type names)."""
    seen: list[str] = []

    async def check() -> bool:
        nonlocal seen
        seen = await stream_types(pool, crawl_id)
        return seen[: len(expected)] == expected and len(seen) >= len(expected)

    try:
        await wait_until(dsn, check, timeout=timeout, what=f"{expected}")
    except AssertionError as exc:
        raise AssertionError(f"{exc}; the stream holds {seen}") from None
    return seen


async def wait_for_state(predicate: Callable[[], bool], *, timeout: float = 10.0, what: str = "condition") -> None:
    """For in-process state (a flag on a service object): re-check on every loop turn, with a deadline."""
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.01)


def free_port() -> int:
    return free_ports(1)[0]


def free_ports(count: int) -> list[int]:
    """``count`` distinct free loopback ports: every socket is held until all are picked, since the
    kernel may hand a just-released port out again (two services once got the same one)."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [int(sock.getsockname()[1]) for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def service_env(dsn: str, **extra: str) -> dict[str, str]:
    """The environment a service subprocess gets in tests."""
    env = dict(os.environ)
    env.update(
        {
            "DATABASE_URL": dsn,
            "HOST": "127.0.0.1",
            "LOG_FORMAT": "console",
            "ALLOW_PRIVATE_NETWORKS": "true",
            "PYTHONPATH": str(REPO),
        }
    )
    env.update(extra)
    return env


async def start_service(name: str, env: dict[str, str], *, stderr: int | None = None) -> asyncio.subprocess.Process:
    """``python -m services.<name>`` as a real subprocess (what compose runs)."""
    return await asyncio.create_subprocess_exec(
        sys.executable, "-m", f"services.{name}", cwd=str(REPO), env=env,
        stdout=asyncio.subprocess.DEVNULL, stderr=stderr,
    )  # fmt: skip
