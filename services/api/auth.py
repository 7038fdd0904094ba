"""Authentication: one API token (Bearer for scripts) and UI sessions (an HttpOnly cookie).

The token is ``API_TOKEN`` when set; otherwise one is generated on the first start, printed once
in the api log, and only its SHA-256 is stored. A SHA-256 (not a slow password hash) is right here
because the secret is 256 random bits, not something a person chose. Every comparison is of
digests with ``hmac.compare_digest``. Failed logins are counted per client address in Postgres so
several api replicas share the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import sys
from collections.abc import Awaitable, Callable

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
    """``"token"`` or ``"session"`` when the request carries valid credentials, else None."""
    settings = request.app[SETTINGS]
    token = bearer_of(request)
    session_id = request.cookies.get(COOKIE_NAME)
    if token is None and not session_id:
        return None
    async with request.app[POOL].acquire() as conn:
        if token is not None:
            return "token" if await token_matches(conn, settings, token) else None
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
        request[AUTH_VIA] = via
    return await handler(request)
