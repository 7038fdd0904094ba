"""The queue measurements every system shares: sequential wake-up latency and drain throughput.

A job's latency runs from the moment its enqueue has committed (the enqueue call returned) to
the moment the worker starts the job's body, i.e. the claim has returned. Each system's worker
runs in the same process as the enqueuer, on the same event loop, so the clock is the same.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

WARMUP_JOBS = 10  # connections and caches warm up on these; they are not counted


def argument_parser(description: str | None) -> argparse.ArgumentParser:
    """The options every queue runner takes: one definition, so each system runs with the same defaults."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--dsn", required=True)
    parser.add_argument("--latency-jobs", type=int, default=1000)
    parser.add_argument("--drain-jobs", type=int, default=20000)
    parser.add_argument("--concurrency", type=int, default=10)
    parser.add_argument("--lost-after", type=float, default=1.0)
    parser.add_argument("--warmup", type=int, default=WARMUP_JOBS)
    parser.add_argument("--job-timeout", type=float, default=35.0)
    parser.add_argument("--drain-timeout", type=float, default=600.0)
    return parser


@dataclass
class Probe:
    """What job bodies call: records when each job's body started."""

    started: dict[str, float] = field(default_factory=dict)
    waiters: dict[str, asyncio.Event] = field(default_factory=dict)
    count: int = 0
    target: int | None = None
    all_done: asyncio.Event = field(default_factory=asyncio.Event)
    duplicates: int = 0

    def hit(self, key: str) -> None:
        now = time.monotonic()
        if key in self.started:
            self.duplicates += 1
            return
        self.started[key] = now
        self.count += 1
        waiter = self.waiters.pop(key, None)
        if waiter is not None:
            waiter.set()
        if self.target is not None and self.count >= self.target:
            self.all_done.set()


async def latency(
    probe: Probe,
    enqueue: Callable[[str], Awaitable[Any]],
    jobs: int,
    *,
    lost_after: float,
    timeout: float,
    warmup: int = WARMUP_JOBS,
) -> dict[str, Any]:
    """Enqueue ``jobs`` jobs one after another, each after the previous one was claimed."""
    samples: list[float] = []
    lost = 0
    timed_out = 0
    for n in range(-warmup, jobs):
        key = f"warm-{n}" if n < 0 else f"job-{n}"
        waiter = asyncio.Event()
        probe.waiters[key] = waiter
        await enqueue(key)
        committed = time.monotonic()
        try:
            await asyncio.wait_for(waiter.wait(), timeout)
        except TimeoutError:
            probe.waiters.pop(key, None)
            if n >= 0:
                timed_out += 1
                lost += 1
                samples.append(timeout)
            continue
        if n < 0:
            continue
        # The body may start before the enqueuer resumes (the notification can overtake the
        # commit's reply); that is a zero wait, not a negative one.
        elapsed = max(probe.started[key] - committed, 0.0)
        samples.append(elapsed)
        if elapsed > lost_after:
            lost += 1
    return {"samples_s": samples, "lost_wakeups": lost, "timed_out": timed_out, "duplicates": probe.duplicates}


async def drain(
    probe: Probe, start_worker: Callable[[], Awaitable[Any]], jobs: int, *, timeout: float
) -> dict[str, Any]:
    """Jobs already enqueued: start the worker and time until every body has started."""
    probe.target = probe.count + jobs
    probe.all_done.clear()
    started = time.monotonic()
    await start_worker()
    await asyncio.wait_for(probe.all_done.wait(), timeout)
    seconds = time.monotonic() - started
    return {"jobs": jobs, "seconds": round(seconds, 3), "jobs_per_second": round(jobs / seconds, 1)}
