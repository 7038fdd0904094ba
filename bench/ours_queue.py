"""Our queue at library level under the shared queue measurements; prints one JSON line.

Enqueue is ``shared.eventlog.streams.append`` of ``CrawlRequested`` (its projection fills ``parsequeue``
and its NOTIFY goes out at commit). The worker is the worker service's own claim loop
(``services.worker.app.Worker``: LISTEN, SKIP LOCKED claim appending ``CrawlStarted``, the body,
``CrawlCompleted``) with a body that only records when it started, so what is measured is the
queue, not a crawl. Logging is configured as the service configures it (info, JSON).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from typing import Any

import asyncpg

from bench import processes, queueprobe
from services.worker.app import Worker
from services.worker.job import CrawlJob
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from shared.platform import database, service
from shared.platform import logging as logs
from shared.platform.cpupool import CpuPool
from shared.platform.settings import Settings

_NAMESPACE = uuid.UUID("6f1c1f0e-6c55-4e0b-9a53-0b6c1f9a7e21")
_CRAWL = CrawlSettings(url="http://127.0.0.1:9/bench", max_pages=1)


def crawl_id_of(key: str) -> uuid.UUID:
    return uuid.uuid5(_NAMESPACE, key)


async def append_requests(conn: asyncpg.Connection, keys: list[str]) -> None:
    """``CrawlRequested`` for each key, in one transaction (what a burst of API calls leaves behind)."""
    async with conn.transaction():
        for key in keys:
            crawl_id = crawl_id_of(key)
            event = ev.CrawlRequested(crawl_id=crawl_id, settings=_CRAWL)
            await streams.append(conn, ev.crawl_stream(crawl_id), [event], expected_version=eventstore.NO_STREAM)


async def noop_body(job: CrawlJob) -> None:
    """A crawl body that does nothing: the HTTP wake-up test's ``WORKER_JOB_BODY``."""


async def _enqueue_backlog(dsn: str, keys: list[str], connections: int = 4) -> None:
    """The drain's backlog, appended over a few connections at once (this part is not timed)."""
    chunks = [keys[i : i + 500] for i in range(0, len(keys), 500)]

    async def writer(mine: list[list[str]]) -> None:
        conn = await database.connect(dsn)
        try:
            for chunk in mine:
                await append_requests(conn, chunk)
        finally:
            await conn.close()

    await asyncio.gather(*(writer(chunks[i::connections]) for i in range(connections)))


async def _completed(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT count(*) FROM crawls WHERE status = 'completed'"))


async def main(args: argparse.Namespace) -> dict[str, Any]:
    database.migrate(args.dsn)
    settings = Settings(
        database_url=args.dsn,
        worker_concurrency=args.concurrency,
        worker_id="bench-worker",
        pool_max_size=args.concurrency + 4,
        log_format="json",
        log_level=args.log_level,
    )
    logs.configure(settings.log_format, settings.log_level, service="worker")
    probe = queueprobe.Probe()
    keys: dict[uuid.UUID, str] = {}

    async def body(job: CrawlJob) -> None:
        probe.hit(keys.get(job.crawl_id, str(job.crawl_id)))

    result: dict[str, Any] = {"version": "this checkout"}
    pool = await database.create_pool(args.dsn, min_size=2, max_size=settings.pool_max_size)
    enqueue_conn = await database.connect(args.dsn)

    if args.latency_jobs:
        worker = Worker(settings, pool, service.Metrics(), body, CpuPool.from_settings(settings))
        worker.start()
        await asyncio.wait_for(worker.listener.connected.wait(), 10)
        await asyncio.sleep(0.5)  # the same settling time the peers get

        async def enqueue(key: str) -> None:
            keys[crawl_id_of(key)] = key
            await append_requests(enqueue_conn, [key])

        result["latency"] = await queueprobe.latency(
            probe, enqueue, args.latency_jobs, lost_after=args.lost_after, timeout=args.job_timeout, warmup=args.warmup
        )
        await worker.stop()

    if args.drain_jobs:
        drain_keys = [f"drain-{n}" for n in range(args.drain_jobs)]
        for key in drain_keys:
            keys[crawl_id_of(key)] = key
        await _enqueue_backlog(args.dsn, drain_keys)
        before = await _completed(enqueue_conn)
        worker = Worker(settings, pool, service.Metrics(), body, CpuPool.from_settings(settings))
        started = asyncio.get_running_loop().time()
        result["drain"] = await queueprobe.drain(probe, _started(worker), args.drain_jobs, timeout=args.drain_timeout)
        # The queue's own end: every crawl's terminal event recorded, not just every body begun.
        while await _completed(enqueue_conn) - before < args.drain_jobs:
            await asyncio.sleep(0.05)
        result["drain"]["seconds_to_all_completed"] = round(asyncio.get_running_loop().time() - started, 3)
        await worker.stop()
    await enqueue_conn.close()
    await pool.close()
    return result


def _started(worker: Worker) -> Any:
    async def start() -> None:
        worker.start()

    return start


def parse() -> argparse.Namespace:
    parser = queueprobe.argument_parser(__doc__)
    parser.add_argument("--log-level", default="info")
    return parser.parse_args()


if __name__ == "__main__":
    sys.stdout.flush()
    processes.emit(asyncio.run(main(parse())))
