"""procrastinate (with psycopg's pool) under the shared queue measurements; prints one JSON line.

Its defaults, as a user gets them: LISTEN/NOTIFY on, and its fallback poll every 5 seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
from importlib import metadata
from typing import Any

import procrastinate

from bench import processes, queueprobe


def _app(dsn: str, concurrency: int, probe: queueprobe.Probe) -> procrastinate.App:
    connector = procrastinate.PsycopgConnector(conninfo=dsn, min_size=2, max_size=concurrency + 4)
    app = procrastinate.App(connector=connector)

    @app.task(name="noop")
    async def noop(key: str) -> None:
        probe.hit(key)

    return app


async def _stop(task: asyncio.Task[Any]) -> None:
    task.cancel()  # procrastinate's documented way to stop a worker run as a task: it stops gracefully
    with contextlib.suppress(asyncio.CancelledError, TimeoutError):
        await asyncio.wait_for(task, 30)


async def main(args: argparse.Namespace) -> dict[str, Any]:
    logging.getLogger("procrastinate").setLevel(logging.WARNING)
    probe = queueprobe.Probe()
    app = _app(args.dsn, args.concurrency, probe)
    result: dict[str, Any] = {"version": metadata.version("procrastinate")}
    async with app.open_async():
        await app.schema_manager.apply_schema_async()
        noop = app.tasks["noop"]
        worker_options = {"concurrency": args.concurrency, "install_signal_handlers": False}

        if args.latency_jobs:
            task = asyncio.create_task(app.run_worker_async(wait=True, **worker_options))
            await asyncio.sleep(0.5)  # let it LISTEN before the first job (the others do the same)

            async def enqueue(key: str) -> None:
                await noop.defer_async(key=key)

            result["latency"] = await queueprobe.latency(
                probe,
                enqueue,
                args.latency_jobs,
                lost_after=args.lost_after,
                timeout=args.job_timeout,
                warmup=args.warmup,
            )
            await _stop(task)

        if args.drain_jobs:
            keys = [f"drain-{n}" for n in range(args.drain_jobs)]
            for i in range(0, len(keys), 1000):
                await noop.batch_defer_async(*({"key": k} for k in keys[i : i + 1000]))
            tasks: list[asyncio.Task[Any]] = []

            async def start() -> None:
                tasks.append(asyncio.create_task(app.run_worker_async(wait=True, **worker_options)))

            result["drain"] = await queueprobe.drain(probe, start, args.drain_jobs, timeout=args.drain_timeout)
            await _stop(tasks[0])
    return result


def parse() -> argparse.Namespace:
    parser = queueprobe.argument_parser(__doc__)
    return parser.parse_args()


if __name__ == "__main__":
    processes.emit(asyncio.run(main(parse())))
