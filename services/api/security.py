"""Security headers on every response and CORS (closed unless ``CORS_ORIGINS`` lists origins)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from aiohttp import web

from shared.platform.service import SETTINGS

# No inline scripts, no framing, nothing loaded from elsewhere. Styles may be inline because the
# UI sets element styles for charts and progress bars; scripts may not, which is what matters
# when the pages show hostile crawled text.
CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
}

_CORS_METHODS = "GET, POST, DELETE, OPTIONS"
_CORS_HEADERS = "Authorization, Content-Type, Last-Event-ID"


def allowed_origins(raw: str) -> set[str]:
    return {o.strip().rstrip("/") for o in raw.split(",") if o.strip()}


@web.middleware
async def security_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Answer CORS preflights for allowed origins; add security headers to every response."""
    origins = allowed_origins(request.app[SETTINGS].cors_origins)
    origin = request.headers.get("Origin", "").rstrip("/")
    cors_ok = bool(origin) and origin in origins
    if request.method == "OPTIONS" and request.headers.get("Access-Control-Request-Method"):
        # A preflight from an origin not on the list gets no CORS headers: the browser refuses.
        response: web.StreamResponse = web.Response(status=204)
        if cors_ok:
            response.headers["Access-Control-Allow-Methods"] = _CORS_METHODS
            response.headers["Access-Control-Allow-Headers"] = _CORS_HEADERS
            response.headers["Access-Control-Max-Age"] = "600"
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
    if not response.prepared:
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        if cors_ok:
            response.headers["Access-Control-Allow-Origin"] = origin
            response.headers["Access-Control-Allow-Credentials"] = "true"
            response.headers["Vary"] = "Origin"
    if isinstance(response, web.HTTPException):
        raise response
    return response


def add_stream_headers(request: web.Request, response: web.StreamResponse) -> None:
    """Headers for responses prepared inside the handler (SSE, exports), which the middleware cannot touch."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    origins = allowed_origins(request.app[SETTINGS].cors_origins)
    origin = request.headers.get("Origin", "").rstrip("/")
    if origin and origin in origins:
        response.headers["Access-Control-Allow-Origin"] = origin
        response.headers["Access-Control-Allow-Credentials"] = "true"
        response.headers["Vary"] = "Origin"
