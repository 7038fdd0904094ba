"""Service scaffolding shared by api, worker and scheduler: the app, health, metrics, running.

Each service's ``create_app(settings)`` calls ``base_app`` and adds its own routes, health checks
and background tasks through ``app.cleanup_ctx``; nothing runs at import time.
"""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST

from shared.platform import database, watchdog
from shared.platform import logging as logs
from shared.platform.settings import Settings

log = structlog.get_logger(__name__)

HealthCheck = Callable[[], Awaitable[bool]]
POOL_CLOSE_SECONDS = 10.0


@dataclass
class Metrics:
    """The Prometheus metrics every service exposes (each service fills in what it does)."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.queue_depth = Gauge("seo_queue_depth", "Crawls waiting in parsequeue (unleased)", registry=r)
        self.leased = Gauge("seo_queue_leased", "Crawls currently leased by a worker", registry=r)
        self.claims = Counter("seo_claims", "Crawls claimed by this worker", registry=r)
        self.lease_expiries = Counter("seo_lease_expiries", "Leases expired by the reaper", registry=r)
        self.events_appended = Counter("seo_events_appended", "Events appended by this process", ["type"], registry=r)
        self.wakeup_latency = Histogram(
            "seo_wakeup_latency_seconds",
            "From the NOTIFY-ing commit to the claim that it caused",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=r,
        )
        self.pages_crawled = Counter("seo_pages_crawled", "Pages fetched and stored", registry=r)
        self.pages_rendered = Counter(
            "seo_pages_rendered", "Pages rendered in Chromium, by outcome (rendered, failed)", ["outcome"], registry=r
        )
        self.browser_memory = Gauge(
            "seo_browser_memory_bytes", "Memory (PSS) of the worker's Chromium processes together", registry=r
        )
        self.browser_launches = Gauge("seo_browser_launches", "Times this worker started Chromium", registry=r)
        self.notifications = Counter("seo_notifications", "Notifications received", ["channel"], registry=r)
        self.listen_reconnects = Counter("seo_listen_reconnects", "LISTEN connection re-established", registry=r)
        self.claim_queries = Counter(
            "seo_claim_queries", "Claim queries run (each one caused by start-up, a reconnect, a NOTIFY or a finish)",
            registry=r,
        )  # fmt: skip
        self.jobs_running = Gauge("seo_jobs_running", "Crawls this worker is running now", registry=r)
        self.crawls_finished = Counter(
            "seo_crawls_finished", "Crawls this worker stopped running, by outcome", ["outcome"], registry=r
        )
        self.leases_lost = Counter("seo_leases_lost", "Crawls whose lease this worker found taken", registry=r)
        self.crawls_interrupted = Counter(
            "seo_crawls_interrupted", "Crawl attempts handed back because the database connection was lost", registry=r
        )
        self.retries_requeued = Counter("seo_retries_requeued", "Failed attempts re-queued when due", registry=r)
        self.schedule_fires = Counter("seo_schedule_fires", "Cron schedules fired", registry=r)
        self.scheduler_leader = Gauge("seo_scheduler_leader", "1 while this scheduler holds the lock", registry=r)
        self.cpu_processes = Gauge("seo_cpu_pool_processes", "Processes of the CPU pool now running", registry=r)
        self.cpu_busy = Gauge("seo_cpu_pool_busy", "CPU-pool processes running a task now", registry=r)
        self.cpu_queued = Gauge("seo_cpu_pool_queued", "CPU tasks waiting for a pool process", registry=r)
        self.cpu_tasks_failed = Gauge(
            "seo_cpu_pool_tasks_failed", "CPU tasks stopped past their time or memory bound, or crashed", registry=r
        )


SETTINGS = web.AppKey("settings", Settings)
POOL = web.AppKey("pool", asyncpg.Pool)
METRICS = web.AppKey("metrics", Metrics)
HEALTH_CHECKS = web.AppKey("health_checks", dict[str, HealthCheck])
SERVICE_NAME = web.AppKey("service_name", str)
# Postgres settings for every connection of the service's pool (set before the app starts).
SERVER_SETTINGS = web.AppKey("server_settings", dict[str, str])


def base_app(settings: Settings, name: str, *, middlewares: list[object] | None = None) -> web.Application:
    """An application with settings, a database pool, ``/health`` and ``/metrics``."""
    app = web.Application(middlewares=middlewares or [], client_max_size=settings.max_body_bytes)  # type: ignore[arg-type]
    app[SETTINGS] = settings
    app[SERVICE_NAME] = name
    app[METRICS] = Metrics()
    app[HEALTH_CHECKS] = {}
    app.cleanup_ctx.append(watchdog.cleanup_ctx(settings))  # type: ignore[arg-type]
    app.on_startup.append(_freeze_startup_objects)
    app.cleanup_ctx.append(_pool_ctx)
    # GET only, as documented: a 405's Allow header then lists exactly that.
    app.router.add_get("/health", health, allow_head=False)
    app.router.add_get("/metrics", metrics, allow_head=False)
    return app


def no_stuck_transactions(settings: Settings) -> dict[str, str]:
    """Postgres ends a session of ours left idle inside a transaction for ``IDLE_TRANSACTION_SECONDS``.

    No transaction of the worker or the scheduler stays open across CPU work or network I/O, so one
    idle that long belongs to a process that is frozen (SIGSTOP, swapped out) or stuck: ending it
    frees its row locks for everyone else; the process finds its connection gone and reconnects.
    """
    if settings.idle_transaction_seconds <= 0:
        return {}
    return {"idle_in_transaction_session_timeout": str(int(settings.idle_transaction_seconds * 1000))}


async def _freeze_startup_objects(_: web.Application) -> None:
    """Leave what start-up built (modules, the app) out of every later garbage collection.

    A full collection walks every tracked object; tens of thousands of them from start-up made one
    a pause of tens of milliseconds of the loop, repeated for nothing: they live as long as the process.
    """
    gc.collect()
    gc.freeze()


async def _pool_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[SETTINGS]
    pool = await database.create_pool(
        settings.database_url,
        min_size=settings.pool_min_size,
        max_size=settings.pool_max_size,
        server_settings=app.get(SERVER_SETTINGS),
    )
    app[POOL] = pool

    async def database_ok() -> bool:
        try:
            async with pool.acquire(timeout=2) as conn:
                await conn.fetchval("SELECT 1", timeout=2)
            return True
        except Exception:
            return False

    app[HEALTH_CHECKS]["database"] = database_ok
    yield
    try:
        # Graceful close waits for every connection to be released; shutdown must not hang on one.
        await asyncio.wait_for(pool.close(), POOL_CLOSE_SECONDS)
    except TimeoutError:
        log.warning("database pool did not close in time; terminating its connections")
        pool.terminate()


async def health(request: web.Request) -> web.Response:
    """200 ``{"status": "ok"}`` when every check passes; 503 naming the failing checks."""
    checks = request.app[HEALTH_CHECKS]
    names = list(checks)
    results = await asyncio.gather(*(checks[n]() for n in names), return_exceptions=True)
    status = {n: (r is True) for n, r in zip(names, results, strict=True)}
    failing = [n for n, ok in status.items() if not ok]
    body: dict[str, Any] = {
        "status": "ok" if not failing else "unavailable",
        "service": request.app[SERVICE_NAME],
        "checks": {n: ("ok" if ok else "failing") for n, ok in status.items()},
    }
    if failing:
        body["failing"] = failing
        body["detail"] = "failing checks: " + ", ".join(failing)
    return web.json_response(body, status=200 if not failing else 503)


async def metrics(request: web.Request) -> web.Response:
    refresh = request.app.get(METRICS_REFRESH)
    if refresh is not None:
        try:
            await refresh()
        except Exception as exc:
            log.warning("metrics refresh failed", error=str(exc))
    body = generate_latest(request.app[METRICS].registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


MetricsRefresh = Callable[[], Awaitable[None]]
METRICS_REFRESH: web.AppKey[MetricsRefresh] = web.AppKey("metrics_refresh")


QueueCounts = Callable[[asyncpg.Connection], Awaitable[tuple[int, int]]]


async def refresh_queue_gauges(app: web.Application, counts: QueueCounts) -> None:
    """Queue depth and leases (``counts``: waiting, leased), read when Prometheus scrapes (not on a timer)."""
    async with app[POOL].acquire(timeout=2) as conn:
        waiting, leased = await counts(conn)
    app[METRICS].queue_depth.set(waiting)
    app[METRICS].leased.set(leased)


def run(app_factory: Callable[[Settings], web.Application], settings: Settings, port: int, name: str) -> None:
    """Configure logging and serve the app until SIGTERM/SIGINT (cleanup contexts then run)."""
    logs.configure(settings.log_format, settings.log_level, service=name)
    log.info("starting", service=name, port=port)
    web.run_app(app_factory(settings), host=settings.host, port=port, print=None, access_log=None)
