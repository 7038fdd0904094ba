"""The api service: the /api gateway. ``create_app(settings)`` is the one place it is wired."""

from __future__ import annotations

from collections.abc import AsyncIterator

from aiohttp import web
from prometheus_client import Gauge

from services.api import auth, credentials, openapi, problems, security, static
from services.api.livestream import LiveHub
from services.api.routes import (
    alerts,
    crawls,
    events,
    extraction,
    links,
    pages,
    reports,
    robots,
    schedules,
    session,
    sites,
    structure,
)
from services.api.routing import register
from shared import vault
from shared.eventlog.projections import parsequeue
from shared.platform import service
from shared.platform.settings import Settings


def create_app(settings: Settings) -> web.Application:
    app = service.base_app(
        settings,
        "api",
        # Outermost first: security headers go on every answer, problems included; auth runs last.
        middlewares=[security.security_middleware, problems.problem_middleware, auth.auth_middleware],
    )
    app[service.METRICS_REFRESH] = lambda: service.refresh_queue_gauges(app, parsequeue.counts)
    app.cleanup_ctx.append(_token_ctx)
    app.cleanup_ctx.append(_live_ctx)
    app.cleanup_ctx.append(extraction.rule_pool_ctx)
    app.on_startup.append(openapi.build_document)
    app.on_shutdown.append(_close_streams)
    # Live routes first: /api/crawls/events must not be taken for a crawl id.
    register(
        app,
        [
            events.routes,
            session.routes,
            crawls.routes,
            extraction.routes,
            pages.routes,
            links.routes,
            structure.routes,
            reports.routes,
            robots.routes,
            schedules.routes,
            sites.routes,
            alerts.routes,
            openapi.routes,
        ],
    )
    static.setup(app)
    return app


async def _token_ctx(app: web.Application) -> AsyncIterator[None]:
    async with app[service.POOL].acquire() as conn:
        await auth.ensure_token(conn, app[service.SETTINGS])
        app[credentials.VAULT] = await vault.load(conn, app[service.SETTINGS].secret_key)
    yield


async def _live_ctx(app: web.Application) -> AsyncIterator[None]:
    settings = app[service.SETTINGS]
    hub = LiveHub(settings.database_url, app[service.POOL], queue_size=settings.sse_queue_size)
    await hub.start()
    app[events.HUB] = hub
    app[service.HEALTH_CHECKS]["listen"] = _listen_ok(hub)
    streams = Gauge("seo_live_streams", "Open live-stream (SSE) clients", registry=app[service.METRICS].registry)
    streams.set_function(lambda: len(hub.subscribers))
    yield
    await hub.stop()


def _listen_ok(hub: LiveHub) -> service.HealthCheck:
    async def check() -> bool:
        return hub.is_connected

    return check


async def _close_streams(app: web.Application) -> None:
    """On shutdown, end every live stream so the server need not wait for clients to hang up."""
    if events.HUB in app:
        for sub in list(app[events.HUB].subscribers):
            sub.close()
