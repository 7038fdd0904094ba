"""The api service: the /api gateway. ``create_app(settings)`` is the one place it is wired."""

from __future__ import annotations

from aiohttp import web

from services.api import problems
from services.api.routes import crawls
from shared import service
from shared.settings import Settings


def create_app(settings: Settings) -> web.Application:
    app = service.base_app(settings, "api", middlewares=[problems.problem_middleware])
    app[service.METRICS_REFRESH] = lambda: service.refresh_queue_gauges(app)
    crawls.setup(app)
    return app
