"""The worker service: a claim loop woken by NOTIFY that runs crawls under a heartbeated lease.

When it looks for work
----------------------
Never on a timer. Only at start-up, after every (re)connect of its LISTEN connection
(notifications sent while it was away are lost), when a ``parsequeue`` notification arrives, and
after a crawl finishes (to drain a backlog). The wake-up flag is cleared *before* the claim
query: a notification that lands while an empty claim is running sets it again, so the loop
claims once more instead of sleeping on work that arrived mid-query.
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import uuid
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

import asyncpg
import structlog
from aiohttp import web

from services.worker import lease, queue
from services.worker.crawl import crawler
from services.worker.job import CrawlError, CrawlJob, JobBody, LeaseLost
from services.worker.outbox import Outbox
from shared.eventlog import crawlstream, eventstore
from shared.eventlog import events as ev
from shared.eventlog.projections import parsequeue
from shared.platform import database, service
from shared.platform import logging as logs
from shared.platform.cpupool import CpuPool
from shared.platform.listener import Listener
from shared.platform.settings import Settings

if TYPE_CHECKING:
    from services.worker.render.browser import Browser

log = structlog.get_logger(__name__)

_CONTROL_STATUS = "SELECT id, status FROM crawls WHERE id = ANY($1::uuid[])"


def resolve_job_body(settings: Settings) -> JobBody:
    """The crawl body: ``settings.worker_job_body`` (``module:function``) if set, else the crawler."""
    if settings.worker_job_body:
        module_name, _, attr = settings.worker_job_body.partition(":")
        body: JobBody = getattr(importlib.import_module(module_name), attr or "run_crawl")
        return body
    return crawler.run_crawl


class Worker:
    """Claims crawls when woken and runs up to ``worker_concurrency`` of them at once."""

    def __init__(
        self, settings: Settings, pool: asyncpg.Pool, metrics: service.Metrics, job_body: JobBody, cpu: CpuPool
    ) -> None:
        self.settings = settings
        # Started on the first page a rendering crawl asks for; shared by every crawl of this worker.
        self.browser = _browser(settings)
        self.pool = pool
        self.cpu = cpu
        self.metrics = metrics
        self.job_body = job_body
        self.worker_id = settings.worker_id
        self.wake = asyncio.Event()
        self.slot_free = asyncio.Event()
        self.stopping = False
        self.jobs: dict[uuid.UUID, CrawlJob] = {}
        self.job_tasks: dict[uuid.UUID, asyncio.Task[None]] = {}
        self._background: set[asyncio.Task[Any]] = set()
        self._loop_task: asyncio.Task[None] | None = None
        self._claim_conn: asyncpg.Connection | None = None
        self.listener = Listener(
            settings.database_url,
            [ev.WORK_CHANNEL, ev.CONTROL_CHANNEL],
            self._on_notify,
            self._on_connect,
        )

    # --- waking -------------------------------------------------------------------------------

    def _on_notify(self, channel: str, payload: str) -> None:
        self.metrics.notifications.labels(channel=channel).inc()
        if channel == ev.WORK_CHANNEL:
            self.wake.set()
        elif channel == ev.CONTROL_CHANNEL:
            with contextlib.suppress(ValueError):
                crawl_id = uuid.UUID(payload)
                if crawl_id in self.jobs:
                    self._spawn(self._apply_control([crawl_id]))

    async def _on_connect(self) -> None:
        if self.listener.reconnects:
            self.metrics.listen_reconnects.inc()
        self.wake.set()  # notifications sent while we were away are lost: look once
        if self.jobs:  # and a pause/cancel of one of ours may have been among them
            self._spawn(self._apply_control(list(self.jobs)))

    def _spawn(self, coro: Any) -> None:
        task = asyncio.create_task(coro)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def _apply_control(self, crawl_ids: list[uuid.UUID]) -> None:
        """Stop running crawls that were paused or cancelled."""
        try:
            async with self.pool.acquire(timeout=5) as conn:
                rows = await conn.fetch(_CONTROL_STATUS, crawl_ids)
        except Exception as exc:
            log.warning("could not read crawl states", error=str(exc) or type(exc).__name__)
            return
        for row in rows:
            job = self.jobs.get(row["id"])
            if job is not None and row["status"] in ("paused", "cancelled"):
                with logs.bound_contextvars(crawl_id=str(job.crawl_id)):
                    log.info("stopping the crawl", reason=row["status"])
                job.request_stop(row["status"])

    # --- the claim loop -----------------------------------------------------------------------

    def start(self) -> None:
        self.wake.set()  # start-up: look once
        self.listener.start()
        self._loop_task = asyncio.create_task(self._claim_loop(), name="claim-loop")

    async def _claim_loop(self) -> None:
        delay = 0.1
        while not self.stopping:
            await self.wake.wait()
            if self.stopping:
                return
            if len(self.jobs) >= self.settings.worker_concurrency:
                # Keep the wake-up flag: once a slot frees, we claim.
                self.slot_free.clear()
                await self.slot_free.wait()
                continue
            self.wake.clear()  # before the query: a NOTIFY during an empty claim is never lost
            try:
                claimed = await self.claim_once()
            except Exception as exc:
                # Not a poll: this claim was asked for and failed, so it is retried after a pause.
                log.warning("claim failed, retrying", error=str(exc) or type(exc).__name__, retry_in=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                self.wake.set()
                continue
            delay = 0.1
            if claimed:
                self.wake.set()  # there may be more: drain the backlog while slots are free

    async def claim_once(self) -> bool:
        """One claim attempt for every free slot. ``True`` when a crawl was taken (or failed as unrunnable)."""
        self.metrics.claim_queries.inc()
        free = max(self.settings.worker_concurrency - len(self.jobs), 1)
        try:
            conn = await self._claim_connection()
            claims = await queue.claim_many(
                conn, self.worker_id, self.settings.lease_seconds, running=list(self.jobs), limit=free
            )
        except (asyncpg.DeadlockDetectedError, asyncpg.SerializationError, eventstore.StreamConflict) as exc:
            # A concurrent cancel raced our claim; the row is settled now, so just look again.
            log.info("claim raced a concurrent change", error=str(exc))
            return True
        except BaseException:
            self._drop_claim_connection()  # lost or in an unknown state: the next claim reconnects
            raise
        for claimed in claims:
            if isinstance(claimed, queue.Claim):
                self._start_job(claimed)
        return bool(claims)

    async def _claim_connection(self) -> asyncpg.Connection:
        """The claim loop's own connection: no pool acquire and reset query per claim."""
        if self._claim_conn is None or self._claim_conn.is_closed():
            self._claim_conn = await database.connect(self.settings.database_url)
        return self._claim_conn

    def _drop_claim_connection(self) -> None:
        if self._claim_conn is not None:
            self._claim_conn.terminate()
            self._claim_conn = None

    def _start_job(self, claim: queue.Claim) -> None:
        latency = (claim.started_at - claim.available_at).total_seconds()
        self.metrics.claims.inc()
        self.metrics.events_appended.labels(type="CrawlStarted").inc()
        self.metrics.wakeup_latency.observe(max(latency, 0.0))
        job = CrawlJob(
            crawl_id=claim.crawl_id,
            settings=claim.settings,
            attempt=claim.attempt,
            worker_id=self.worker_id,
            pool=self.pool,
            config=self.settings,
            metrics=self.metrics,
            cpu=self.cpu,
            browser=self.browser,
        )
        self.jobs[job.crawl_id] = job
        self.metrics.jobs_running.set(len(self.jobs))
        self.job_tasks[job.crawl_id] = asyncio.create_task(self._run_job(job, latency), name=f"crawl-{job.crawl_id}")

    # --- running one crawl --------------------------------------------------------------------

    async def _run_job(self, job: CrawlJob, latency: float) -> None:
        with logs.bound_contextvars(crawl_id=str(job.crawl_id)):
            try:
                log.info("crawl claimed", attempt=job.attempt, url=job.settings.url, wakeup_latency_s=latency)
                heartbeat = asyncio.create_task(
                    lease.keep(
                        self.pool, job, lease_seconds=self.settings.lease_seconds, every=self.settings.heartbeat_seconds
                    )
                )
                outcome = await self._run_body(job)
                heartbeat.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await heartbeat
                await self._record(job, outcome)
            except Exception:  # never let one crawl take the worker down
                log.exception("crawl bookkeeping failed; the lease will expire and the crawl is retried")
            finally:
                self.jobs.pop(job.crawl_id, None)
                self.job_tasks.pop(job.crawl_id, None)
                self.metrics.jobs_running.set(len(self.jobs))
                self.slot_free.set()
                if not self.stopping:
                    self.wake.set()  # a finished crawl frees a slot: drain the backlog

    async def _run_body(self, job: CrawlJob) -> queue.Outcome:
        """Await the body; once a stop is requested give it ``stop_grace_seconds`` to return."""
        body = asyncio.create_task(self._guarded_body(job))
        stopped = asyncio.create_task(job.stop.wait())
        try:
            done, _ = await asyncio.wait({body, stopped}, return_when=asyncio.FIRST_COMPLETED)
            if body not in done:
                done, _ = await asyncio.wait({body}, timeout=self.settings.stop_grace_seconds)
                if body not in done:
                    log.warning("crawl did not stop in time; cancelling it", grace_s=self.settings.stop_grace_seconds)
                    body.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await body
                    return self._stopped_outcome(job)
            return body.result()
        finally:
            stopped.cancel()

    def _stopped_outcome(self, job: CrawlJob) -> queue.Outcome:
        if job.stop_reason == "shutdown":
            return queue.Outcome("released")
        return queue.Outcome("stopped", job.stop_reason)

    async def _guarded_body(self, job: CrawlJob) -> queue.Outcome:
        """Run the body and turn whatever it does into an outcome; nothing escapes."""
        try:
            await self.job_body(job)
        except LeaseLost:
            job.request_stop("lease_lost")
            self.metrics.leases_lost.inc()
        except CrawlError as exc:
            if job.stop_reason is None:
                return queue.Outcome("failed", exc.reason, exc.retryable)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if job.stop_reason is None:
                if await database.lost_connection(exc, self.settings.database_url):
                    # A restart or outage of Postgres is not the crawl's failure: hand it back once the
                    # database answers again, without counting the attempt; it resumes from its frontier.
                    reason = f"the database connection was lost mid-crawl ({type(exc).__name__}: {exc})"
                    log.warning("database connection lost; the crawl is handed back", error=str(exc))
                    self.metrics.crawls_interrupted.inc()
                    return queue.Outcome("interrupted", reason)
                log.exception("crawl raised an unexpected error")
                return queue.Outcome("failed", f"internal error: {type(exc).__name__}: {exc}", retryable=True)
        if job.stop_reason is not None:
            return self._stopped_outcome(job)
        return queue.Outcome("completed")

    async def _record(self, job: CrawlJob, outcome: queue.Outcome) -> None:
        async def append() -> ev.Event | None:
            async with self.pool.acquire(timeout=10) as conn:
                return await queue.finish(
                    conn, job.crawl_id, job.attempt, outcome, worker_id=self.worker_id, settings=self.settings
                )

        # After a lost connection, wait for the database as long as the lease would have lasted (the
        # scheduler gives a lease that long after its own reconnect before it expires it).
        patience = 8 + int(self.settings.lease_seconds / 5) if outcome.kind == "interrupted" else 8
        try:
            event = await database.retrying(append, attempts=patience, what="terminal event")
        except crawlstream.CrawlStreamBusy as exc:
            # Every attempt raced another writer; the lease runs out and the reaper decides.
            log.warning("terminal append kept racing concurrent changes", error=str(exc))
            event = None
        label = event.type_name() if event is not None else f"stopped:{job.stop_reason or 'lease_lost'}"
        self.metrics.crawls_finished.labels(outcome=label).inc()
        if event is not None:
            self.metrics.events_appended.labels(type=event.type_name()).inc()
        log.info("crawl attempt ended", outcome=outcome.kind, reason=outcome.reason, recorded=label)

    # --- stopping -----------------------------------------------------------------------------

    async def stop(self) -> None:
        """Stop claiming, ask every crawl to stop, hand unfinished ones back at once."""
        self.stopping = True
        self.wake.set()
        self.slot_free.set()
        if self._loop_task is not None:
            try:
                await asyncio.wait_for(self._loop_task, 10)
            except (TimeoutError, asyncio.CancelledError):
                self._loop_task.cancel()
        if self._claim_conn is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._claim_conn.close(), 5)
            self._drop_claim_connection()
        for job in list(self.jobs.values()):
            job.request_stop("shutdown")
        tasks = list(self.job_tasks.values())
        if tasks:
            log.info("handing back running crawls", count=len(tasks))
            # The bodies get stop_grace_seconds; the terminal appends a little more on top.
            await asyncio.wait(tasks, timeout=self.settings.stop_grace_seconds + 20)
        await self.listener.stop()
        if self.browser is not None:
            await self.browser.close()
        for task in list(self._background):
            task.cancel()

    async def refresh_metrics(self) -> None:
        """Queue gauges, and the browser's, read when Prometheus scrapes."""
        if self.browser is not None:
            self.metrics.browser_memory.set(self.browser.memory_bytes)
            self.metrics.browser_launches.set(self.browser.launches)


def _browser(settings: Settings) -> Browser | None:
    """The worker's Chromium (not started yet), or None when Playwright is not installed: rendering
    crawls then fail with that reason, raw crawls run as ever (the api's image has no browser)."""
    try:
        from services.worker.render.browser import Browser
    except ImportError:
        return None
    return Browser(settings)


WORKER = web.AppKey("worker", Worker)
# Imported once in the CPU pool's fork server, so a replaced pool process starts warm.
CPU_PRELOAD = ("services.worker.extract.records", "services.worker.fetch.sitemaps", "shared.audit.duplicates")


def create_app(settings: Settings, job_body: JobBody | None = None) -> web.Application:
    """The worker: ``/health`` (database, LISTEN), ``/metrics``, and the claim loop."""
    app = service.base_app(settings, "worker")
    app[service.SERVER_SETTINGS] = service.no_stuck_transactions(settings)
    app[service.METRICS_REFRESH] = lambda: _refresh_gauges(app)
    body = job_body or resolve_job_body(settings)
    app.cleanup_ctx.append(_worker_ctx(body))
    app.cleanup_ctx.append(_outbox_ctx)
    return app


OUTBOX = web.AppKey("outbox", Outbox)


async def _outbox_ctx(app: web.Application) -> AsyncIterator[None]:
    """Alert checks and deliveries, beside the crawls (their own LISTEN connection and loop)."""
    outbox = Outbox(app[service.SETTINGS], app[service.POOL], app[service.METRICS])
    app[OUTBOX] = outbox
    await outbox.start()

    async def listening() -> bool:
        return outbox.listener.is_connected

    app[service.HEALTH_CHECKS]["outbox_listen"] = listening
    yield
    await outbox.stop()


async def _refresh_gauges(app: web.Application) -> None:
    worker = app.get(WORKER)
    if worker is not None:
        stats, metrics = worker.cpu.stats, app[service.METRICS]
        metrics.cpu_processes.set(stats.processes)
        metrics.cpu_busy.set(stats.busy)
        metrics.cpu_queued.set(stats.queued)
        metrics.cpu_tasks_failed.set(stats.failed)
        await worker.refresh_metrics()
    await service.refresh_queue_gauges(app, parsequeue.counts)


def _worker_ctx(body: JobBody) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[service.SETTINGS]
        # The crawl's CPU work (parsing, extraction, sitemaps, audit passes), bounded per task.
        cpu = CpuPool.from_settings(settings, preload=CPU_PRELOAD)
        worker = Worker(settings, app[service.POOL], app[service.METRICS], body, cpu)
        app[WORKER] = worker

        async def listening() -> bool:
            return worker.listener.is_connected

        app[service.HEALTH_CHECKS]["listen"] = listening
        worker.start()
        log.info(
            "worker ready",
            worker_id=worker.worker_id,
            concurrency=app[service.SETTINGS].worker_concurrency,
            body=f"{body.__module__}.{body.__qualname__}",
        )
        yield
        await worker.stop()
        await cpu.close()

    return ctx
