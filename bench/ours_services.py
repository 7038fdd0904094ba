"""Our services as users run them (``python -m services.api`` / ``services.worker``), measured from outside.

- HTTP wake-up latency: ``POST /api/crawls`` to a running api, claimed by a running worker; the
  latency is ``started_at - created_at`` of the crawl, both from the database clock (when
  ``CrawlRequested`` and ``CrawlStarted`` were recorded), the same fields the api shows.
- Crawl throughput and memory: one crawl of the generated site by a fresh worker process;
  pages/s over the crawl's ``started_at``..``finished_at``, and the worker's peak RSS (VmHWM).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import subprocess
import time
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import asyncpg

from bench import processes, queueprobe
from shared.eventlog import events as ev
from shared.eventlog import eventstore, streams
from shared.model.crawlsettings import CrawlSettings
from shared.platform import database

API_TOKEN = "bench-" + "0" * 40
_CRAWL_ROW = """SELECT status, error, pages_crawled, pages_discovered, created_at, started_at, finished_at
                FROM crawls WHERE id = $1"""
_TERMINAL = ("completed", "failed", "cancelled")
_RENDERED = """SELECT count(rendered) AS rendered,
                      count(*) FILTER (WHERE rendered->>'render_error' IS NOT NULL) AS failed,
                      avg((rendered->>'render_time_ms')::float8) AS mean_render_ms
               FROM pages WHERE crawl_id = $1"""
_EXTRACTED = """SELECT count(title) AS title, count(meta_description) AS description,
                       count(*) FILTER (WHERE cardinality(h1) > 0) AS h1, count(canonical) AS canonical
                FROM pages WHERE crawl_id = $1"""


@contextlib.contextmanager
def service(python: str, name: str, dsn: str, log: Path, **env: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    """``python -m services.<name>`` on a free loopback port, healthy before the block starts."""
    port = processes.free_port()
    child = processes.child_env(
        DATABASE_URL=dsn,
        HOST="127.0.0.1",
        API_PORT=str(port),
        WORKER_PORT=str(port),
        SCHEDULER_PORT=str(port),
        API_TOKEN=API_TOKEN,
        ALLOW_PRIVATE_NETWORKS="true",
        LOG_FORMAT="json",
        LOG_LEVEL="info",
        **env,
    )
    with processes.running([python, "-m", f"services.{name}"], env=child, log=log) as proc:
        processes.wait_for_health(f"http://127.0.0.1:{port}/health", proc=proc, timeout=60)
        yield proc, port


async def _crawl(conn: asyncpg.Connection, crawl_id: uuid.UUID) -> asyncpg.Record:
    return await conn.fetchrow(_CRAWL_ROW, crawl_id)


async def _wait_terminal(
    conn: asyncpg.Connection, crawl_id: uuid.UUID, timeout: float, wake: asyncio.Event | None = None
) -> asyncpg.Record:
    """Wait for the crawl to end: woken by its notifications, and re-checked twice a second anyway
    (this is the bench watching from outside, not the product polling for work)."""
    deadline = time.monotonic() + timeout
    while True:
        if wake is not None:
            wake.clear()
        row = await _crawl(conn, crawl_id)
        if row is not None and row["status"] in _TERMINAL:
            return row
        if time.monotonic() > deadline:
            raise TimeoutError(f"crawl {crawl_id} still {row['status'] if row else 'missing'} after {timeout} s")
        if wake is None:
            await asyncio.sleep(0.5)
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), 0.5)


def _post(port: int, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/api/crawls",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {API_TOKEN}"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as resp:
        return json.loads(resp.read())  # type: ignore[no-any-return]


async def http_latency(
    python: str,
    dsn: str,
    work: Path,
    target_url: str,
    jobs: int,
    *,
    lost_after: float,
    timeout: float,
    warmup: int = queueprobe.WARMUP_JOBS,
) -> dict[str, Any]:
    """Sequential crawls through the api, each one ended before the next is posted."""
    database.migrate(dsn)
    body = {"url": target_url, "max_pages": 1, "respect_robots": False, "use_sitemaps": False, "max_rps": 1000}
    samples: list[float] = []
    lost = timed_out = 0
    conn = await database.connect(dsn)
    # The scheduler channel carries the crawl id of every lifecycle event (started, completed, ...).
    wakes: dict[str, asyncio.Event] = {}
    await conn.add_listener(ev.SCHEDULER_CHANNEL, lambda *args: wakes.get(args[3], asyncio.Event()).set())
    query = await database.connect(dsn)
    try:
        with (
            # The worker service with a body that returns at once: the claim is what is measured, and
            # each crawl ends before the next POST, so the worker is idle whenever a request arrives.
            service(python, "worker", dsn, work / "http-worker.log", WORKER_JOB_BODY="bench.ours_queue:noop_body"),
            service(python, "api", dsn, work / "http-api.log") as (_, api_port),
        ):
            await asyncio.sleep(0.5)
            for n in range(-warmup, jobs):
                created = await asyncio.to_thread(_post, api_port, body)
                crawl_id = uuid.UUID(created["id"])
                wakes.clear()
                wakes[str(crawl_id)] = wake = asyncio.Event()
                try:
                    row = await _wait_terminal(query, crawl_id, timeout, wake)
                except TimeoutError:
                    if n >= 0:
                        timed_out += 1
                        lost += 1
                        samples.append(timeout)
                    continue
                if n < 0:
                    continue
                if row["started_at"] is None:
                    raise RuntimeError(f"crawl {crawl_id} ended {row['status']} without being claimed")
                latency = (row["started_at"] - row["created_at"]).total_seconds()
                samples.append(max(latency, 0.0))
                lost += latency > lost_after
            statuses = dict(await query.fetch("SELECT status, count(*) FROM crawls GROUP BY status"))
    finally:
        await conn.close()
        await query.close()
    return {"samples_s": samples, "lost_wakeups": lost, "timed_out": timed_out, "statuses": statuses}


async def crawl(
    python: str,
    dsn: str,
    work: Path,
    label: str,
    start_url: str,
    max_pages: int,
    concurrency: int,
    *,
    timeout: float,
    profile: bool = False,
    render: bool = False,
    worker_env: dict[str, str] | None = None,
) -> dict[str, Any]:
    """One crawl of the site by a fresh worker process: pages/s and the worker's peak RSS.

    With ``render``, every page is rendered in the worker's Chromium too; the browser's and its
    driver's peak memory (PSS of the worker's descendants, sampled every second) come back as well.
    """
    database.migrate(dsn)
    settings = CrawlSettings(
        url=start_url,
        max_pages=max_pages,
        concurrency=concurrency,
        max_rps=1000,
        respect_robots=True,
        use_sitemaps=False,
        render="chromium" if render else "off",
    )
    crawl_id = uuid.uuid4()
    conn = await database.connect(dsn)
    samples: list[tuple[float, float, int]] = []
    browser_peak = {"chromium": 0.0, "driver": 0.0}
    try:
        with service(python, "worker", dsn, work / f"{label}-worker.log", **(worker_env or {})) as (proc, _):
            profiler = _profiler(proc.pid, work / f"{label}-worker.pyspy.txt") if profile else None
            started = time.monotonic()
            await streams.append(
                conn,
                ev.crawl_stream(crawl_id),
                [ev.CrawlRequested(crawl_id=crawl_id, settings=settings)],
                expected_version=eventstore.NO_STREAM,
                metadata=ev.Metadata(correlation_id=str(crawl_id), actor="bench"),
            )
            row = None
            while row is None or row["status"] not in _TERMINAL:
                await asyncio.sleep(1.0)
                row = await _crawl(conn, crawl_id)
                samples.append(
                    (round(time.monotonic() - started, 1), round(processes.rss_mb(proc.pid), 1), row["pages_crawled"])
                )
                if render:
                    now = await asyncio.to_thread(processes.descendants_pss_mb, proc.pid)
                    browser_peak = {k: max(v, now[k]) for k, v in browser_peak.items()}
                if time.monotonic() - started > timeout:
                    raise TimeoutError(f"{label} crawl not finished after {timeout} s: {dict(row)}")
            peak = processes.peak_rss_mb(proc.pid)
            if profiler is not None:
                processes.stop(profiler, signal.SIGINT, timeout=60)  # SIGINT: py-spy writes its file
        stored = await conn.fetchval("SELECT count(*) FROM pages WHERE crawl_id = $1", crawl_id)
        links = await conn.fetchval("SELECT count(*) FROM links WHERE crawl_id = $1", crawl_id)
        # The fields Scrapy extracts too, as stored: proof the speed came with the extraction.
        extracted = await conn.fetchrow(_EXTRACTED, crawl_id)
        renders = await conn.fetchrow(_RENDERED, crawl_id)
    finally:
        await conn.close()
    if row["status"] != "completed":
        raise RuntimeError(f"{label} crawl ended {row['status']}: {row['error']}")
    seconds = (row["finished_at"] - row["started_at"]).total_seconds()
    rendering = {}
    if render:
        rendering = {
            "rendered": renders["rendered"],
            "render_failed": renders["failed"],
            "mean_render_ms": round(renders["mean_render_ms"] or 0.0, 1),
            "browser_peak_mb": round(browser_peak["chromium"], 1),
            "driver_peak_mb": round(browser_peak["driver"], 1),
        }
    return {
        "crawl_id": str(crawl_id),
        **rendering,
        "pages": row["pages_crawled"],
        "pages_stored": stored,
        "links_stored": links,
        "extracted": dict(extracted),
        "seconds": round(seconds, 3),
        "pages_per_second": round(row["pages_crawled"] / seconds, 1) if seconds else 0.0,
        "peak_rss_mb": round(peak, 1),
        # Flatness inside one crawl: RSS once a fifth of the pages were stored, and at the end.
        "rss_at_one_fifth_mb": next((r for _, r, p in samples if p >= max_pages / 5), None),
        "rss_at_end_mb": samples[-1][1] if samples else None,
        "rss_timeline_mb": _thin(samples),
    }


def _thin(samples: list[tuple[float, float, int]], keep: int = 40) -> list[list[float]]:
    """At most ``keep`` (seconds, RSS MB, pages) points, evenly spaced, for the details file."""
    step = max(1, len(samples) // keep)
    return [[s, round(r, 1), p] for s, r, p in samples[::step]]


def _profiler(pid: int, out: Path) -> subprocess.Popen[bytes] | None:
    """py-spy sampling the worker until stopped (needs ptrace; without it the run goes on unprofiled)."""
    import shutil
    import sys

    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    if not Path(spy).exists():
        return None
    return subprocess.Popen(
        [spy, "record", "--pid", str(pid), "--format", "raw", "--rate", "50", "-o", str(out)],
        stdout=subprocess.DEVNULL,
        stderr=open(out.with_suffix(".log"), "wb"),  # noqa: SIM115 (lives as long as py-spy)
    )
