"""PgQueuer (pgqueuer[asyncpg]) under the shared queue measurements; prints one JSON line.

Its defaults, as a user gets them: a LISTEN-woken QueueManager with ``batch_size`` jobs per
dequeue and its 30-second fallback poll.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from importlib import metadata
from typing import Any

import asyncpg
from pgqueuer import PgQueuer, Queries
from pgqueuer.db import AsyncpgDriver
from pgqueuer.models import Job

from bench import processes, queueprobe


def _app(conn: asyncpg.Connection, probe: queueprobe.Probe) -> PgQueuer:
    pgq = PgQueuer(AsyncpgDriver(conn))

    @pgq.entrypoint("noop")
    async def noop(job: Job) -> None:
        probe.hit((job.payload or b"").decode())

    return pgq


async def _stop(pgq: PgQueuer, task: asyncio.Task[Any]) -> None:
    pgq.shutdown.set()
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, 30)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    setup = await asyncpg.connect(args.dsn)
    await Queries(AsyncpgDriver(setup)).install()
    queries = Queries(AsyncpgDriver(setup))
    result: dict[str, Any] = {"version": metadata.version("pgqueuer")}
    probe = queueprobe.Probe()

    if args.latency_jobs:
        worker_conn = await asyncpg.connect(args.dsn)
        pgq = _app(worker_conn, probe)
        task = asyncio.create_task(pgq.run(batch_size=args.concurrency))
        await asyncio.sleep(0.5)  # let it LISTEN before the first job (the others do the same)

        async def enqueue(key: str) -> None:
            await queries.enqueue("noop", key.encode())

        result["latency"] = await queueprobe.latency(
            probe, enqueue, args.latency_jobs, lost_after=args.lost_after, timeout=args.job_timeout, warmup=args.warmup
        )
        await _stop(pgq, task)
        await worker_conn.close()

    if args.drain_jobs:
        keys = [f"drain-{n}" for n in range(args.drain_jobs)]
        for i in range(0, len(keys), 1000):
            chunk = keys[i : i + 1000]
            await queries.enqueue(["noop"] * len(chunk), [k.encode() for k in chunk], [0] * len(chunk))
        worker_conn = await asyncpg.connect(args.dsn)
        pgq = _app(worker_conn, probe)
        tasks: list[asyncio.Task[Any]] = []

        async def start() -> None:
            tasks.append(asyncio.create_task(pgq.run(batch_size=args.concurrency)))

        result["drain"] = await queueprobe.drain(probe, start, args.drain_jobs, timeout=args.drain_timeout)
        await _stop(pgq, tasks[0])
        await worker_conn.close()
    await setup.close()
    return result


def parse() -> argparse.Namespace:
    parser = queueprobe.argument_parser(__doc__)
    return parser.parse_args()


if __name__ == "__main__":
    processes.emit(asyncio.run(main(parse())))
