"""The built frontend (``frontend/dist``) served from the api's port.

Hashed files under ``/assets/`` are cached for a year (their names change when they do); other
files in the build are served as they are; every other path that is not a file is a UI route and
gets ``index.html`` (never cached), so deep links survive a reload. Without a build, a page says
how to make one.
"""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from services.api.problems import Problem
from shared.platform.service import SETTINGS

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"

_MISSING = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>SEO crawler: frontend not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto">
<h1>The frontend is not built yet</h1>
<p>The API is running (see <a href="/api/docs">/api/docs</a>), but there is no build of the UI in
<code>{dist}</code>.</p>
<p>Build it with <code>make frontend</code> (or <code>cd frontend &amp;&amp; npm ci &amp;&amp; npm run build</code>),
then reload this page. <code>make run</code> does this for you; <code>make dev</code> serves the UI with hot
reload on <a href="http://localhost:3000">:3000</a>.</p>
</body></html>
"""


def dist_of(app: web.Application) -> Path:
    return Path(app[SETTINGS].frontend_dist).resolve()


def _file_in(dist: Path, relative: str) -> Path | None:
    """The file at ``relative`` inside ``dist``; None for anything outside it or not a file."""
    try:
        candidate = (dist / relative.lstrip("/")).resolve()
    except (OSError, ValueError):
        return None
    if not candidate.is_relative_to(dist) or not candidate.is_file():
        return None
    return candidate


async def serve(request: web.Request) -> web.StreamResponse:
    """GET on any path the api does not own: a file of the build, or the UI's index.html."""
    path = request.match_info.get("tail", "")
    if request.path == "/api" or request.path.startswith("/api/"):
        raise Problem(404, f"Nothing is at {request.path}.")
    dist = dist_of(request.app)
    index = dist / "index.html"
    if not index.is_file():
        return web.Response(
            status=503, text=_MISSING.format(dist=dist), content_type="text/html", headers={"Cache-Control": REVALIDATE}
        )
    if "\x00" not in path and (found := _file_in(dist, path)) is not None:
        cache = IMMUTABLE if path.startswith("assets/") else REVALIDATE
        return web.FileResponse(found, headers={"Cache-Control": cache})
    last = path.rsplit("/", 1)[-1]
    if path.startswith("assets/") or "." in last:
        # A missing file (an old hashed asset, a typo) is a 404, not the UI pretending to be it.
        return web.Response(status=404, text="Not found\n", headers={"Cache-Control": REVALIDATE})
    return web.FileResponse(index, headers={"Cache-Control": REVALIDATE, "Content-Type": "text/html; charset=utf-8"})


def setup(app: web.Application) -> None:
    """Registered last: every GET the api's own routes do not match, outside /api.

    Paths under /api (and /health, /metrics) are left out of the pattern, so that a GET on an api
    path that has none (``/api/crawls/{id}/cancel``) is a 405 whose ``Allow`` lists exactly what the
    path does take.
    """
    app.router.add_get("/{tail:(?!api(?:/|$)|health$|metrics$).*}", serve)
