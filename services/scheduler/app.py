"""The scheduler service: cron schedules, delayed retries, the expired-lease reaper (one active instance)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from aiohttp import web

from services.scheduler.scheduler import Clock, Scheduler, wall_clock
from shared.eventlog.projections import parsequeue
from shared.platform import service
from shared.platform.settings import Settings

SCHEDULER = web.AppKey("scheduler", Scheduler)


LOCK_TIMEOUT_MS = "2000"


def create_app(settings: Settings, clock: Clock = wall_clock) -> web.Application:
    """The scheduler: ``/health`` (database, LISTEN), ``/metrics``, and the election + duties loop."""
    app = service.base_app(settings, "scheduler")
    # Never wait long behind another process's row lock (a frozen worker's): skip, and look again soon.
    app[service.SERVER_SETTINGS] = {**service.no_stuck_transactions(settings), "lock_timeout": LOCK_TIMEOUT_MS}
    app[service.METRICS_REFRESH] = lambda: service.refresh_queue_gauges(app, parsequeue.counts)
    app.cleanup_ctx.append(_scheduler_ctx(clock))
    return app


def _scheduler_ctx(clock: Clock) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        scheduler = Scheduler(app[service.SETTINGS], app[service.POOL], app[service.METRICS], clock=clock)
        app[SCHEDULER] = scheduler

        async def listening() -> bool:
            return scheduler.listener.is_connected

        app[service.HEALTH_CHECKS]["listen"] = listening
        scheduler.start()
        yield
        await scheduler.stop()

    return ctx
