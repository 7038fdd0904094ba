"""Authentication: one API token (Bearer for scripts) and UI sessions (an HttpOnly cookie).

The token is ``API_TOKEN`` when set; otherwise one is generated on the first start, printed once
in the api log, and only its SHA-256 is stored. A SHA-256 (not a slow password hash) is right here
because the secret is 256 random bits, not something a person chose. Every comparison is of
digests with ``hmac.compare_digest``. Failed logins and wrong Bearer tokens are counted per client
address in Postgres (one counter for both) so several api replicas share the limit.

Requests authenticated by the session cookie are also checked against cross-site request forgery
(``csrf_refusal``): the browser attaches the cookie to requests another site makes it send, so a
state-changing request must be JSON and come from the api's own origin (or ``CORS_ORIGINS``).
Bearer requests need no such check: no browser attaches a token by itself.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
import sys
from collections.abc import Awaitable, Callable
from urllib.parse import urlsplit

import asyncpg
import structlog
from aiohttp import web

from services.api.problems import Problem
from shared.platform.service import POOL, SETTINGS
from shared.platform.settings import Settings

log = structlog.get_logger(__name__)

COOKIE_NAME = "seo_session"
SESSION_SECONDS = 14 * 24 * 3600
ROTATE_COMMAND = "python -m cli admin token rotate"


AUTH_VIA = web.RequestKey("auth_via", str)  # "token" or "session"

UNAUTHORIZED = "Authentication required: send 'Authorization: Bearer <API_TOKEN>' or log in."

_TOKEN_HASH = "SELECT token_hash FROM api_token WHERE id = 1"
_INSERT_TOKEN = "INSERT INTO api_token (id, token_hash) VALUES (1, $1) ON CONFLICT (id) DO NOTHING RETURNING id"
_UPSERT_TOKEN = """INSERT INTO api_token (id, token_hash) VALUES (1, $1)
                   ON CONFLICT (id) DO UPDATE SET token_hash = EXCLUDED.token_hash, created_at = now()"""
_DELETE_SESSIONS = "DELETE FROM api_sessions"
_INSERT_SESSION = """INSERT INTO api_sessions (id_hash, token_hash, expires_at)
                     VALUES ($1, $2, now() + make_interval(secs => $3))"""
_SESSION_VALID = "SELECT 1 FROM api_sessions WHERE id_hash = $1 AND token_hash = $2 AND expires_at > now()"
_DELETE_SESSION = "DELETE FROM api_sessions WHERE id_hash = $1"
_DELETE_EXPIRED_SESSIONS = "DELETE FROM api_sessions WHERE expires_at <= now()"

# Seconds until the client may try again, when it has used up its failures in the current window.
_LOGIN_BLOCKED = """
SELECT ceil(extract(epoch FROM window_start + make_interval(secs => $3) - now()))::int AS retry_after
FROM api_login_failures
WHERE client = $1 AND failures >= $2 AND window_start + make_interval(secs => $3) > now()
"""
_RECORD_FAILURE = """
INSERT INTO api_login_failures AS f (client, failures, window_start) VALUES ($1, 1, now())
ON CONFLICT (client) DO UPDATE SET
    failures = CASE WHEN f.window_start + make_interval(secs => $2) > now() THEN f.failures + 1 ELSE 1 END,
    window_start = CASE WHEN f.window_start + make_interval(secs => $2) > now() THEN f.window_start ELSE now() END
"""
_CLEAR_FAILURES = "DELETE FROM api_login_failures WHERE client = $1"


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def generate_token() -> str:
    return secrets.token_urlsafe(32)


def announce_token(token: str, *, rotated: bool = False) -> None:
    """Print the token once, on a line of its own that is easy to copy."""
    what = "rotated" if rotated else "generated on first start"
    print(
        f"\n  API token ({what}; shown only this once, store it now):\n\n    {token}\n\n"
        f"  Scripts send 'Authorization: Bearer <token>'; the UI asks for it at /login.\n"
        f"  Lost it? Rotate with: {ROTATE_COMMAND}\n",
        file=sys.stderr,
        flush=True,
    )


async def ensure_token(conn: asyncpg.Connection, settings: Settings) -> None:
    """At start-up: make sure a token exists; generate and print one if none does."""
    if settings.api_token:
        log.info("api token from API_TOKEN")
        return
    token = generate_token()
    # Several replicas may start at once: exactly one insert wins, and only the winner prints.
    if await conn.fetchval(_INSERT_TOKEN, digest(token)) is not None:
        announce_token(token)
        log.warning("api token generated; it is printed once, just above", rotate_with=ROTATE_COMMAND)
    else:
        log.info("api token loaded (hashed) from the database", rotate_with=ROTATE_COMMAND)


async def rotate(conn: asyncpg.Connection) -> str:
    """Replace the stored token with a new one and end every UI session; returns the new token."""
    token = generate_token()
    async with conn.transaction():
        await conn.execute(_UPSERT_TOKEN, digest(token))
        await conn.execute(_DELETE_SESSIONS)
    return token


async def current_token_hash(conn: asyncpg.Connection, settings: Settings) -> str | None:
    """The digest of the token in force: ``API_TOKEN`` when set, else the stored one."""
    if settings.api_token:
        return digest(settings.api_token)
    stored: str | None = await conn.fetchval(_TOKEN_HASH)
    return stored


async def token_matches(conn: asyncpg.Connection, settings: Settings, presented: str) -> bool:
    expected = await current_token_hash(conn, settings)
    if not expected:
        return False
    return hmac.compare_digest(digest(presented), expected)


async def create_session(conn: asyncpg.Connection, settings: Settings) -> str:
    """A new UI session bound to the current token (a token change ends it)."""
    session_id = secrets.token_urlsafe(32)
    await conn.execute(_DELETE_EXPIRED_SESSIONS)
    token_hash = await current_token_hash(conn, settings) or ""
    await conn.execute(_INSERT_SESSION, digest(session_id), token_hash, float(SESSION_SECONDS))
    return session_id


async def session_valid(conn: asyncpg.Connection, settings: Settings, session_id: str) -> bool:
    token_hash = await current_token_hash(conn, settings)
    if not token_hash:
        return False
    return await conn.fetchval(_SESSION_VALID, digest(session_id), token_hash) is not None


async def end_session(conn: asyncpg.Connection, session_id: str) -> None:
    await conn.execute(_DELETE_SESSION, digest(session_id))


async def login_blocked(conn: asyncpg.Connection, client: str, settings: Settings) -> int | None:
    """Seconds to wait when ``client`` has failed too often in the current window, else None."""
    retry_after = await conn.fetchval(
        _LOGIN_BLOCKED, client, settings.login_max_failures, float(settings.login_window_seconds)
    )
    return max(int(retry_after), 1) if retry_after is not None else None


async def record_failure(conn: asyncpg.Connection, client: str, settings: Settings) -> None:
    await conn.execute(_RECORD_FAILURE, client, float(settings.login_window_seconds))


async def clear_failures(conn: asyncpg.Connection, client: str) -> None:
    await conn.execute(_CLEAR_FAILURES, client)


def cookie_secure(request: web.Request, settings: Settings) -> bool:
    """Secure cookies behind https: the request's own scheme or the proxy's X-Forwarded-Proto."""
    if settings.cookie_secure != "auto":
        return settings.cookie_secure == "always"
    forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
    return request.secure or forwarded == "https"


def client_address(request: web.Request, settings: Settings) -> str:
    """The address failed logins and wrong tokens are counted against.

    The peer address, unless the peer is a trusted proxy (``TRUSTED_PROXIES``): then the last
    X-Forwarded-For entry, the one that proxy appended. Entries before it are written by the
    client and could reset its own limit, so they are never read.
    """
    peer = request.remote or "unknown"
    forwarded = request.headers.get("X-Forwarded-For", "")
    if not settings.trusted_proxies or not forwarded or not _in_networks(peer, settings.trusted_proxies):
        return peer
    return forwarded.split(",")[-1].strip() or peer


def _in_networks(address: str, networks: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    for item in networks.split(","):
        try:
            if item.strip() and ip in ipaddress.ip_network(item.strip(), strict=False):
                return True
        except ValueError:
            continue
    return False


def too_many_failures(retry_after: int) -> Problem:
    return Problem(
        429,
        f"Too many failed logins or wrong tokens from this address; try again in {retry_after} seconds.",
        headers={"Retry-After": str(retry_after)},
    )


# --- cross-site request forgery ------------------------------------------------------------------

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# Methods an HTML form or a `no-cors` fetch can send with a body: only with these can another site
# pick a content type the browser sends without asking (text/plain, form encodings), so JSON is
# demanded of them. DELETE cannot be sent cross-site at all without a CORS preflight.
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _origin_key(origin: str) -> str | None:
    """``scheme://host[:port]`` lower-cased, the default port dropped; None when it is no origin."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS or not parts.hostname or parts.path not in ("", "/"):
        return None
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    return f"{scheme}://{host}" + (f":{port}" if port and str(port) != _DEFAULT_PORTS[scheme] else "")


def own_origin(request: web.Request) -> str | None:
    """The origin the browser used to reach the api: its Host, over https when the proxy says so.

    A page on another site cannot set Host or X-Forwarded-Proto on the requests it makes a
    browser send, so neither can make a forged request look same-origin.
    """
    scheme = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower() or request.scheme
    return _origin_key(f"{scheme}://{request.host}")


def csrf_refusal(request: web.Request, settings: Settings) -> Problem | None:
    """Why a cookie-authenticated request may have been forged by another site, or None when it is fine."""
    if request.method not in UNSAFE_METHODS:
        return None
    if request.method in _BODY_METHODS and request.content_type != "application/json":
        return Problem(
            415,
            "With the session cookie, requests that change something must be sent as application/json "
            "(scripts send the Bearer token instead).",
            errors=[{"field": "Content-Type", "message": "must be application/json"}],
        )
    if request.headers.get("Sec-Fetch-Site", "").lower() == "same-origin":
        return None  # set by the browser itself (a forbidden header name): the UI's own request
    origin = request.headers.get("Origin")
    allowed = {own_origin(request)} | {_origin_key(o) for o in settings.cors_origins.split(",") if o.strip()}
    if origin and _origin_key(origin) in allowed - {None}:
        return None
    seen = origin or "no Origin header"
    return Problem(
        403,
        f"Cross-site request refused ({seen}): with the session cookie, changes must come from this api's own "
        "origin or one listed in CORS_ORIGINS. Scripts send the Bearer token instead.",
        errors=[{"field": "Origin", "message": "not this api's origin nor one in CORS_ORIGINS"}],
    )


def bearer_of(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


def _is_open(request: web.Request) -> bool:
    """What needs no credentials: the UI's files, health, metrics, logging in, CORS preflights."""
    path = request.path
    if not (path == "/api" or path.startswith("/api/")):
        return True
    if request.method == "OPTIONS":
        return True
    return path == "/api/session" and request.method == "POST"


async def authenticated_via(request: web.Request) -> str | None:
    """``"token"`` or ``"session"`` when the request carries valid credentials, else None.

    Bearer tokens are guessable the way login attempts are, so they share the login limit: a client
    over it gets a 429 whatever token it sends (else the answer would still tell right from wrong).
    """
    settings = request.app[SETTINGS]
    token = bearer_of(request)
    session_id = request.cookies.get(COOKIE_NAME)
    if token is None and not session_id:
        return None
    async with request.app[POOL].acquire() as conn:
        if token is not None:
            client = client_address(request, settings)
            retry_after = await login_blocked(conn, client, settings)
            if retry_after is not None:
                raise too_many_failures(retry_after)
            if await token_matches(conn, settings, token):
                return "token"
            await record_failure(conn, client, settings)
            return None
        if session_id and await session_valid(conn, settings, session_id):
            return "session"
    return None


@web.middleware
async def auth_middleware(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    """Everything under /api needs the token or a session; a failure never says which part was wrong."""
    if not _is_open(request):
        via = await authenticated_via(request)
        if via is None:
            raise Problem(401, UNAUTHORIZED, headers={"WWW-Authenticate": 'Bearer realm="seo"'})
        if via == "session" and (refusal := csrf_refusal(request, request.app[SETTINGS])) is not None:
            raise refusal
        request[AUTH_VIA] = via
    return await handler(request)
